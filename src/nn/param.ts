// Parameters and the builder that names them. Layers are built against a ParamBuilder (like candle's
// VarBuilder): every weight gets its Diffusers state-dict name at construction time, so loading a
// checkpoint is a walk over one flat map, and a missing or misshapen tensor is reported by that name.

import type { F32, Weight } from "../engine/backend.js";
import { widenToFloat32 } from "../tensor/half.js";
import { formatShape, numel } from "../tensor/shape.js";

/** How `fromConfig` fills a parameter with seeded random values (PyTorch's default init scales). */
export type ParamInit =
  | { readonly kind: "fanIn"; readonly fanIn: number }
  | { readonly kind: "ones" }
  | { readonly kind: "zeros" }
  | { readonly kind: "normal"; readonly std: number };

export interface ParamOptions {
  /** Older state-dict names accepted for this tensor (e.g. `query.weight` for `to_q.weight`). */
  aliases?: readonly string[];
  /**
   * The layer reads this tensor through `stored` and accepts float16/bfloat16 (conv, linear and embedding
   * weights), so a half checkpoint keeps it half in memory; other parameters are always float32.
   */
  keepsHalf?: boolean;
}

export class Param {
  private current: Weight | null = null;
  readonly aliases: readonly string[];
  readonly keepsHalf: boolean;

  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly init: ParamInit,
    options: ParamOptions = {},
  ) {
    this.aliases = options.aliases ?? [];
    this.keepsHalf = options.keepsHalf ?? false;
  }

  get loaded(): boolean {
    return this.current !== null;
  }

  /** The tensor as held: float32, or float16/bfloat16 for a `keepsHalf` parameter loaded from a half checkpoint. */
  get stored(): Weight {
    if (this.current === null) throw new Error(`parameter ${this.name} has not been loaded`);
    return this.current;
  }

  /** The values as float32 (a fresh exact widening each call when stored half). */
  get value(): F32 {
    return widenToFloat32(this.stored);
  }

  set(tensor: Weight): void {
    const half = tensor.dtype === "float16" || tensor.dtype === "bfloat16";
    if (tensor.dtype !== "float32" && !(half && this.keepsHalf)) {
      throw new TypeError(
        `parameter ${this.name}: expected a float32 tensor${this.keepsHalf ? " (or float16/bfloat16)" : ""}, got ${tensor.dtype}`,
      );
    }
    if (tensor.shape.length !== this.shape.length || tensor.shape.some((d, i) => d !== this.shape[i])) {
      throw new RangeError(
        `parameter ${this.name}: expected shape ${formatShape(this.shape)}, got ${formatShape(tensor.shape)}`,
      );
    }
    this.current = tensor;
  }

  get size(): number {
    return numel(this.shape);
  }
}

/** A flat, ordered map of every parameter of a model, keyed by state-dict name. */
export class ParamStore {
  readonly params = new Map<string, Param>();

  add(param: Param): Param {
    if (this.params.has(param.name)) throw new Error(`duplicate parameter name ${param.name}`);
    this.params.set(param.name, param);
    return param;
  }

  get numParameters(): number {
    let n = 0;
    for (const p of this.params.values()) n += p.size;
    return n;
  }
}

/** Registers parameters under a dotted prefix; `pp("down_blocks").pp(0)` → `down_blocks.0.`. */
export class ParamBuilder {
  constructor(
    readonly store: ParamStore,
    readonly prefix = "",
    /** A second, older prefix under which checkpoints may store the same tensors. */
    readonly aliasPrefix: string | null = null,
  ) {}

  pp(name: string | number): ParamBuilder {
    const alias = this.aliasPrefix === null ? null : `${this.aliasPrefix}.${name}`;
    return new ParamBuilder(this.store, this.path(String(name)), alias);
  }

  /** The same prefix, also accepting tensors stored under `legacyPrefix` (a full dotted path). */
  withAlias(legacyPrefix: string): ParamBuilder {
    return new ParamBuilder(this.store, this.prefix, legacyPrefix);
  }

  path(name: string): string {
    return this.prefix === "" ? name : `${this.prefix}.${name}`;
  }

  param(name: string, shape: readonly number[], init: ParamInit, options: { keepsHalf?: boolean } = {}): Param {
    const aliases = this.aliasPrefix === null ? [] : [`${this.aliasPrefix}.${name}`];
    return this.store.add(new Param(this.path(name), shape, init, { aliases, keepsHalf: options.keepsHalf }));
  }
}
