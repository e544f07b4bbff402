// Diffusers' get_activation, restricted to the activations the engine implements exactly.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";

export type Activation = (x: F32) => F32;

const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  silu: (x) => ops.silu(x),
  swish: (x) => ops.silu(x),
  gelu: (x) => ops.gelu(x),
};

export const SUPPORTED_ACTIVATIONS: readonly string[] = Object.keys(ACTIVATIONS);

/** `where` names the config key in errors (e.g. `act_fn`). Case-insensitive like Diffusers. */
export function getActivation(name: string, where = "activation"): Activation {
  const fn = ACTIVATIONS[String(name).toLowerCase()];
  if (fn === undefined) {
    throw new RangeError(
      `${where}: unsupported activation ${JSON.stringify(name)}; supported: ${SUPPORTED_ACTIVATIONS.join(", ")}`,
    );
  }
  return fn;
}
