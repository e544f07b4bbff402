// Golden manifests: a list of generation cases with the results they must keep giving. `verify` runs
// them and fails on any regression; `record` fills in the expectations from runs. The format is in
// docs/PROVENANCE.md; this module validates it and checks outputs (browser-safe, no file access).
import { absSum } from "../pipelines/abs-sum.js";
import type { Tensor } from "../tensor/tensor.js";
import { compareClose, cosineSimilarityDistance, maxAbsDiff } from "../testing/compare.js";
import { type SliceIndex, sliceTensor } from "../testing/slice.js";
import type { ModelFileRecord } from "./record.js";
import { tensorSha256 } from "./sha256.js";

export const MANIFEST_FORMAT = "reprodiff-manifest";
export const MANIFEST_FORMAT_VERSION = 1;

/** The last 3x3 block of the last channel of the first image: Diffusers' `image[0, -3:, -3:, -1]`. */
export const DEFAULT_SLICE: SliceIndex[] = [0, [-3], [-3], -1];

export interface ArrayExpectation {
  /** File with the expected array, relative to the manifest. */
  path: string;
  /** safetensors only: the tensor's name. */
  key?: string;
  /** Largest allowed max |Δ| (default 1e-4). */
  maxAbsDiff?: number;
  /** Largest allowed cosine distance (optional). */
  cosineDistance?: number;
}

export interface Expectations {
  shape?: number[];
  /** SHA-256 of the float32 output's little-endian bytes: the bit-exact check. */
  sha256?: string;
  /** `np.abs(image).sum()` (NumPy's float32 pairwise sum) within rtol/atol. */
  absSum?: { value: number; rtol?: number; atol?: number };
  /** Values of a NumPy-style slice of the output within atol. */
  slice?: { index: SliceIndex[]; values: number[]; atol: number };
  npy?: ArrayExpectation;
  safetensors?: ArrayExpectation & { key: string };
  /** The model files the case was recorded with; a changed hash is named when the case fails. */
  modelFiles?: ModelFileRecord[];
}

export interface ManifestCase {
  name: string;
  /** Folder (relative to the manifest), Hub repo id, or "bundled:ddpm-digits-16" (the default). */
  model?: string;
  revision?: string;
  variant?: string;
  /** Pipeline class (default: what model_index.json names). */
  pipeline?: string;
  /** Scheduler alias or class swapped in from the model's config (e.g. "ddim", "euler"). */
  scheduler?: string;
  /** One generator for the batch (default "0")... */
  seed?: string;
  /** ...or one generator per image. */
  seeds?: string[];
  /** Arguments of `generate()` (outputType is always "np"). */
  args: Record<string, unknown>;
  expect?: Expectations;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  description?: string;
  /** Versions and engine of the run that recorded the expectations. */
  recordedWith?: { library: string; numericsVersion: string; backend: string };
  cases: ManifestCase[];
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

function fail(where: string, path: string, expected: string, value: unknown): never {
  const got = value === undefined ? "nothing" : JSON.stringify(value);
  throw new ManifestError(
    `${where}: "${path}" must be ${expected}, got ${got && got.length > 80 ? `${got.slice(0, 77)}...` : got}`,
  );
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isTol = (v: unknown): boolean => v === undefined || (isNum(v) && v >= 0);

function checkSliceIndex(index: unknown, where: string, path: string): SliceIndex[] {
  if (!Array.isArray(index)) fail(where, path, "an array of indices (number, [start, stop?] or null)", index);
  for (const [i, v] of (index as unknown[]).entries()) {
    const ok =
      v === null ||
      Number.isInteger(v) ||
      (Array.isArray(v) && v.length >= 1 && v.length <= 2 && v.every((x) => Number.isInteger(x)));
    if (!ok) fail(where, `${path}[${i}]`, "a number, [start, stop?] or null", v);
  }
  return index as SliceIndex[];
}

function checkArrayExpectation(v: unknown, where: string, path: string, needsKey: boolean): void {
  if (!isObj(v)) fail(where, path, "an object", v);
  if (typeof v.path !== "string" || v.path === "") fail(where, `${path}.path`, "a file path", v.path);
  if (needsKey && typeof v.key !== "string") fail(where, `${path}.key`, "the tensor's name", v.key);
  if (!isTol(v.maxAbsDiff)) fail(where, `${path}.maxAbsDiff`, "a number >= 0", v.maxAbsDiff);
  if (!isTol(v.cosineDistance)) fail(where, `${path}.cosineDistance`, "a number >= 0", v.cosineDistance);
}

/** Validates a parsed manifest, naming the case and field of the first problem. */
export function parseManifest(json: unknown, where: string): Manifest {
  if (!isObj(json)) fail(where, "(manifest)", "an object", json);
  if (json.format !== MANIFEST_FORMAT) fail(where, "format", `"${MANIFEST_FORMAT}"`, json.format);
  if (!Number.isInteger(json.formatVersion) || (json.formatVersion as number) < 1) {
    fail(where, "formatVersion", "an integer >= 1", json.formatVersion);
  }
  if ((json.formatVersion as number) > MANIFEST_FORMAT_VERSION) {
    throw new ManifestError(
      `${where}: manifest format version ${json.formatVersion} is newer than this reprodiff reads (${MANIFEST_FORMAT_VERSION})`,
    );
  }
  if (!Array.isArray(json.cases) || json.cases.length === 0) fail(where, "cases", "a non-empty array", json.cases);
  const names = new Set<string>();
  (json.cases as unknown[]).forEach((c, i) => {
    const p = `cases[${i}]`;
    if (!isObj(c)) fail(where, p, "an object", c);
    if (typeof c.name !== "string" || c.name === "") fail(where, `${p}.name`, "a non-empty string", c.name);
    if (names.has(c.name as string)) fail(where, `${p}.name`, "unique", c.name);
    names.add(c.name as string);
    const q = `cases[${i}] (${c.name})`;
    for (const key of ["model", "revision", "variant", "pipeline", "scheduler"]) {
      if (c[key] !== undefined && typeof c[key] !== "string") fail(where, `${q}.${key}`, "a string", c[key]);
    }
    const seedOk = (s: unknown) =>
      (typeof s === "string" && /^\d{1,20}$/.test(s)) || (Number.isSafeInteger(s) && (s as number) >= 0);
    if (c.seed !== undefined && !seedOk(c.seed)) fail(where, `${q}.seed`, "a uint64 seed (decimal string)", c.seed);
    if (c.seeds !== undefined && (!Array.isArray(c.seeds) || c.seeds.length === 0 || !c.seeds.every(seedOk))) {
      fail(where, `${q}.seeds`, "a non-empty list of uint64 seeds", c.seeds);
    }
    if (c.seed !== undefined && c.seeds !== undefined) fail(where, `${q}`, "given seed or seeds, not both", "both");
    if (c.seeds !== undefined) c.seeds = (c.seeds as unknown[]).map(String);
    if (c.seed !== undefined) c.seed = String(c.seed);
    if (!isObj(c.args)) fail(where, `${q}.args`, "an object of generate() arguments", c.args);
    const e = c.expect;
    if (e === undefined) return;
    if (!isObj(e)) fail(where, `${q}.expect`, "an object", e);
    const x = `${q}.expect`;
    if (e.shape !== undefined && !(Array.isArray(e.shape) && e.shape.every((d) => Number.isInteger(d) && d > 0))) {
      fail(where, `${x}.shape`, "a list of positive integers", e.shape);
    }
    if (e.sha256 !== undefined && !(typeof e.sha256 === "string" && /^[0-9a-f]{64}$/.test(e.sha256))) {
      fail(where, `${x}.sha256`, "a 64-digit lowercase hex SHA-256", e.sha256);
    }
    if (e.absSum !== undefined) {
      const a = e.absSum;
      if (!isObj(a) || !isNum(a.value)) fail(where, `${x}.absSum`, "{ value, rtol?, atol? }", a);
      if (!isTol(a.rtol) || !isTol(a.atol)) fail(where, `${x}.absSum`, "tolerances >= 0", a);
    }
    if (e.slice !== undefined) {
      const s = e.slice;
      if (!isObj(s)) fail(where, `${x}.slice`, "{ index, values, atol }", s);
      checkSliceIndex(s.index, where, `${x}.slice.index`);
      if (!Array.isArray(s.values) || !s.values.every(isNum))
        fail(where, `${x}.slice.values`, "a list of numbers", s.values);
      if (!isNum(s.atol) || s.atol < 0) fail(where, `${x}.slice.atol`, "a number >= 0", s.atol);
    }
    if (e.npy !== undefined) checkArrayExpectation(e.npy, where, `${x}.npy`, false);
    if (e.safetensors !== undefined) checkArrayExpectation(e.safetensors, where, `${x}.safetensors`, true);
    if (e.modelFiles !== undefined && !Array.isArray(e.modelFiles))
      fail(where, `${x}.modelFiles`, "a list", e.modelFiles);
  });
  return json as unknown as Manifest;
}

/** The outcome of one expectation. "skipped": not applicable (e.g. bit-exact across a numerics bump). */
export interface CheckResult {
  check: string;
  status: "pass" | "fail" | "skipped";
  detail: string;
}

const fmt = (x: number) =>
  Number.isInteger(x)
    ? String(x)
    : x
        .toPrecision(8)
        .replace(/\.?0+$/, "")
        .replace(/\.?0+e/, "e");

/**
 * Checks an output against a case's expectations (arrays from files are passed in already loaded).
 * `bitExact: false` turns the sha256 check into "skipped" (used across a numerics-version bump).
 */
export function checkExpectations(
  output: Tensor<"float32">,
  expect: Expectations,
  loaded: { npy?: Tensor<"float32">; safetensors?: Tensor<"float32"> },
  options: { bitExact: boolean; bitExactNote?: string },
): CheckResult[] {
  const results: CheckResult[] = [];
  if (expect.shape !== undefined) {
    const ok = expect.shape.join() === output.shape.join();
    results.push({
      check: "shape",
      status: ok ? "pass" : "fail",
      detail: ok ? `[${output.shape}]` : `got [${output.shape}], expected [${expect.shape}]`,
    });
    // Every value check below needs the same shape; report the shape failure alone.
    if (!ok) return results;
  }
  if (expect.sha256 !== undefined) {
    const got = tensorSha256(output);
    if (!options.bitExact) {
      results.push({
        check: "sha256",
        status: "skipped",
        detail: options.bitExactNote ?? "bit-exact check turned off",
      });
    } else {
      const ok = got === expect.sha256;
      results.push({
        check: "sha256",
        status: ok ? "pass" : "fail",
        detail: ok
          ? `${got.slice(0, 16)}…`
          : `got ${got.slice(0, 16)}…, expected ${expect.sha256.slice(0, 16)}… (the bits changed)`,
      });
    }
  }
  if (expect.absSum !== undefined) {
    const { value, rtol = 0, atol = 0 } = expect.absSum;
    const got = absSum(output);
    const diff = Math.abs(got - value);
    const allowed = atol + rtol * Math.abs(value);
    const ok = diff <= allowed;
    results.push({
      check: "absSum",
      status: ok ? "pass" : "fail",
      detail: `${fmt(got)} vs expected ${fmt(value)}: |Δ| ${fmt(diff)} ${ok ? "<=" : ">"} allowed ${fmt(allowed)} (atol ${atol} + rtol ${rtol}·|expected|)`,
    });
  }
  if (expect.slice !== undefined) {
    const { index, values, atol } = expect.slice;
    let detail: string;
    let ok = false;
    try {
      const got = sliceTensor(output, ...index);
      if (got.data.length !== values.length) {
        detail = `slice ${JSON.stringify(index)} has ${got.data.length} values, the expectation ${values.length}`;
      } else {
        const r = compareClose(got.data, Float64Array.from(values), { atol, rtol: 0 });
        ok = r.ok;
        detail = ok
          ? `${values.length} values within atol ${atol} (max |Δ| ${fmt(r.maxAbsDiff)})`
          : `${r.mismatches} of ${r.total} values beyond atol ${atol}; max |Δ| ${fmt(r.maxAbsDiff)}, worst at [${r.worstIndex}]: got ${fmt(r.actual)}, expected ${fmt(r.expected)}`;
      }
    } catch (err) {
      detail = `cannot take slice ${JSON.stringify(index)}: ${(err as Error).message}`;
    }
    results.push({ check: "slice", status: ok ? "pass" : "fail", detail });
  }
  for (const kind of ["npy", "safetensors"] as const) {
    const exp = expect[kind];
    const arr = loaded[kind];
    if (exp === undefined || arr === undefined) continue;
    const name = `${kind} ${exp.path}${exp.key ? `:${exp.key}` : ""}`;
    if (arr.data.length !== output.data.length) {
      results.push({
        check: kind,
        status: "fail",
        detail: `${name} has ${arr.data.length} values, the output ${output.data.length}`,
      });
      continue;
    }
    const flatOut = output.data;
    const limit = exp.maxAbsDiff ?? 1e-4;
    const m = maxAbsDiff(flatOut, arr.data);
    const parts = [`max |Δ| ${fmt(m)} ${m <= limit ? "<=" : ">"} ${limit}`];
    let ok = m <= limit;
    if (exp.cosineDistance !== undefined) {
      const d = cosineSimilarityDistance(flatOut, arr.data);
      ok &&= d <= exp.cosineDistance;
      parts.push(`cosine distance ${fmt(d)} ${d <= exp.cosineDistance ? "<=" : ">"} ${exp.cosineDistance}`);
    }
    results.push({ check: kind, status: ok ? "pass" : "fail", detail: `${name}: ${parts.join(", ")}` });
  }
  return results;
}
