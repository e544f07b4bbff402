// 3x3 convolutions of google/ddpm-cifar10-32 (batch 1, pad 1): GFLOP/s of the wasm backend with 1 and 2
// threads (weights pre-packed, warm-up excluded, median and best of many runs), next to PyTorch's figure
// measured in the same run when /usr/bin/python3 has torch. The header names the machine; the footer says
// how much CPU other processes took while the wasm timings ran (on a shared machine that is the error bar).
// Usage: npm run bench conv
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { getBackend, setNumThreads, setPackedWeightBudget } from "../src/engine/index.js";
import { Tensor } from "../src/tensor/tensor.js";

// Weights pre-packed, as the issue measures them: keep every packed weight between calls (the default packs per use).
setPackedWeightBudget(Number.POSITIVE_INFINITY);

const SHAPES: [number, number, number, number][] = [
  [128, 128, 32, 32],
  [256, 256, 16, 16],
  [512, 256, 8, 8],
  [256, 256, 4, 4],
];
const THREADS = [1, 2];
const MIN_RUNS = 15;
const MIN_SECONDS = 2;
/** Warm-up per shape and thread count: lets V8 tier the kernels up and the pool's workers start. */
const WARMUP_SECONDS = 0.3;

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median and best seconds per call for each thread count, with the thread counts interleaved run by run so that
 * load from other processes affects them alike. Warm-up calls are excluded.
 */
function timeThreads(fn: () => void): { median: number[]; best: number[] } {
  const times: number[][] = THREADS.map(() => []);
  for (const t of THREADS) {
    setNumThreads(t);
    const start = performance.now();
    do fn();
    while (performance.now() - start < WARMUP_SECONDS * 1000);
  }
  const start = performance.now();
  while (times[0].length < MIN_RUNS || performance.now() - start < MIN_SECONDS * 1000 * THREADS.length) {
    THREADS.forEach((t, i) => {
      setNumThreads(t);
      const t0 = performance.now();
      fn();
      times[i].push((performance.now() - t0) / 1000);
    });
  }
  return { median: times.map(median), best: times.map((t) => Math.min(...t)) };
}

const TORCH_SCRIPT = `
import json, sys, time, torch
import torch.nn.functional as F

shapes = json.loads(sys.argv[1]); threads = json.loads(sys.argv[2])
res = {}
with torch.no_grad():
  for t in threads:
    torch.set_num_threads(t)
    for (cin, cout, h, w) in shapes:
      x = torch.randn(1, cin, h, w); wt = torch.randn(cout, cin, 3, 3); b = torch.randn(cout)
      for _ in range(3): F.conv2d(x, wt, b, padding=1)
      times = []; start = time.perf_counter()
      while len(times) < ${MIN_RUNS} or time.perf_counter() - start < ${MIN_SECONDS}:
        t0 = time.perf_counter(); F.conv2d(x, wt, b, padding=1); times.append(time.perf_counter() - t0)
      times.sort(); res[f"{cin},{cout},{h},{w},{t}"] = times[len(times)//2]
print(json.dumps(res))
`;

function torchTimes(): Record<string, number> | null {
  const run = spawnSync("/usr/bin/python3", ["-c", TORCH_SCRIPT, JSON.stringify(SHAPES), JSON.stringify(THREADS)], {
    encoding: "utf8",
  });
  if (run.status !== 0) {
    console.log(
      `torch: not measured (${(run.stderr || run.error?.message || "python3 failed").trim().split("\n").pop()})`,
    );
    return null;
  }
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}");
}

/** Milliseconds of CPU time all cores spent busy since boot. */
function machineBusyMs(): number {
  return cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0);
}

const wasm = getBackend();
if (wasm.name !== "wasm") throw new Error(`bench: the wasm backend is not active here (active: ${wasm.name})`);
const torch = torchTimes();
const gflops = (flops: number, s: number) => flops / s / 1e9;

const cores = cpus();
const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(" ");
console.log(
  `machine: ${cores[0]?.model.trim() ?? "unknown CPU"}, ${cores.length} logical cores, Node ${process.version}; load average ${load(loadavg())}`,
);
const busy0 = machineBusyMs();
const own0 = process.cpuUsage();
const wall0 = performance.now();
console.log(
  "(Cin,Cout,H,W)      threads  wasm GFLOP/s  (best of)  torch GFLOP/s  wasm/torch  vs 1 thread (median, best)",
);
for (const [cin, cout, h, w] of SHAPES) {
  const x = Tensor.from(random(cin * h * w, 1), [1, cin, h, w]);
  const weight = Tensor.from(random(cout * cin * 9, 2), [cout, cin, 3, 3]);
  const bias = Tensor.from(random(cout, 3), [cout]);
  const flops = 2 * cout * cin * 9 * h * w;
  const seconds = timeThreads(() => wasm.conv2d(x, weight, bias, { padding: 1 }));
  THREADS.forEach((t, i) => {
    const ours = gflops(flops, seconds.median[i]);
    const best = gflops(flops, seconds.best[i]);
    const single = gflops(flops, seconds.median[0]);
    const singleBest = gflops(flops, seconds.best[0]);
    const theirs = torch ? gflops(flops, torch[`${cin},${cout},${h},${w},${t}`]) : Number.NaN;
    const label = `(${cin},${cout},${h},${w})`.padEnd(20);
    console.log(
      `${label}${String(t).padStart(7)}  ${ours.toFixed(1).padStart(12)}  ${best.toFixed(1).padStart(9)}  ${torch ? theirs.toFixed(1).padStart(13) : "            -"}  ${torch ? (ours / theirs).toFixed(2).padStart(10) : "         -"}  ${(ours / single).toFixed(2).padStart(10)}x ${(best / singleBest).toFixed(2).padStart(5)}x`,
    );
  });
}
// Busy CPU time of the whole machine minus this process's own (main thread and workers) over the wall time.
const own = process.cpuUsage(own0);
const others = (machineBusyMs() - busy0 - (own.user + own.system) / 1000) / (performance.now() - wall0);
console.log(
  `while wasm was timed, other processes used ${Math.max(0, others).toFixed(2)} of ${cores.length} cores on average; load average ${load(loadavg())}`,
);
