// Wasm backend vs the reference backend on Stable-Diffusion-like shapes of the other fast ops (linear,
// attention, group/layer norm, softmax, activations), 1 and 2 threads; median of a few runs after a warm-up.
// Usage: npm run bench ops
import { getBackend, referenceBackend, setNumThreads, setPackedWeightBudget } from "../src/engine/index.js";
import { medianMs, seededTensor } from "./shared/timing.js";

// Weights pre-packed, as the issue measures them: keep every packed weight between calls (the default packs per use).
setPackedWeightBudget(Number.POSITIVE_INFINITY);

const wasm = getBackend();
if (wasm.name !== "wasm") throw new Error(`bench: the wasm backend is not active here (active: ${wasm.name})`);

const x = seededTensor([1, 1024, 320], 1);
const w = seededTensor([320, 320], 2);
const bias = seededTensor([320], 3);
const q = seededTensor([1, 8, 1024, 40], 4);
const k = seededTensor([1, 8, 1024, 40], 5);
const v = seededTensor([1, 8, 1024, 40], 6);
const kc = seededTensor([1, 8, 77, 40], 7);
const vc = seededTensor([1, 8, 77, 40], 8);
const g = seededTensor([1, 320, 32, 32], 9);
const gw = seededTensor([320], 10);
const s = seededTensor([8, 1024, 1024], 11);
const a = seededTensor([1, 128, 32, 32], 12);
const ff = seededTensor([2, 1024, 2560], 13);

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
  const refMs = medianMs(() => run(referenceBackend), 1);
  setNumThreads(1);
  const one = medianMs(() => run(wasm), 5);
  setNumThreads(2);
  const two = medianMs(() => run(wasm), 5);
  const rate = flops > 0 ? `  (${(flops / one / 1e6).toFixed(1)} / ${(flops / two / 1e6).toFixed(1)} GFLOP/s)` : "";
  console.log(
    `${name.padEnd(38)} ${refMs.toFixed(1).padStart(12)} ${one.toFixed(2).padStart(12)} ${two.toFixed(2).padStart(12)}   ${(refMs / one).toFixed(1)}x / ${(refMs / two).toFixed(1)}x${rate}`,
  );
}
