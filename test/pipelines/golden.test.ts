// Every case in test/fixtures/pipelines (Diffusers v0.31.0 on PyTorch 1.13.1) reproduced end to end:
// DDPMPipeline/DDIMPipeline.fromPretrained on the saved folder, the same generator calls, "np" output.
import assert from "node:assert/strict";
import { test } from "node:test";
import { absSum } from "../../src/pipelines/abs-sum.js";
import { DDIMPipeline } from "../../src/pipelines/ddim.js";
import { DDPMPipeline } from "../../src/pipelines/ddpm.js";
import type { DiffusionPipeline } from "../../src/pipelines/pipeline.js";
import { Generator, manualSeed } from "../../src/rng/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { maxAbsDiff } from "../../src/testing/index.js";
import { fixturePath, loadJsonFixture, loadSafetensorsFixture } from "../helpers/fixtures.js";

interface GoldenCase {
  case: string;
  key?: string;
  keys?: string[];
  call: string;
  abs_sum: number | number[];
}

const TOLERANCE = 1e-4;
const folder = fixturePath("pipelines", "ddpm-cifar10-mini");
const golden = loadSafetensorsFixture("pipelines", "images.safetensors");
const cases = loadJsonFixture<{ cases: GoldenCase[] }>("pipelines", "cases.json").cases;

/** The settings of a case, read from the exact Python call recorded with it. */
function settingsOf(c: GoldenCase) {
  const num = (name: string): number | undefined => {
    const m = new RegExp(`${name}=([0-9.]+)`).exec(c.call);
    return m ? Number(m[1]) : undefined;
  };
  const seeds = /generator=\[/.test(c.call)
    ? [...c.call.matchAll(/Generator\(\)\.manual_seed\((\d+)\)/g)].map((m) => BigInt(m[1]))
    : null;
  const seed = /manual_seed\((\d+)\)/.exec(c.call);
  return {
    pipeline: c.case.startsWith("ddim") ? "ddim" : "ddpm",
    batchSize: num("batch_size") ?? 1,
    numInferenceSteps: num("num_inference_steps")!,
    eta: num("eta"),
    seeds,
    seed: BigInt(seed![1]),
  };
}

const pipes: Record<string, Promise<DiffusionPipeline>> = {};
function pipeline(kind: string): Promise<DiffusionPipeline> {
  pipes[kind] ??= kind === "ddim" ? DDIMPipeline.fromPretrained(folder) : DDPMPipeline.fromPretrained(folder);
  return pipes[kind];
}

async function run(c: GoldenCase, generator: Generator | Generator[]): Promise<Tensor<"float32">> {
  const s = settingsOf(c);
  const pipe = await pipeline(s.pipeline);
  const { images } = await pipe.generate({
    batchSize: s.batchSize,
    numInferenceSteps: s.numInferenceSteps,
    generator,
    outputType: "np",
    ...(s.pipeline === "ddim" ? { eta: s.eta ?? 0 } : {}),
  });
  return images;
}

function check(key: string, images: Tensor<"float32">, expectedSum: number, t: { diagnostic(msg: string): void }) {
  const expected = golden.float32(key);
  assert.deepEqual(images.shape, expected.shape, key);
  const delta = maxAbsDiff(images, expected);
  const sum = absSum(images);
  t.diagnostic(`${key}: max|Δ| = ${delta.toExponential(3)}, absSum ${sum} (Diffusers ${expectedSum})`);
  assert.ok(delta <= TOLERANCE, `${key}: max|Δ| ${delta} > ${TOLERANCE}`);
  assert.ok(Math.abs(sum - expectedSum) <= TOLERANCE * images.size, `${key}: absSum ${sum} vs ${expectedSum}`);
}

for (const c of cases) {
  if (c.key === undefined) continue;
  test(`golden ${c.case}`, async (t) => {
    const s = settingsOf(c);
    const generator = s.seeds ? s.seeds.map((seed) => new Generator().manualSeed(seed)) : manualSeed(s.seed);
    check(c.key!, await run(c, generator), c.abs_sum as number, t);
  });
}

for (const c of cases) {
  if (c.keys === undefined) continue;
  test(`golden ${c.case}: a reused generator continues its stream`, async (t) => {
    const g = manualSeed(settingsOf(c).seed);
    const sums = c.abs_sum as number[];
    const first = await run(c, g);
    const second = await run(c, g);
    check(c.keys![0], first, sums[0], t);
    check(c.keys![1], second, sums[1], t);
  });
}
