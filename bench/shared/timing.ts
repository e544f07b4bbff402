// Seeded inputs and median timing shared by the op benches (an LCG is enough for benchmark data).
import { performance } from "node:perf_hooks";
import { Tensor } from "../../src/tensor/tensor.js";

/** Uniform values in [-scale/2, scale/2) from a seeded LCG. */
export function seededTensor(shape: number[], seed: number, scale = 1): Tensor<"float32"> {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return Tensor.from(out, shape);
}

/** Median milliseconds of `runs` calls after one warm-up call. */
export function medianMs(fn: () => void, runs: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}
