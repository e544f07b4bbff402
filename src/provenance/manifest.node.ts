// Running golden manifests (`reprodiff verify`) and recording them (`reprodiff record`).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { NUMERICS_VERSION } from "../engine/determinism.js";
import { getBackend, listBackends, setBackend, setNumThreads } from "../engine/index.js";
import { serializeNpy } from "../io/npy.js";
import { absSum } from "../pipelines/abs-sum.js";
import { Generator } from "../rng/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { loadNpyExpectation, loadSafetensorsExpectation } from "../testing/expectations.node.js";
import { sliceTensor } from "../testing/slice.js";
import { generateWithProvenance } from "./capture.js";
import { modelFileReasons, type Reason } from "./compare.js";
import {
  type CheckResult,
  checkExpectations,
  DEFAULT_SLICE,
  type Expectations,
  type Manifest,
  type ManifestCase,
  ManifestError,
  parseManifest,
} from "./manifest.js";
import { BUNDLED_MODEL_ID } from "./model.node.js";
import { type LoadedPipeline, loadRecordedPipeline } from "./pipelines.node.js";
import type { ModelRecord, ProvenanceRecord } from "./record.js";
import { LIBRARY_VERSION } from "./version.js";

export function readManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ManifestError(
      code === "ENOENT" ? `${path} does not exist` : `cannot read ${path}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseManifest(json, path);
}

export interface RunOptions {
  backend?: string;
  threads?: number;
  cacheDir?: string;
  offline?: boolean;
  token?: string;
  /** Only the cases with these names. */
  cases?: string[];
}

export interface CaseRun {
  output: Tensor<"float32">;
  record: ProvenanceRecord;
  seconds: number;
}

function modelPath(model: string | undefined, manifestDir: string): string {
  if (model === undefined || model.startsWith("bundled:")) return model ?? BUNDLED_MODEL_ID;
  const local = isAbsolute(model) ? model : resolve(manifestDir, model);
  return existsSync(local) ? local : model;
}

/** Runs one case (pipelines are shared between cases with the same model settings). */
async function runCase(
  c: ManifestCase,
  manifestDir: string,
  options: RunOptions,
  pipelines: Map<string, LoadedPipeline>,
): Promise<CaseRun> {
  const key = JSON.stringify([c.model, c.revision, c.variant, c.pipeline, c.scheduler]);
  let loaded = pipelines.get(key);
  if (!loaded) {
    loaded = await loadRecordedPipeline(modelPath(c.model, manifestDir), {
      ...(c.pipeline !== undefined ? { pipeline: c.pipeline } : {}),
      ...(c.scheduler !== undefined ? { scheduler: c.scheduler } : {}),
      ...(c.revision !== undefined ? { revision: c.revision } : {}),
      ...(c.variant !== undefined ? { variant: c.variant } : {}),
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      ...(options.offline ? { localFilesOnly: true } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
    });
    pipelines.set(key, loaded);
  }
  const generator = c.seeds
    ? c.seeds.map((s) => new Generator().manualSeed(BigInt(s)))
    : new Generator().manualSeed(BigInt(c.seed ?? "0"));
  const start = performance.now();
  const { floats, record } = await generateWithProvenance(
    loaded.pipe,
    { ...c.args, ...(c.seeds ? { batchSize: c.args.batchSize ?? c.seeds.length } : {}), generator, outputType: "np" },
    loaded.model,
  );
  return { output: floats, record, seconds: (performance.now() - start) / 1000 };
}

function selectCases(manifest: Manifest, names: string[] | undefined, where: string): ManifestCase[] {
  if (!names || names.length === 0) return manifest.cases;
  const known = new Set(manifest.cases.map((c) => c.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) {
    throw new ManifestError(
      `${where} has no case named ${missing.map((n) => `"${n}"`).join(", ")} (cases: ${[...known].join(", ")})`,
    );
  }
  return manifest.cases.filter((c) => names.includes(c.name));
}

function applyEngine(options: RunOptions): void {
  if (options.backend !== undefined) {
    if (!listBackends().includes(options.backend)) {
      throw new RangeError(`backend ${options.backend} is not available here; available: ${listBackends().join(", ")}`);
    }
    setBackend(options.backend);
  }
  if (options.threads !== undefined) setNumThreads(options.threads);
}

export interface CaseReport {
  name: string;
  ok: boolean;
  checks: CheckResult[];
  /** Recorded conditions that differ now (only for failed cases). */
  reasons: Reason[];
  seconds: number;
  /** Set when the case could not run at all. */
  error?: string;
}

export interface VerifyReport {
  manifest: string;
  ok: boolean;
  current: { library: string; numericsVersion: string; backend: string };
  recordedWith: Manifest["recordedWith"] | null;
  cases: CaseReport[];
}

export interface VerifyOptions extends RunOptions {
  /** Keep bit-exact (sha256) checks even when the numerics version changed since recording. */
  strict?: boolean;
}

/** Runs every case of a manifest and checks its expectations. */
export async function verifyManifest(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const manifest = readManifest(path);
  const dir = dirname(resolve(path));
  const cases = selectCases(manifest, options.cases, path);
  applyEngine(options);
  const current = { library: LIBRARY_VERSION, numericsVersion: NUMERICS_VERSION, backend: getBackend().name };
  const recordedNumerics = manifest.recordedWith?.numericsVersion;
  // A numerics bump declares that bits may change: bit-exact checks then say so instead of failing,
  // and the tolerance checks decide (unless --strict).
  const bitExact = options.strict === true || recordedNumerics === undefined || recordedNumerics === NUMERICS_VERSION;
  const note = `numerics version ${NUMERICS_VERSION} differs from the recorded ${recordedNumerics}; re-record to pin the new bits`;
  const pipelines = new Map<string, LoadedPipeline>();
  const reports: CaseReport[] = [];
  for (const c of cases) {
    const expect = c.expect ?? {};
    try {
      if (Object.keys(expect).filter((k) => k !== "modelFiles").length === 0) {
        throw new ManifestError(`case "${c.name}" has no expectations; run \`reprodiff record\` to fill them in`);
      }
      const run = await runCase(c, dir, options, pipelines);
      const loadedArrays = {
        ...(expect.npy ? { npy: toFloat32(loadNpyExpectation(resolve(dir, expect.npy.path))) } : {}),
        ...(expect.safetensors
          ? { safetensors: loadSafetensorsExpectation(resolve(dir, expect.safetensors.path), expect.safetensors.key) }
          : {}),
      };
      const checks = checkExpectations(run.output, expect, loadedArrays, { bitExact, bitExactNote: note });
      const ok = checks.every((r) => r.status !== "fail");
      reports.push({
        name: c.name,
        ok,
        checks,
        reasons: ok ? [] : whyCaseFailed(manifest, expect, run.record.model, checks),
        seconds: run.seconds,
      });
    } catch (err) {
      reports.push({ name: c.name, ok: false, checks: [], reasons: [], seconds: 0, error: (err as Error).message });
    }
  }
  return {
    manifest: path,
    ok: reports.every((r) => r.ok),
    current,
    recordedWith: manifest.recordedWith ?? null,
    cases: reports,
  };
}

function toFloat32(t: Tensor<"float32"> | Tensor<"float64">): Tensor<"float32"> {
  return t as Tensor<"float32">;
}

function whyCaseFailed(manifest: Manifest, expect: Expectations, model: ModelRecord, checks: CheckResult[]): Reason[] {
  const reasons: Reason[] = [];
  if (checks.some((c) => c.check === "sha256" && c.status === "pass")) {
    return [
      {
        kind: "expectation",
        changesOutput: false,
        message:
          "the output is bit-identical to the recorded one (sha256 matches), so the failing expectation was edited after recording",
      },
    ];
  }
  const rec = manifest.recordedWith;
  if (rec && rec.numericsVersion !== NUMERICS_VERSION) {
    reasons.push({
      kind: "numerics-version",
      changesOutput: true,
      message: `numerics version ${NUMERICS_VERSION} now, ${rec.numericsVersion} when recorded`,
    });
  }
  if (expect.modelFiles) {
    reasons.push(...modelFileReasons({ ...model, files: expect.modelFiles }, model));
  }
  if (rec && rec.library !== LIBRARY_VERSION) {
    reasons.push({
      kind: "library-version",
      changesOutput: false,
      message: `reprodiff ${LIBRARY_VERSION} now, ${rec.library} when recorded`,
    });
  }
  if (reasons.every((r) => !r.changesOutput)) {
    reasons.push({
      kind: "regression",
      changesOutput: true,
      message: "same numerics version and model files: the output changed without a declared reason (a regression)",
    });
  }
  return reasons;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));

/** The human-readable verify report. */
export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  const rec = report.recordedWith;
  lines.push(
    `verify ${report.manifest}: ${report.cases.length} case${report.cases.length === 1 ? "" : "s"} on reprodiff ${report.current.library}, numerics v${report.current.numericsVersion}, ${report.current.backend}` +
      (rec ? ` (recorded with reprodiff ${rec.library}, numerics v${rec.numericsVersion}, ${rec.backend})` : ""),
  );
  const width = Math.max(...report.cases.map((c) => c.name.length));
  for (const c of report.cases) {
    const summary = c.error
      ? "error"
      : c.checks
          .map((k) => `${k.check} ${k.status === "pass" ? "ok" : k.status === "fail" ? "FAILED" : "skipped"}`)
          .join(", ");
    lines.push(`  ${c.ok ? "PASS" : "FAIL"}  ${pad(c.name, width)}  ${summary}  (${c.seconds.toFixed(2)} s)`);
    if (c.error) lines.push(`        error: ${c.error}`);
    for (const k of c.checks) {
      if (k.status !== "pass") lines.push(`        ${k.check}: ${k.detail}`);
    }
    for (const r of c.reasons) lines.push(`        why: ${r.message}`);
  }
  const failed = report.cases.filter((c) => !c.ok).length;
  lines.push(
    failed === 0 ? `all ${report.cases.length} cases pass` : `${failed} of ${report.cases.length} cases FAILED`,
  );
  return lines.join("\n");
}

export interface RecordOptions extends RunOptions {
  /** Also write each case's output as <dir>/<case>.npy and expect it within maxAbsDiff. */
  npyDir?: string;
  description?: string;
}

/**
 * Runs the cases of `inputPath` (a manifest, with or without expectations) and writes a manifest with
 * the expectations filled in from the runs to `outputPath`. Tolerances already in the input are kept;
 * new ones default to absSum rtol 1e-4 and slice atol 1e-3 (Diffusers' slow tests use 1e-3 to 1e-2).
 */
export async function recordManifest(
  inputPath: string,
  outputPath: string,
  options: RecordOptions = {},
): Promise<Manifest> {
  const input = readManifest(inputPath);
  const inDir = dirname(resolve(inputPath));
  const outDir = dirname(resolve(outputPath));
  applyEngine(options);
  const pipelines = new Map<string, LoadedPipeline>();
  const cases: ManifestCase[] = [];
  const chosen = new Set(selectCases(input, options.cases, inputPath).map((c) => c.name));
  for (const c of input.cases) {
    if (!chosen.has(c.name)) {
      cases.push(c);
      continue;
    }
    const old = c.expect ?? {};
    const index = old.slice?.index ?? DEFAULT_SLICE;
    let run: CaseRun;
    let values: number[];
    try {
      run = await runCase(c, inDir, options, pipelines);
      values = Array.from(sliceTensor(run.output, ...index).data);
    } catch (err) {
      throw new ManifestError(`${inputPath}: case "${c.name}": ${(err as Error).message}`);
    }
    const expect: Expectations = {
      shape: [...run.output.shape],
      sha256: run.record.output.sha256,
      absSum: {
        value: absSum(run.output),
        rtol: old.absSum?.rtol ?? 1e-4,
        ...(old.absSum?.atol !== undefined ? { atol: old.absSum.atol } : {}),
      },
      slice: { index, values, atol: old.slice?.atol ?? 1e-3 },
      ...(old.safetensors ? { safetensors: old.safetensors } : {}),
      modelFiles: run.record.model.files,
    };
    if (options.npyDir !== undefined) {
      const file = join(resolve(options.npyDir), `${c.name.replace(/[^\w.-]+/g, "_")}.npy`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, serializeNpy(run.output));
      expect.npy = { path: relative(outDir, file), maxAbsDiff: old.npy?.maxAbsDiff ?? 1e-4 };
    } else if (old.npy) {
      expect.npy = { ...old.npy, path: relative(outDir, resolve(inDir, old.npy.path)) };
    }
    // Models given as paths stay valid from the output's folder.
    const model =
      c.model !== undefined && existsSync(resolve(inDir, c.model)) && !c.model.startsWith("bundled:")
        ? relative(outDir, resolve(inDir, c.model)) || "."
        : c.model;
    cases.push({ ...c, ...(model !== undefined ? { model } : {}), expect });
  }
  const manifest: Manifest = {
    format: "reprodiff-manifest",
    formatVersion: 1,
    ...((options.description ?? input.description) ? { description: options.description ?? input.description } : {}),
    recordedWith: { library: LIBRARY_VERSION, numericsVersion: NUMERICS_VERSION, backend: getBackend().name },
    cases,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(outputPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
