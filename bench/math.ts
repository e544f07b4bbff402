// Per-call cost of src/math against the engine's Math.* (which reprodiff never uses for output), and the
// reference backend's throughput on a few representative ops. `npm run bench math`. Timings on a shared
// machine are noisy: each figure is the best of several repetitions, in CPU time.
import { referenceBackend as ref } from "../src/engine/reference/index.js";
import { cos, erf, exp, expm1, log, log1p, pow, sigmoid, sin, tanh } from "../src/math/index.js";
import { Tensor } from "../src/tensor/tensor.js";

/** CPU time of this process in ms (less disturbed than wall time when other jobs share the cores). */
function cpuMs(): number {
  return process.cpuUsage().user / 1000;
}

const N = 1 << 18;
const xs = new Float64Array(N);
for (let i = 0; i < N; i++) xs[i] = (i / N - 0.5) * 12;
const pos = xs.map((v) => Math.abs(v) + 0.1);

function nsPerCall(f: (x: number) => number, input: Float64Array): number {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let rep = 0; rep < 7; rep++) {
    const t0 = cpuMs();
    for (let i = 0; i < N; i++) sink += f(input[i]);
    best = Math.min(best, cpuMs() - t0);
  }
  if (sink === 0.5) console.log(""); // keeps the loop observable
  return (best * 1e6) / N;
}

const rows: [string, (x: number) => number, (x: number) => number, Float64Array][] = [
  ["exp", exp, Math.exp, xs],
  ["expm1", expm1, Math.expm1, xs],
  ["log", log, Math.log, pos],
  ["log1p", log1p, Math.log1p, pos],
  ["sin", sin, Math.sin, xs],
  ["cos", cos, Math.cos, xs],
  ["tanh", tanh, Math.tanh, xs],
  ["erf", erf, (x) => x, xs],
  ["sigmoid", sigmoid, (x) => 1 / (1 + Math.exp(-x)), xs],
  ["pow(x, 0.37)", (x) => pow(x, 0.37), (x) => x ** 0.37, pos],
];
console.log("| function | src/math ns/call | Math.* ns/call |");
console.log("|---|---|---|");
for (const [name, ours, theirs, input] of rows) {
  const other = name === "erf" ? "—" : nsPerCall(theirs, input).toFixed(1);
  console.log(`| ${name} | ${nsPerCall(ours, input).toFixed(1)} | ${other} |`);
}

function tensor(shape: number[]): Tensor<"float32"> {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  return Tensor.from(data, shape);
}

function bestMs(f: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = cpuMs();
    f();
    best = Math.min(best, cpuMs() - t0);
  }
  return best;
}

const x = tensor([1, 64, 32, 32]);
const w = tensor([64, 64, 3, 3]);
const b = tensor([64]);
const q = tensor([1, 4, 256, 32]);
const lx = tensor([256, 320]);
const lw = tensor([320, 320]);
const ops: [string, number, () => unknown][] = [
  ["conv2d 64→64, 32x32, 3x3 pad 1", 2 * 64 * 64 * 9 * 32 * 32, () => ref.conv2d(x, w, b, { padding: 1 })],
  ["linear 256x320 → 320", 2 * 256 * 320 * 320, () => ref.linear(lx, lw, null)],
  ["attention 4 heads, 256x256, D 32", 4 * 4 * 256 * 256 * 32, () => ref.attention(q, q, q)],
  ["groupNorm 64 ch 32x32, 32 groups", 0, () => ref.groupNorm(x, 32, b, b, 1e-6)],
  ["gelu 64x32x32", 0, () => ref.gelu(x)],
];
console.log("\n| reference op | ms | GFLOP/s |");
console.log("|---|---|---|");
for (const [name, flops, f] of ops) {
  const ms = bestMs(f);
  console.log(`| ${name} | ${ms.toFixed(1)} | ${flops > 0 ? (flops / ms / 1e6).toFixed(2) : "—"} |`);
}
