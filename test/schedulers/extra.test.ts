// Configurations beyond the shared goldens (thresholding, zero-SNR rescaling, learned variances, orders 1 and 3,
// SDE variants, Karras sigmas with bounds, churn, odd step counts...) and Diffusers' from_config swaps, all
// recorded from Diffusers v0.31.0 by test/fixtures/schedulers/extra/generate.py.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Generator } from "../../src/rng/generator.js";
import { randnTensor } from "../../src/rng/randn-tensor.js";
import { parseConfigJson } from "../../src/schedulers/config.js";
import { schedulerClass } from "../../src/schedulers/registry.js";
import type { StepOptions } from "../../src/schedulers/scheduler.js";
import { Tensor } from "../../src/tensor/index.js";
import { fixturePath, loadSafetensorsFixture } from "../helpers/fixtures.js";
import { fakeModel, maxAbsDiff } from "./golden-cases.js";

interface ExtraCase {
  case: string;
  scheduler: string;
  config_kwargs: Record<string, unknown>;
  step_kwargs: Record<string, unknown>;
  num_inference_steps: number;
  shape: number[];
  learned_variance: boolean;
  step_accepts_generator: boolean;
  timesteps: number[];
  timesteps_dtype: string;
  sigmas: number[] | null;
  init_noise_sigma: number;
  full_config: Record<string, unknown>;
}

interface Swap {
  source: string;
  source_kwargs: Record<string, unknown>;
  target: string;
  config: Record<string, unknown>;
}

const fixture = parseConfigJson(readFileSync(fixturePath("schedulers", "extra", "extra-cases.json"), "utf8")) as {
  cases: ExtraCase[];
  swaps: Swap[];
  sd15_config: Record<string, unknown>;
  sd15_swaps: Array<{ target: string; config: Record<string, unknown> }>;
};
const recorded = loadSafetensorsFixture("schedulers", "extra", "extra-cases.safetensors");

/** The generator writes -Infinity as a string to keep the fixture strict JSON. */
function restoreInfinity(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, v === "-Infinity" ? Number.NEGATIVE_INFINITY : v]),
  );
}

/** snake_case step kwargs of the fixture -> StepOptions. */
function stepOptions(kwargs: Record<string, unknown>): StepOptions {
  const names: Record<string, keyof StepOptions> = {
    eta: "eta",
    use_clipped_model_output: "useClippedModelOutput",
    s_churn: "sChurn",
    s_tmin: "sTmin",
    s_tmax: "sTmax",
    s_noise: "sNoise",
    order: "order",
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) out[names[k] ?? k] = v;
  return out as StepOptions;
}

for (const c of fixture.cases) {
  test(`extra ${c.case}`, () => {
    const s = new (schedulerClass(c.scheduler))(c.config_kwargs);
    s.setTimesteps(c.num_inference_steps);
    assert.deepEqual({ ...s.config }, restoreInfinity(c.full_config), "config");
    if (c.config_kwargs.use_exponential_sigmas && c.timesteps_dtype === "float64") {
      // float64 timesteps of the exponential schedule carry NumPy's float64 log (SVML on the recording
      // machine, glibc here): equal to ~1e-14.
      assert.ok(maxAbsDiff(s.timesteps, c.timesteps) <= 1e-9, "timesteps");
    } else {
      assert.deepEqual(s.timesteps, c.timesteps, "timesteps");
    }
    assert.equal(s.timestepsDtype, c.timesteps_dtype, "timesteps dtype");
    if (c.sigmas) assert.deepEqual((s as unknown as { sigmas: number[] }).sigmas, c.sigmas, "sigmas");
    assert.equal(Math.fround(s.initNoiseSigma), Math.fround(c.init_noise_sigma), "init_noise_sigma");

    const shape = c.shape;
    const sigma0 = Math.fround(s.initNoiseSigma);
    const noise = randnTensor(shape, { generator: new Generator().manualSeed(0) }).data as Float32Array;
    const fixed = randnTensor(shape, { generator: new Generator().manualSeed(1) }).data as Float32Array;
    const generator = new Generator().manualSeed(2);
    let sample: Float32Array = Float32Array.from(noise, (v) => v * sigma0);
    const prev = recorded.float32(c.case).data as Float32Array;
    const per = sample.length;
    let worst = 0;
    [...s.timesteps].forEach((t, i) => {
      const scaled = s.scaleModelInput(Tensor.from(sample, shape), t).data as Float32Array;
      let mo = fakeModel(scaled, fixed, t);
      let moShape = shape;
      if (c.learned_variance) {
        // [fake model, predicted variance] along channels, as the generator built it.
        const learnedRange = c.config_kwargs.variance_type === "learned_range";
        const pv = Float32Array.from(fixed, (v) =>
          learnedRange ? v * Math.fround(0.5) : Math.abs(v) * Math.fround(0.01),
        );
        const [b, ch] = shape;
        const inner = per / (b * ch);
        const both = new Float32Array(2 * per);
        for (let j = 0; j < b; j++) {
          both.set(mo.subarray(j * ch * inner, (j + 1) * ch * inner), j * 2 * ch * inner);
          both.set(pv.subarray(j * ch * inner, (j + 1) * ch * inner), (j * 2 + 1) * ch * inner);
        }
        mo = both;
        moShape = [b, 2 * ch, ...shape.slice(2)];
      }
      const options = stepOptions(c.step_kwargs);
      if (c.step_accepts_generator) options.generator = generator;
      sample = s.step(Tensor.from(mo, moShape), t, Tensor.from(sample, shape), options).prevSample.data as Float32Array;
      worst = Math.max(worst, maxAbsDiff(sample, prev.subarray(i * per, (i + 1) * per)));
    });
    if (process.env.SCHED_REPORT) console.log(`${c.case}: prev max|d| = ${worst}`);
    assert.ok(worst <= 1e-5, `prev_sample max|d| = ${worst}`);
  });
}

test("fromConfig swaps every scheduler into every other exactly as Diffusers' from_config", () => {
  for (const sw of fixture.swaps) {
    const source = new (schedulerClass(sw.source))(sw.source_kwargs);
    const targetClass = schedulerClass(sw.target);
    const allowed = targetClass.spec.params.prediction_type?.allowed;
    if (allowed && !allowed.includes(sw.config.prediction_type as string)) {
      // Diffusers builds these and fails at the first step(); reprodiff refuses at construction.
      assert.throws(() => targetClass.fromConfig(source.config), /"prediction_type" must be one of/);
      continue;
    }
    const target = targetClass.fromConfig(source.config);
    assert.equal(target.className, sw.target);
    assert.deepEqual({ ...target.config }, restoreInfinity(sw.config), `${sw.source} -> ${sw.target}`);
    // Settings both schedulers know survive the swap; the target runs.
    for (const key of Object.keys(sw.source_kwargs)) {
      // solver_type is the one key Diffusers rewrites on purpose (bh1/bh2 <-> midpoint/heun).
      if (key in target.config && key !== "solver_type") {
        assert.deepEqual(target.config[key], sw.source_kwargs[key], `${key} kept`);
      }
    }
    target.setTimesteps(5);
    assert.ok(target.timesteps.length >= 5);
  }
});

test("swapping the SD 1.5 scheduler_config.json gives each target's own defaults for keys it lacks", () => {
  for (const sw of fixture.sd15_swaps) {
    const target = schedulerClass(sw.target).fromConfig(fixture.sd15_config);
    assert.deepEqual({ ...target.config }, restoreInfinity(sw.config), sw.target);
  }
});
