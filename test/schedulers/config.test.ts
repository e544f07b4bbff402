import assert from "node:assert/strict";
import { test } from "node:test";
import { Generator } from "../../src/rng/generator.js";
import { randnTensor } from "../../src/rng/randn-tensor.js";
import { parseConfigJson, pythonFloatRepr } from "../../src/schedulers/config.js";
import { DDIMScheduler } from "../../src/schedulers/ddim.js";
import { DDPMScheduler } from "../../src/schedulers/ddpm.js";
import { DPMSolverMultistepScheduler } from "../../src/schedulers/dpm-solver-multistep.js";
import { EulerDiscreteScheduler } from "../../src/schedulers/euler.js";
import { EulerAncestralDiscreteScheduler } from "../../src/schedulers/euler-ancestral.js";
import { arange, linspace, roundHalfEven } from "../../src/schedulers/numpy.js";
import { PNDMScheduler } from "../../src/schedulers/pndm.js";
import {
  SCHEDULER_ALIASES,
  SCHEDULERS,
  schedulerClass,
  schedulerFromConfig,
  swapScheduler,
} from "../../src/schedulers/registry.js";
import { UniPCMultistepScheduler } from "../../src/schedulers/unipc.js";
import { Tensor } from "../../src/tensor/index.js";
import { loadCases } from "./golden-cases.js";

test("saveConfig writes Diffusers' scheduler_config.json text (sorted keys, Python floats, -Infinity)", () => {
  const s = new DPMSolverMultistepScheduler({ beta_schedule: "scaled_linear", beta_start: 0.00085, beta_end: 0.012 });
  const text = s.saveConfig();
  assert.ok(text.startsWith('{\n  "_class_name": "DPMSolverMultistepScheduler",\n  "_diffusers_version": "0.31.0",\n'));
  assert.match(text, /\n {2}"beta_start": 0\.00085,\n/);
  assert.match(text, /\n {2}"lambda_min_clipped": -Infinity,\n/);
  assert.match(text, /\n {2}"sample_max_value": 1\.0,\n/);
  assert.match(text, /\n {2}"variance_type": null\n}\n$/);
  const keys = [...text.matchAll(/^ {2}"([^"]+)":/gm)].map((m) => m[1]);
  assert.deepEqual(keys, [...keys].sort());
  const back = parseConfigJson(text);
  assert.deepEqual(back, { ...s.config });
  assert.deepEqual({ ...DPMSolverMultistepScheduler.fromConfig(back).config }, { ...s.config });
  assert.deepEqual(s.toJSON(), { ...s.config });
});

test("saveConfig round-trips every golden full_config", () => {
  for (const gc of loadCases()) {
    const s = schedulerFromConfig(gc.full_config);
    assert.equal(s.className, gc.scheduler);
    assert.deepEqual(parseConfigJson(s.saveConfig()), gc.full_config, gc.case);
  }
});

test("pythonFloatRepr matches Python's repr", () => {
  const cases: Array<[number, string]> = [
    [1, "1.0"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [0.00085, "0.00085"],
    [1e16, "1e+16"],
    [123456789012345.6, "123456789012345.6"],
    [-2.5, "-2.5"],
    [0, "0.0"],
    [1.5e-10, "1.5e-10"],
    [Number.NEGATIVE_INFINITY, "-Infinity"],
  ];
  for (const [x, s] of cases) assert.equal(pythonFloatRepr(x), s);
});

test("parseConfigJson accepts Infinity/NaN tokens but not inside strings", () => {
  const c = parseConfigJson('{"a": -Infinity, "b": "NaN -Infinity", "c": [Infinity, NaN], "d": 1.5}');
  assert.equal(c.a, Number.NEGATIVE_INFINITY);
  assert.equal(c.b, "NaN -Infinity");
  assert.equal((c.c as number[])[0], Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN((c.c as number[])[1]));
  assert.throws(() => parseConfigJson("[1, 2]"), /must hold an object/);
});

test("NumPy helpers: round half to even, linspace endpoint, arange's second-element stepping", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999].map(roundHalfEven), [0, 2, 2, -0, -2, 2]);
  const l = linspace(0, 999, 7);
  assert.equal(l[6], 999);
  assert.equal(l[1], 166.5);
  const a = arange(1000, 0, -1000 / 3);
  assert.equal(a.length, 3);
  assert.equal(a[2], 1000 + 2 * (1000 - 1000 / 3 - 1000));
});

test("fromConfig: target defaults fill keys the source only had by default; explicit keys and extras survive", () => {
  const pndm = new PNDMScheduler({ beta_schedule: "scaled_linear", skip_prk_steps: true, steps_offset: 1 });
  const euler = EulerDiscreteScheduler.fromConfig(pndm.config);
  assert.equal(euler.config.timestep_spacing, "linspace", "PNDM's default 'leading' is not carried");
  assert.equal(euler.config.steps_offset, 1);
  assert.equal(euler.config.beta_schedule, "scaled_linear");
  assert.equal(euler.config.skip_prk_steps, true, "foreign keys are kept in the config, as Diffusers does");
  assert.equal(euler.config._class_name, "EulerDiscreteScheduler");
  const back = PNDMScheduler.fromConfig(euler.config);
  assert.equal(back.config.skip_prk_steps, true);
  assert.equal(back.config.timestep_spacing, "leading");
  const explicit = EulerDiscreteScheduler.fromConfig(new DDIMScheduler({ timestep_spacing: "trailing" }).config);
  assert.equal(explicit.config.timestep_spacing, "trailing");
  const over = DDIMScheduler.fromConfig(pndm.config, { timestep_spacing: "trailing", clip_sample: false });
  assert.equal(over.config.timestep_spacing, "trailing");
  assert.equal(over.config.clip_sample, false);
  // A plain object written by save_config carries no default markers: every key counts as set.
  const saved = parseConfigJson(new DDIMScheduler().saveConfig());
  assert.equal(EulerDiscreteScheduler.fromConfig(saved).config.timestep_spacing, "leading");
  // Diffusers' in-memory `_use_default_values` list is honoured too.
  const marked = { ...saved, _use_default_values: ["timestep_spacing"] };
  assert.equal(EulerDiscreteScheduler.fromConfig(marked).config.timestep_spacing, "linspace");
});

test("fromConfig rewrites legacy solver names as Diffusers' __init__ does", () => {
  const unipc = new UniPCMultistepScheduler({ solver_type: "bh1" });
  assert.equal(DPMSolverMultistepScheduler.fromConfig(unipc.config).config.solver_type, "midpoint");
  assert.equal(new UniPCMultistepScheduler({ solver_type: "heun" }).config.solver_type, "bh2");
  assert.equal(new DPMSolverMultistepScheduler({ algorithm_type: "deis" }).config.algorithm_type, "dpmsolver++");
});

test("registry: class names, CLI aliases, _class_name dispatch", () => {
  assert.equal(Object.keys(SCHEDULERS).length, 9);
  for (const [alias, name] of Object.entries(SCHEDULER_ALIASES)) {
    assert.equal(schedulerClass(alias), SCHEDULERS[name]);
    assert.equal(new (schedulerClass(alias))().className, name);
  }
  const s = schedulerFromConfig(JSON.stringify({ _class_name: "EulerAncestralDiscreteScheduler", steps_offset: 1 }));
  assert.ok(s instanceof EulerAncestralDiscreteScheduler);
  assert.equal(swapScheduler("dpm++2m", s.config).className, "DPMSolverMultistepScheduler");
  assert.throws(() => schedulerClass("ddpm++"), /unknown scheduler "ddpm\+\+"; expected one of ddpm, ddim/);
  assert.throws(() => schedulerFromConfig({ beta_start: 0.1 }), /no "_class_name"/);
});

test("invalid settings fail at construction or setTimesteps, naming the key and the allowed values", () => {
  assert.throws(
    () => new DDPMScheduler({ beta_schedule: "cosine" }),
    /DDPMScheduler: config key "beta_schedule" must be one of "linear", "scaled_linear", "squaredcos_cap_v2"; got "cosine"/,
  );
  assert.throws(() => new DDIMScheduler({ prediction_type: "x0" }), /"prediction_type" must be one of "epsilon"/);
  assert.throws(
    () => new EulerAncestralDiscreteScheduler({ prediction_type: "sample" }),
    /"prediction_type" must be one of "epsilon", "v_prediction"; got "sample"/,
  );
  assert.throws(() => new PNDMScheduler({ prediction_type: "sample" }), /"prediction_type"/);
  assert.throws(() => new DDPMScheduler({ variance_type: "small" }), /"variance_type" must be one of "fixed_small"/);
  assert.throws(() => new DDIMScheduler({ timestep_spacing: "uniform" }), /"timestep_spacing" must be one of/);
  assert.throws(() => new DPMSolverMultistepScheduler({ solver_type: "rk4" }), /"solver_type" must be one of/);
  assert.throws(() => new DPMSolverMultistepScheduler({ algorithm_type: "ddim" }), /"algorithm_type"/);
  assert.throws(() => new DPMSolverMultistepScheduler({ solver_order: 4 }), /"solver_order" must be 1, 2 or 3/);
  assert.throws(
    () => new DPMSolverMultistepScheduler({ algorithm_type: "dpmsolver" }),
    /final_sigmas_type "zero" is not supported for algorithm_type "dpmsolver"/,
  );
  assert.throws(() => new EulerDiscreteScheduler({ use_beta_sigmas: true }), /"use_beta_sigmas" must be false/);
  assert.throws(() => new DPMSolverMultistepScheduler({ use_exponential_sigmas: true }), /"use_exponential_sigmas"/);
  assert.throws(
    () => new EulerDiscreteScheduler({ use_karras_sigmas: true, use_exponential_sigmas: true }),
    /only one of use_karras_sigmas, use_exponential_sigmas can be true/,
  );
  assert.throws(() => new UniPCMultistepScheduler({ solver_p: {} }), /"solver_p" must be null/);
  assert.throws(() => new DDIMScheduler({ num_train_timesteps: "1000" }), /"num_train_timesteps" must be an integer/);
  assert.throws(() => new DDIMScheduler({ num_train_timesteps: 10.5 }), /must be an integer/);
  assert.throws(() => new DDIMScheduler({ clip_sample: 1 }), /"clip_sample" must be a boolean/);
  assert.throws(() => new DDIMScheduler({ trained_betas: [0.1, "x"] }), /"trained_betas" must be an array/);
  assert.throws(
    () => new DDIMScheduler({ beta_strat: 0.1 }),
    /unknown config key "beta_strat"; known keys: num_train_timesteps/,
  );
  assert.throws(() => DDIMScheduler.fromConfig({}, { eta: 1 }), /unknown override "eta"/);
  for (const cls of Object.values(SCHEDULERS)) {
    const s = new cls();
    assert.throws(
      () => s.setTimesteps(1001),
      /num_inference_steps 1001 cannot be larger than num_train_timesteps 1000/,
    );
    assert.throws(() => s.setTimesteps(0), /num_inference_steps must be a positive integer/);
  }
  const x = Tensor.from(new Float32Array(4), [1, 1, 2, 2]);
  assert.throws(() => new DDIMScheduler().step(x, 10, x), /call setTimesteps\(\) before step\(\)/);
  const euler = new EulerDiscreteScheduler();
  euler.setTimesteps(10);
  assert.throws(() => euler.scaleModelInput(x, 500), /timestep 500 is not one of the scheduler's timesteps/);
  assert.throws(() => new DDPMScheduler().addNoise(x, x, [1, 2]), /got 2 timesteps for a batch of 1/);
});

test("trained_betas replace the schedule", () => {
  const betas = Array.from({ length: 10 }, (_, i) => 0.01 + i * 0.01);
  const s = new DDIMScheduler({ num_train_timesteps: 10, trained_betas: betas });
  assert.deepEqual(Array.from(s.betas), betas.map(Math.fround));
  s.setTimesteps(5);
  assert.deepEqual(s.timesteps, [8, 6, 4, 2, 0]);
});

test("per-run state resets on setTimesteps: a second run repeats the first bit for bit", () => {
  const shape = [1, 2, 4, 4];
  const x0 = randnTensor(shape, { generator: new Generator().manualSeed(3) });
  for (const cls of Object.values(SCHEDULERS)) {
    const s = new cls({ num_train_timesteps: 1000 });
    const run = (): Float32Array => {
      s.setTimesteps(6);
      const g = new Generator().manualSeed(4);
      let x = Tensor.from(
        Float32Array.from(x0.data as Float32Array, (v) => v * Math.fround(s.initNoiseSigma)),
        shape,
      );
      for (const t of s.timesteps) {
        const scaled = s.scaleModelInput(x, t).data as Float32Array;
        const mo = Tensor.from(
          Float32Array.from(scaled, (v) => v * Math.fround(0.3)),
          shape,
        );
        x = s.step(mo, t, x, { generator: g, eta: 1 }).prevSample;
      }
      return x.data as Float32Array;
    };
    const first = run();
    assert.deepEqual(run(), first, s.className);
    assert.ok(first.every(Number.isFinite), s.className);
  }
});

test("a list of generators draws each batch item from its own generator", () => {
  const shape1 = [1, 2, 4, 4];
  const x = randnTensor([2, 2, 4, 4], { generator: new Generator().manualSeed(5) });
  const half = (i: number) => Tensor.from((x.data as Float32Array).slice(i * 32, (i + 1) * 32), shape1);
  const s = new DDPMScheduler();
  s.setTimesteps(10);
  const both = s.step(x, 500, x, { generator: [new Generator().manualSeed(7), new Generator().manualSeed(8)] });
  const a = s.step(half(0), 500, half(0), { generator: new Generator().manualSeed(7) });
  const b = s.step(half(1), 500, half(1), { generator: new Generator().manualSeed(8) });
  assert.deepEqual(Array.from(both.prevSample.data), [...a.prevSample.data, ...b.prevSample.data]);
});

test("addNoise: sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) noise, sigma-space for the k-diffusion schedulers", () => {
  const shape = [2, 1, 2, 2];
  const x0 = Tensor.from(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), shape);
  const nz = Tensor.from(Float32Array.from([1, -1, 0.5, 0, 2, 0, -2, 1]), shape);
  const ddpm = new DDPMScheduler();
  const out = ddpm.addNoise(x0, nz, [0, 999]).data;
  const a0 = ddpm.alphasCumprod[0];
  const a1 = ddpm.alphasCumprod[999];
  const f = Math.fround;
  assert.equal(out[1], f(f(2 * f(Math.sqrt(a0))) + f(-1 * f(Math.sqrt(f(1 - a0))))));
  assert.equal(out[4], f(f(5 * f(Math.sqrt(a1))) + f(2 * f(Math.sqrt(f(1 - a1))))));
  const euler = new EulerDiscreteScheduler();
  euler.setTimesteps(10);
  const t = euler.timesteps[3];
  const sig = (euler.sigmas as number[])[3];
  const e = euler.addNoise(x0, nz, [t, t]).data;
  assert.equal(e[0], f(1 + f(1 * sig)));
});
