// Stable Diffusion 512x512 self-attention (batch 2, 8 heads, 4096 tokens, head dim 40) on the wasm
// backend, whole and by stage: the q·kᵀ GEMM (K = 40), the scaled softmax of one head's 4096x4096
// scores, and the p·v GEMM (N = 40). 1 and 2 threads, median of a few runs after a warm-up.
// Usage: npm run bench attention   (REPRODIFF_BENCH_RUNS, default 3)
import { getBackend, setNumThreads } from "../src/engine/index.js";
import { medianMs, seededTensor } from "./shared/timing.js";

const runs = Number(process.env.REPRODIFF_BENCH_RUNS ?? 3);

const wasm = getBackend();
if (wasm.name !== "wasm") throw new Error(`bench: the wasm backend is not active here (active: ${wasm.name})`);

const L = 4096;
const D = 40;
// Activations of SD's attention are O(1) after the norms; scale 4 gives softmax rows a realistic spread.
const q = seededTensor([2, 8, L, D], 1, 4);
const k = seededTensor([2, 8, L, D], 2, 4);
const v = seededTensor([2, 8, L, D], 3, 2);
const q1 = seededTensor([1, L, D], 4, 4);
const kt1 = seededTensor([1, D, L], 5, 4);
const s1 = seededTensor([1, L, L], 6, 20);
const p1 = wasm.softmax(s1);
const v1 = seededTensor([1, L, D], 7, 2);

const cases: [string, () => void][] = [
  ["attention [2,8,4096,40] (16 heads)", () => wasm.attention(q, k, v)],
  ["  one head: q·kᵀ [4096,40]x[40,4096]", () => wasm.matmul(q1, kt1)],
  ["  one head: softmax [4096,4096]", () => wasm.softmax(s1)],
  ["  one head: p·v [4096,4096]x[4096,40]", () => wasm.matmul(p1, v1)],
];
console.log("| case | 1 thread ms | 2 threads ms |");
console.log("|---|---|---|");
for (const [name, run] of cases) {
  setNumThreads(1);
  const one = medianMs(run, runs);
  setNumThreads(2);
  const two = medianMs(run, runs);
  console.log(`| ${name} | ${one.toFixed(1)} | ${two.toFixed(1)} |`);
}
