// The full google/ddpm-cifar10-32 UNet2DModel (35.7 M parameters, 12.44 GFLOP per forward at batch 1)
// with seeded random weights: ms per forward for 1 and 2 threads, and peak RSS; first with the engine's
// default (weights packed per use, so they are held once), then with every packed weight kept in wasm memory
// (`setPackedWeightBudget(Infinity)`: faster by the packing time, but a second copy of the weights).
// Runs: REPRODIFF_BENCH_RUNS (default 3) timed forwards after one warm-up, per thread count.
// Backend: the engine's default, or REPRODIFF_BENCH_BACKEND=wasm|reference.
// The same module in PyTorch + Diffusers: bench/unet_diffusers.py.

import { getNumThreads, ops, setBackend, setNumThreads, setPackedWeightBudget } from "../src/engine/index.js";
import { UNet2DModel } from "../src/models/unet2d.js";
import { Generator, randn } from "../src/rng/index.js";
import { DDPM_CIFAR10_32_GFLOP_PER_FORWARD, DDPM_CIFAR10_32_UNET } from "./shared/ddpm-cifar10-32.js";

const runs = Number(process.env.REPRODIFF_BENCH_RUNS ?? 3);
const backendName = process.env.REPRODIFF_BENCH_BACKEND;
if (backendName !== undefined) setBackend(backendName);
const generator = new Generator().manualSeed(0);
const t0 = performance.now();
const unet = UNet2DModel.fromConfig(DDPM_CIFAR10_32_UNET, { generator });
const initMs = performance.now() - t0;
const x = randn([1, 3, 32, 32], { generator });
const weightBytes = unet.numParameters * 4;
console.log(
  `backend: ${ops.name}; parameters: ${(unet.numParameters / 1e6).toFixed(2)} M (${(weightBytes / 2 ** 20).toFixed(1)} MiB float32); random init ${initMs.toFixed(0)} ms`,
);
console.log("| packed weights kept | threads | ms / forward (median) | runs (ms) | GFLOP/s |");
console.log("|---|---|---|---|---|");
let reference: Float32Array | null = null;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const rssLine = (label: string) =>
  `peak RSS (${label}): ${(peakRss() / 2 ** 20).toFixed(0)} MiB = ${(peakRss() / weightBytes).toFixed(2)}x the float32 weights`;
for (const [label, budget] of [
  ["none (default)", 0],
  ["all", Number.POSITIVE_INFINITY],
] as const) {
  setPackedWeightBudget(budget);
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    const { sample } = await unet.forward(x, 500);
    // Every thread count and budget must give the same bits.
    if (reference === null) reference = sample.data;
    else if (!sample.data.every((v, i) => Object.is(v, reference![i])))
      throw new Error(`${threads} threads / budget ${budget} changed the output bits`);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await unet.forward(x, 500);
      times.push(performance.now() - start);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `| ${label} | ${getNumThreads()} | ${median.toFixed(0)} | ${times.map((t) => t.toFixed(0)).join(", ")} | ${(DDPM_CIFAR10_32_GFLOP_PER_FORWARD / (median / 1000)).toFixed(2)} |`,
    );
  }
  // wasm memory only grows, so the first line is the default's peak and the second adds the kept copy.
  console.log(rssLine(`packed weights kept: ${label}`));
}
