// Diffusers' FeedForward: net.0 (a projection fused with its activation), net.1 dropout (inference:
// identity, no parameters), net.2 the output projection.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { Linear } from "./layers.js";
import type { ParamBuilder } from "./param.js";

export const FEED_FORWARD_ACTIVATIONS = ["geglu", "gelu", "gelu-approximate", "geglu-approximate"] as const;
export type FeedForwardActivation = (typeof FEED_FORWARD_ACTIVATIONS)[number];

export interface FeedForwardConfig {
  dimOut?: number | null;
  mult?: number;
  innerDim?: number | null;
  activationFn?: string;
  bias?: boolean;
}

export class FeedForward {
  readonly proj: Linear;
  readonly out: Linear;
  readonly activationFn: FeedForwardActivation;

  constructor(
    vb: ParamBuilder,
    readonly dim: number,
    config: FeedForwardConfig = {},
  ) {
    const activation = config.activationFn ?? "geglu";
    if (!(FEED_FORWARD_ACTIVATIONS as readonly string[]).includes(activation)) {
      throw new RangeError(
        `${vb.prefix}: activation_fn ${JSON.stringify(activation)} is not supported; supported: ${FEED_FORWARD_ACTIVATIONS.join(", ")}`,
      );
    }
    this.activationFn = activation as FeedForwardActivation;
    const inner = config.innerDim ?? Math.trunc(dim * (config.mult ?? 4));
    const bias = config.bias ?? true;
    const projOut = this.activationFn === "geglu" ? inner * 2 : inner;
    this.proj = new Linear(vb.pp("net").pp(0).pp("proj"), dim, projOut, bias);
    this.out = new Linear(vb.pp("net").pp(2), inner, config.dimOut ?? dim, bias);
  }

  forward(x: F32): F32 {
    const h = this.proj.forward(x);
    let act: F32;
    switch (this.activationFn) {
      case "geglu":
        act = ops.geglu(h);
        break;
      case "gelu":
        act = ops.gelu(h);
        break;
      case "gelu-approximate":
        act = ops.geluTanh(h);
        break;
      case "geglu-approximate":
        // Diffusers' ApproximateGELU: x * sigmoid(1.702 x).
        act = ops.quickGelu(h);
        break;
    }
    return this.out.forward(act);
  }
}
