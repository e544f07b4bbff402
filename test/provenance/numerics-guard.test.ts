// The project's own guard on its numerics: the bundled model's float outputs are pinned by SHA-256, per
// NUMERICS_VERSION, for a few seeds, 1/2/3 threads and both backends. Any change to any output bit fails
// here; an intended one needs a NUMERICS_VERSION bump (docs/PROVENANCE.md, "Numerics-version policy").
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { NUMERICS_VERSION } from "../../src/engine/determinism.js";
import { getBackend, getNumThreads, setBackend, setNumThreads } from "../../src/engine/index.js";
import { DDIMPipeline } from "../../src/pipelines/ddim.js";
import { DDPMPipeline } from "../../src/pipelines/ddpm.js";
import type { DiffusionPipeline } from "../../src/pipelines/pipeline.js";
import { tensorSha256 } from "../../src/provenance/sha256.js";
import { Generator } from "../../src/rng/index.js";

interface GuardCase {
  pipeline: "DDIMPipeline" | "DDPMPipeline";
  steps: number;
  seeds: number[];
  /** One generator per seed (a list) when true, else one generator for the batch. */
  perImage?: boolean;
  eta?: number;
}

const CASES: Record<string, GuardCase> = {
  "ddim-4-seed0": { pipeline: "DDIMPipeline", steps: 4, seeds: [0] },
  "ddim-4-seed1-eta1": { pipeline: "DDIMPipeline", steps: 4, seeds: [1], eta: 1 },
  "ddpm-3-generators-2-3": { pipeline: "DDPMPipeline", steps: 3, seeds: [2, 3], perImage: true },
  "ddim-2-seed0": { pipeline: "DDIMPipeline", steps: 2, seeds: [0] },
};

/** SHA-256 of each case's float32 output, per numerics version. Add a new version's table; never edit an old one. */
const PINNED: Record<string, Record<string, string>> = {
  "1": {
    "ddim-4-seed0": "1f928c5b0a90be1f767ba41566d3a18b6ec71eda98d981e089d8c79d79b36569",
    "ddim-4-seed1-eta1": "ddb84c73f93d688d52950cbd658bb8662b5f94221a10b0f6c9d7362d9624ed29",
    "ddpm-3-generators-2-3": "28922a4f8644b11f2436bf3bdb1fd812c8846624ff95b67a67f0643b9fa60b24",
    "ddim-2-seed0": "0d569ca66819777e99a543000f8334851ae37b461c6f2a9903b76a3c2b400912",
  },
};

/** The reference backend is the numerics spec but slow: it runs the tiniest case only. */
const RUNS: { backend: string; threads: number; cases: string[] }[] = [
  ...[1, 2, 3].map((threads) => ({ backend: "wasm", threads, cases: Object.keys(CASES) })),
  { backend: "reference", threads: 1, cases: ["ddim-2-seed0"] },
];

const saved = { backend: getBackend().name, threads: getNumThreads() };
after(() => {
  setBackend(saved.backend);
  setNumThreads(saved.threads);
});

const pipelines = new Map<string, Promise<DiffusionPipeline>>();
function pipeline(name: GuardCase["pipeline"]): Promise<DiffusionPipeline> {
  let p = pipelines.get(name);
  if (!p) {
    p = name === "DDIMPipeline" ? DDIMPipeline.fromPretrained() : DDPMPipeline.fromPretrained();
    pipelines.set(name, p);
  }
  return p;
}

function howToUpdate(): string {
  return (
    "If this change is intended, bump NUMERICS_VERSION in src/engine/determinism.ts, add the new hashes to PINNED in " +
    "test/provenance/numerics-guard.test.ts under the new version, and re-record the golden manifest " +
    "(npm run build && node dist/src/cli/main.js record test/golden-manifest.json && npm run format). " +
    "If it is not intended, the change broke bit-reproducibility: find the op whose rounding or summation order moved."
  );
}

test(`numerics version ${NUMERICS_VERSION} has pinned output hashes`, () => {
  assert.ok(
    PINNED[NUMERICS_VERSION],
    `NUMERICS_VERSION is ${NUMERICS_VERSION} but no hashes are pinned for it. Run this test's cases and add their ` +
      `hashes under "${NUMERICS_VERSION}" (the failure messages below print them). ${howToUpdate()}`,
  );
});

for (const run of RUNS) {
  test(`bundled model outputs are pinned: ${run.backend}, ${run.threads} thread${run.threads === 1 ? "" : "s"}`, async () => {
    setBackend(run.backend);
    setNumThreads(run.threads);
    const pinned = PINNED[NUMERICS_VERSION] ?? {};
    for (const name of run.cases) {
      const c = CASES[name];
      const pipe = await pipeline(c.pipeline);
      const gens = c.seeds.map((s) => new Generator().manualSeed(s));
      const { images } = await pipe.generate({
        numInferenceSteps: c.steps,
        batchSize: c.seeds.length,
        generator: c.perImage ? gens : gens[0],
        ...(c.eta !== undefined ? { eta: c.eta } : {}),
        outputType: "np",
      });
      const got = tensorSha256(images);
      assert.equal(
        got,
        pinned[name],
        `The bundled model's output changed: case ${name} on ${run.backend} with ${run.threads} thread(s) gave sha256 ` +
          `${got}, but numerics version ${NUMERICS_VERSION} pins ${pinned[name] ?? "(nothing)"}. ${howToUpdate()}`,
      );
    }
  });
}
