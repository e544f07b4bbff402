// Wasm backend vs the reference backend on Stable-Diffusion-like shapes of the other fast ops (linear,
// attention, group/layer norm, softmax, activations), 1 and 2 threads; median of a few runs after a warm-up.
// Usage: npm run bench ops
import { performance } from "node:perf_hooks";
import { getBackend, referenceBackend, setNumThreads, setPackedWeightBudget } from "../src/engine/index.js";
import { Tensor } from "../src/tensor/tensor.js";

// Weights pre-packed, as the issue measures them: keep every packed weight between calls (the default packs per use).
setPackedWeightBudget(Number.POSITIVE_INFINITY);

function random(shape: number[], seed: number): Tensor<"float32"> {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return Tensor.from(out, shape);
}

function median(fn: () => void, runs: number): number {
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

const wasm = getBackend();
if (wasm.name !== "wasm") throw new Error(`bench: the wasm backend is not active here (active: ${wasm.name})`);

const x = random([1, 1024, 320], 1);
const w = random([320, 320], 2);
const bias = random([320], 3);
const q = random([1, 8, 1024, 40], 4);
const k = random([1, 8, 1024, 40], 5);
const v = random([1, 8, 1024, 40], 6);
const kc = random([1, 8, 77, 40], 7);
const vc = random([1, 8, 77, 40], 8);
const g = random([1, 320, 32, 32], 9);
const gw = random([320], 10);
const s = random([8, 1024, 1024], 11);
const a = random([1, 128, 32, 32], 12);
const ff = random([2, 1024, 2560], 13);

const cases: [string, number, (b: typeof wasm) => void][] = [
  ["linear [1024,320]x[320,320]", 2 * 1024 * 320 * 320, (b) => b.linear(x, w, bias)],
  ["self-attention 8 heads 1024x1024 d40", 4 * 8 * 1024 * 1024 * 40, (b) => b.attention(q, k, v)],
  ["cross-attention 8 heads 1024x77 d40", 4 * 8 * 1024 * 77 * 40, (b) => b.attention(q, kc, vc)],
  ["groupNorm [1,320,32,32] 32 groups", 0, (b) => b.groupNorm(g, 32, gw, gw, 1e-5)],
  ["layerNorm [1,1024,320]", 0, (b) => b.layerNorm(x, bias, bias, 1e-5)],
  ["softmax [8,1024,1024]", 0, (b) => b.softmax(s)],
  ["silu [1,128,32,32]", 0, (b) => b.silu(a)],
  ["gelu [1,128,32,32]", 0, (b) => b.gelu(a)],
  ["geglu [2,1024,2560]", 0, (b) => b.geglu(ff)],
];

console.log("op                                     reference ms   wasm 1t ms   wasm 2t ms   speed-up 1t / 2t");
for (const [name, flops, run] of cases) {
  const refMs = median(() => run(referenceBackend), 1);
  setNumThreads(1);
  const one = median(() => run(wasm), 5);
  setNumThreads(2);
  const two = median(() => run(wasm), 5);
  const rate = flops > 0 ? `  (${(flops / one / 1e6).toFixed(1)} / ${(flops / two / 1e6).toFixed(1)} GFLOP/s)` : "";
  console.log(
    `${name.padEnd(38)} ${refMs.toFixed(1).padStart(12)} ${one.toFixed(2).padStart(12)} ${two.toFixed(2).padStart(12)}   ${(refMs / one).toFixed(1)}x / ${(refMs / two).toFixed(1)}x${rate}`,
  );
}
