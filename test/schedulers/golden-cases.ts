// Loading and replaying the Diffusers v0.31.0 scheduler goldens (test/fixtures/schedulers, copied from
// shared/golden/schedulers; README.md there documents the loop and the fake model).
import { readFileSync } from "node:fs";
import { parseConfigJson } from "../../src/schedulers/config.js";
import type { Scheduler, StepOptions } from "../../src/schedulers/scheduler.js";
import { Tensor } from "../../src/tensor/index.js";
import { fixturePath, loadSafetensorsFixture } from "../helpers/fixtures.js";

export interface GoldenCase {
  case: string;
  scheduler: string;
  config_kwargs: Record<string, unknown>;
  full_config: Record<string, unknown>;
  num_inference_steps: number;
  num_loop_steps: number;
  timesteps: number[];
  timesteps_dtype: string;
  sigmas: number[] | null;
  init_noise_sigma: number;
  init_noise_sigma_dtype: string;
  step_kwargs: Record<string, unknown>;
  step_accepts_generator: boolean;
  has_pred_original_sample: boolean;
  step_seed: number | null;
  shape: number[];
  file: string;
}

export function loadCases(): GoldenCase[] {
  const text = readFileSync(fixturePath("schedulers", "cases.json"), "utf8");
  return (parseConfigJson(text) as { cases: GoldenCase[] }).cases;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i]) || a[i] === b[i]) continue; // equal infinities too
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) {
      if (!(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return Number.POSITIVE_INFINITY;
    } else if (d > m) m = d;
  }
  return m;
}

/** The README's deterministic fake model: 0.3f * scaled + float32(0.05 * t / 1000) * fixed, float32 ops. */
export function fakeModel(scaled: Float32Array, fixed: Float32Array, t: number): Float32Array {
  const c = Math.fround((0.05 * t) / 1000);
  const k = Math.fround(0.3);
  const out = new Float32Array(scaled.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(scaled[i] * k) + Math.fround(fixed[i] * c);
  return out;
}

export interface ReplayReport {
  scaled: number;
  modelOutput: number;
  prevSample: number;
  predOriginal: number;
  finalSample: number;
  sampleInit: number;
  steps: number;
}

export interface GoldenData {
  get(name: string): Float32Array;
  has(name: string): boolean;
  native(name: string): Tensor;
  slice(name: string, i: number): Float32Array;
}

export function loadData(file: string): GoldenData {
  const st = loadSafetensorsFixture("schedulers", file);
  const cache = new Map<string, Float32Array>();
  const get = (name: string): Float32Array => {
    let v = cache.get(name);
    if (!v) {
      v = st.float32(name).data as Float32Array;
      cache.set(name, v);
    }
    return v;
  };
  return {
    get,
    has: (name) => st.keys().includes(name),
    native: (name) => st.tensor(name),
    slice: (name, i) => {
      const all = get(name);
      const per = all.length / st.info(name).shape[0];
      return all.subarray(i * per, (i + 1) * per);
    },
  };
}

/**
 * Runs the README loop on `scheduler` (already setTimesteps'd). `feed` = "recorded" steps with the recorded
 * model outputs, "recomputed" evaluates the fake model on our own scaled input.
 */
export function replay(
  scheduler: Scheduler,
  gc: GoldenCase,
  data: GoldenData,
  feed: "recorded" | "recomputed",
  generator: StepOptions["generator"],
): ReplayReport {
  const shape = gc.shape;
  const noise = data.get("noise_init");
  const fixed = data.get("fixed_noise");
  const sigma = Math.fround(scheduler.initNoiseSigma);
  let sample: Float32Array = Float32Array.from(noise, (v) => v * sigma);
  const report: ReplayReport = {
    scaled: 0,
    modelOutput: 0,
    prevSample: 0,
    predOriginal: 0,
    finalSample: 0,
    sampleInit: maxAbsDiff(sample, data.get("sample_init")),
    steps: 0,
  };
  const timesteps = [...scheduler.timesteps];
  timesteps.forEach((t, i) => {
    const scaled = scheduler.scaleModelInput(Tensor.from(sample, shape), t).data as Float32Array;
    report.scaled = Math.max(report.scaled, maxAbsDiff(scaled, data.slice("scaled_inputs", i)));
    const own = fakeModel(scaled, fixed, t);
    const recorded = data.slice("model_outputs", i);
    report.modelOutput = Math.max(report.modelOutput, maxAbsDiff(own, recorded));
    const mo = feed === "recorded" ? Float32Array.from(recorded) : own;
    const options: StepOptions = { ...(gc.step_kwargs as StepOptions) };
    if (gc.step_accepts_generator) options.generator = generator;
    const out = scheduler.step(Tensor.from(mo, shape), t, Tensor.from(sample, shape), options);
    sample = out.prevSample.data as Float32Array;
    report.prevSample = Math.max(report.prevSample, maxAbsDiff(sample, data.slice("prev_samples", i)));
    if (gc.has_pred_original_sample) {
      const x0 = out.predOriginalSample?.data ?? new Float32Array(0);
      report.predOriginal = Math.max(report.predOriginal, maxAbsDiff(x0, data.slice("pred_original_samples", i)));
    }
    report.steps++;
  });
  report.finalSample = maxAbsDiff(sample, data.get("final_sample"));
  return report;
}
