// Seeded random weights for `fromConfig` (benchmarks and tests). Scales follow PyTorch's default
// initialisation (kaiming-uniform with a = sqrt(5) has std 1/sqrt(3 fan_in); norms start at 1 and 0) but the
// values are normal draws from the generator, in parameter order, so a seed fixes every weight.

import type { ParamStore } from "../nn/param.js";
import { type Generator, randn } from "../rng/index.js";
import { Tensor } from "../tensor/tensor.js";

/** Anything that can draw `count` standard-normal float32 values (a reprodiff Generator via `randn`). */
export type NormalSampler = (count: number) => Float32Array;

export interface RandomWeightsOptions {
  normal: NormalSampler;
}

export function initRandomWeights(store: ParamStore, options: RandomWeightsOptions): void {
  for (const param of store.params.values()) {
    const n = param.size;
    let values: Float32Array;
    switch (param.init.kind) {
      case "ones":
        values = new Float32Array(n).fill(1);
        break;
      case "zeros":
        values = new Float32Array(n);
        break;
      case "fanIn":
      case "normal": {
        const std = param.init.kind === "normal" ? param.init.std : 1 / Math.sqrt(3 * param.init.fanIn);
        values = options.normal(n);
        if (values.length !== n) throw new RangeError(`normal sampler returned ${values.length} values, wanted ${n}`);
        const s = Math.fround(std);
        for (let i = 0; i < n; i++) values[i] = Math.fround(values[i] * s);
        break;
      }
    }
    param.set(Tensor.from(values, param.shape));
  }
}

/** Standard normal draws from `generator`, as torch.randn(n, generator=generator) gives them. */
export function normalSampler(generator: Generator): NormalSampler {
  return (count) => randn([count], { generator }).data;
}
