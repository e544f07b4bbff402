// Golden manifests: the committed one must pass (it is what the next release must still produce), a
// perturbed one must fail with a readable report, and record -> verify must round-trip.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { NUMERICS_VERSION } from "../../src/engine/determinism.js";
import { bundledModelPath } from "../../src/pipelines/bundled.node.js";
import { ManifestError, parseManifest } from "../../src/provenance/manifest.js";
import { formatVerifyReport, recordManifest, verifyManifest } from "../../src/provenance/manifest.node.js";

const GOLDEN = fileURLToPath(new URL("../../../test/golden-manifest.json", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "reprodiff-manifest-"));
after(() => rmSync(work, { recursive: true, force: true }));

test("the committed golden manifest passes: every case bit-exact and within tolerance", async () => {
  const report = await verifyManifest(GOLDEN);
  assert.ok(report.ok, formatVerifyReport(report));
  assert.equal(report.recordedWith?.numericsVersion, NUMERICS_VERSION);
  assert.equal(report.cases.length, 6);
  for (const c of report.cases) {
    assert.deepEqual(
      c.checks.map((k) => `${k.check}:${k.status}`),
      ["shape:pass", "sha256:pass", "absSum:pass", "slice:pass"],
      c.name,
    );
  }
});

test("a perturbed expectation fails with a readable report naming the case, the check and the numbers", async () => {
  const manifest = JSON.parse(readFileSync(GOLDEN, "utf8"));
  const [first, , third] = manifest.cases;
  first.expect.slice.values[4] += 0.01;
  third.expect.sha256 = "0".repeat(64);
  third.expect.absSum.value *= 1.001;
  const path = join(work, "perturbed.json");
  writeFileSync(path, JSON.stringify(manifest));
  const report = await verifyManifest(path, { cases: [first.name, third.name] });
  assert.equal(report.ok, false);
  const text = formatVerifyReport(report);
  assert.match(text, new RegExp(`FAIL  ${first.name} .*slice FAILED`));
  assert.match(text, /slice: 1 of 9 values beyond atol 0\.001; max \|Δ\| 0\.0(1|099\d*), worst at \[4\]/);
  assert.match(text, /why: the output is bit-identical to the recorded one .* expectation was edited/);
  assert.match(text, new RegExp(`FAIL  ${third.name} .*sha256 FAILED, absSum FAILED`));
  assert.match(text, /sha256: got [0-9a-f]{16}…, expected 0000000000000000… \(the bits changed\)/);
  assert.match(text, /absSum: .* \|Δ\| .* > allowed/);
  assert.match(text, /why: same numerics version and model files: the output changed without a declared reason/);
  assert.match(text, /2 of 2 cases FAILED$/);
});

test("record -> verify round trip, with .npy expectations; a changed weight byte fails verify and is named", async () => {
  const model = join(work, "model");
  cpSync(bundledModelPath(), model, { recursive: true });
  const input = join(work, "cases.json");
  writeFileSync(
    input,
    JSON.stringify({
      format: "reprodiff-manifest",
      formatVersion: 1,
      cases: [
        {
          name: "local-ddim-3",
          model: "./model",
          pipeline: "DDIMPipeline",
          seeds: ["8", "9"],
          args: { numInferenceSteps: 3 },
        },
        {
          name: "bundled-ddpm-2",
          scheduler: "ddpm",
          seed: "5",
          args: { numInferenceSteps: 2 },
          expect: { slice: { index: [0, 8], values: [], atol: 0.5 } },
        },
      ],
    }),
  );
  const out = join(work, "recorded", "manifest.json");
  const recorded = await recordManifest(input, out, { npyDir: join(work, "recorded", "npy") });
  const [a, b] = recorded.cases;
  assert.equal(a.model, "../model", "a model path stays valid from the output's folder");
  assert.deepEqual(a.expect?.shape, [2, 16, 16, 1]);
  assert.equal(a.expect?.npy?.path, "npy/local-ddim-3.npy");
  assert.equal(b.expect?.slice?.atol, 0.5, "a tolerance given in the input is kept");
  assert.equal(b.expect?.slice?.values.length, 16, "image[0, 8]: row 8 of the first image");
  const report = await verifyManifest(out);
  assert.ok(report.ok, formatVerifyReport(report));
  assert.deepEqual(
    report.cases[0].checks.map((k) => k.check),
    ["shape", "sha256", "absSum", "slice", "npy"],
  );

  const weights = join(model, "unet", "diffusion_pytorch_model.safetensors");
  const bytes = readFileSync(weights);
  bytes[bytes.length - 333] ^= 0x10;
  writeFileSync(weights, bytes);
  const broken = await verifyManifest(out, { cases: ["local-ddim-3"] });
  assert.equal(broken.ok, false);
  assert.match(formatVerifyReport(broken), /why: weights hash mismatch: unet\/diffusion_pytorch_model\.safetensors is/);
});

test("after a numerics-version bump, bit-exact checks are skipped with a note and tolerances decide (unless strict)", async () => {
  const manifest = JSON.parse(readFileSync(GOLDEN, "utf8"));
  manifest.recordedWith.numericsVersion = "0";
  const path = join(work, "old-numerics.json");
  writeFileSync(path, JSON.stringify(manifest));
  const report = await verifyManifest(path, { cases: ["ddim-10-eta1-seed3"] });
  assert.ok(report.ok);
  const sha = report.cases[0].checks.find((k) => k.check === "sha256");
  assert.equal(sha?.status, "skipped");
  assert.match(sha?.detail ?? "", /differs from the recorded 0; re-record/);
  const strict = await verifyManifest(path, { cases: ["ddim-10-eta1-seed3"], strict: true });
  assert.equal(strict.cases[0].checks.find((k) => k.check === "sha256")?.status, "pass");
});

test("malformed manifests are refused with the case and field named", () => {
  const base = { format: "reprodiff-manifest", formatVersion: 1 };
  const bad: [unknown, RegExp][] = [
    [[], /"\(manifest\)" must be an object/],
    [{ ...base, format: "x" }, /"format" must be "reprodiff-manifest"/],
    [{ ...base, formatVersion: 7, cases: [] }, /format version 7 is newer/],
    [{ ...base, cases: [] }, /"cases" must be a non-empty array/],
    [
      {
        ...base,
        cases: [
          { name: "a", args: {} },
          { name: "a", args: {} },
        ],
      },
      /"cases\[1\]\.name" must be unique/,
    ],
    [{ ...base, cases: [{ name: "a" }] }, /"cases\[0\] \(a\)\.args" must be an object/],
    [{ ...base, cases: [{ name: "a", args: {}, seed: "-3" }] }, /\.seed" must be a uint64/],
    [{ ...base, cases: [{ name: "a", args: {}, expect: { sha256: "ABC" } }] }, /expect\.sha256" must be a 64-digit/],
    [
      { ...base, cases: [{ name: "a", args: {}, expect: { slice: { index: [0, "x"], values: [], atol: 1 } } }] },
      /slice\.index\[1\]" must be/,
    ],
    [
      { ...base, cases: [{ name: "a", args: {}, expect: { absSum: { value: 1, rtol: -1 } } }] },
      /absSum" must be tolerances >= 0/,
    ],
  ];
  for (const [json, message] of bad) {
    assert.throws(
      () => parseManifest(json, "m.json"),
      (e: unknown) => e instanceof ManifestError && message.test(e.message),
      String(message),
    );
  }
});
