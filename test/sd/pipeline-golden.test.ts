// StableDiffusionPipeline against Diffusers v0.31.0 (torch 1.13.1 CPU): the cases copied to
// test/fixtures/sd/pipeline run by default; REPRODIFF_FULL_GOLDEN=1 runs all 49 cases from
// ../shared/golden/sd/pipeline (or the folder REPRODIFF_SD_GOLDEN names) when it exists (skipped otherwise).
// The runs use the engine's default backend (wasm where WebAssembly SIMD exists: bit-identical to the
// reference backend, which test/sd/determinism.test.ts checks on a guided SD call, and about 8x faster).

import { readFileSync } from "node:fs";
import { test } from "node:test";
import { SafetensorsBuffer } from "../../src/io/safetensors.js";
import { parseConfigJson } from "../../src/schedulers/index.js";
import { fixturePath, sharedPath } from "../helpers/fixtures.js";
import { loadTinyPipe, type PipelineCase, runCase } from "./pipeline-cases.js";

// cases.json is Python's JSON (lambda_min_clipped is -Infinity): read it with the scheduler config parser.
const readCases = (path: string) => parseConfigJson(readFileSync(path, "utf8")) as unknown as { cases: PipelineCase[] };
const local = readCases(fixturePath("sd", "pipeline", "cases.json"));

test("StableDiffusionPipeline: golden cases (fixtures) match Diffusers, max|Δ| <= 1e-4 on every tensor", async (t) => {
  const { pipe, pndmConfig } = await loadTinyPipe(fixturePath("sd", "tiny-sd-pipe"));
  for (const c of local.cases) {
    const path = fixturePath("sd", "pipeline", c.file);
    const r = await runCase(pipe, pndmConfig, c, SafetensorsBuffer.parse(readFileSync(path), path));
    t.diagnostic(
      `${c.name}: latents_final ${r.latents.toExponential(2)}, images ${r.images.toExponential(2)}, worst intermediate ${r.worstIntermediate.toExponential(2)}, teacher-forced ${r.teacherForced.toExponential(2)}`,
    );
  }
});

const shared = process.env.REPRODIFF_SD_GOLDEN ?? sharedPath("golden", "sd", "pipeline");
test("StableDiffusionPipeline: all 49 golden cases (conformance, REPRODIFF_FULL_GOLDEN=1)", {
  skip: process.env.REPRODIFF_FULL_GOLDEN !== "1" || shared === null,
}, async (t) => {
  const all = readCases(`${shared}/cases.json`);
  const { pipe, pndmConfig } = await loadTinyPipe(fixturePath("sd", "tiny-sd-pipe"));
  for (const c of all.cases) {
    const path = `${shared}/${c.file}`;
    const r = await runCase(pipe, pndmConfig, c, SafetensorsBuffer.parse(readFileSync(path), path));
    t.diagnostic(
      `${c.name}: latents_final ${r.latents.toExponential(2)}, images ${r.images.toExponential(2)}, worst intermediate ${r.worstIntermediate.toExponential(2)}, teacher-forced ${r.teacherForced.toExponential(2)}`,
    );
  }
});
