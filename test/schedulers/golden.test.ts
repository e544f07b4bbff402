import assert from "node:assert/strict";
import { test } from "node:test";
import { Generator } from "../../src/rng/generator.js";
import { schedulerClass } from "../../src/schedulers/registry.js";
import { type GoldenCase, loadCases, loadData, maxAbsDiff, replay } from "./golden-cases.js";

const TOL = 1e-5;
const cases = loadCases();
const only = process.env.SCHED_CASES?.split(",");

function build(gc: GoldenCase) {
  const s = new (schedulerClass(gc.scheduler))(gc.config_kwargs);
  s.setTimesteps(gc.num_inference_steps);
  return s;
}

for (const gc of cases) {
  if (only && !only.some((o) => gc.case.includes(o))) continue;
  test(`golden ${gc.case}`, () => {
    const data = loadData(gc.file);
    const s = build(gc);
    assert.deepEqual({ ...s.config }, gc.full_config, "config equals Diffusers' saved config");
    assert.deepEqual(s.timesteps, gc.timesteps, "timesteps");
    assert.equal(s.timestepsDtype, gc.timesteps_dtype, "timesteps dtype");
    assert.equal(s.initNoiseSigma, gc.init_noise_sigma, "init_noise_sigma");
    assert.equal(maxAbsDiff(s.betas, data.get("betas")), 0, "betas");
    assert.equal(maxAbsDiff(s.alphasCumprod, data.get("alphas_cumprod")), 0, "alphas_cumprod");
    const tt = s.timestepsTensor;
    assert.equal(tt.dtype, gc.timesteps_dtype);
    assert.deepEqual(
      Array.from(tt.data as ArrayLike<unknown>),
      Array.from(data.native("timesteps").data as ArrayLike<unknown>),
    );
    if (gc.sigmas) {
      const sig = s.sigmas as number[];
      assert.ok(maxAbsDiff(sig, gc.sigmas) <= TOL, `sigmas max|d| ${maxAbsDiff(sig, gc.sigmas)}`);
      assert.equal(maxAbsDiff(sig, data.get("sigmas")), 0, "sigmas tensor");
    } else {
      assert.equal(s.sigmas, null);
    }
    const results: string[] = [];
    for (const feed of ["recorded", "recomputed"] as const) {
      const run = build(gc);
      const gen = gc.step_seed === null ? undefined : new Generator().manualSeed(gc.step_seed);
      const r = replay(run, gc, data, feed, gen);
      assert.equal(r.steps, gc.num_loop_steps);
      assert.equal(r.sampleInit, 0, "sample_init");
      assert.equal(r.modelOutput, 0, "fake model recomputation");
      for (const [k, v] of Object.entries(r)) {
        if (k !== "steps") assert.ok(v <= TOL, `${feed}: ${k} max|d| = ${v}`);
      }
      results.push(`${feed} scaled=${r.scaled} prev=${r.prevSample} x0=${r.predOriginal} final=${r.finalSample}`);
    }
    if (process.env.SCHED_REPORT) console.log(`${gc.case}: ${results.join(" | ")}`);
  });
}
