// The provenance record: everything needed to make an output again and to tell why a remake differs.
// It is JSON, stored in each PNG's `reprodiff` iTXt chunk and in generation.json. docs/PROVENANCE.md
// describes every field; `parseRecord` checks a record read from an untrusted file field by field.
import type { EngineInfo } from "../engine/determinism.js";
import { STATE_BYTES } from "../rng/index.js";
import { fromBase64 } from "./base64.js";
import { ProvenanceError } from "./png.js";

export const PROVENANCE_FORMAT = "reprodiff-provenance";
/** Bumped when the record's layout changes incompatibly; readers refuse versions they do not know. */
export const PROVENANCE_FORMAT_VERSION = 1;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One file the pipeline load read, with the SHA-256 of its bytes. */
export interface ModelFileRecord {
  /** Path relative to the pipeline folder, with "/" separators. */
  path: string;
  sha256: string;
  size: number;
}

export interface ModelRecord {
  /** "bundled:ddpm-digits-16", a Hub repo id, an absolute folder path, or a name for an in-memory model. */
  id: string;
  source: "bundled" | "hub" | "local" | "memory";
  /** The Hub revision asked for (branch, tag or commit); null for folders. */
  revision: string | null;
  /** The commit the files came from (Hub only). */
  commit: string | null;
  variant: string | null;
  /** Every file the load read (configs and weights), sorted by path. */
  files: ModelFileRecord[];
}

/** One generator at the start of the call. */
export interface GeneratorRecord {
  /** Its initial seed (uint64, decimal). */
  seed: string;
  /**
   * Base64 of its 5056-byte torch `get_state()` bytes; omitted when the generator was freshly seeded
   * (its state then equals `manualSeed(seed)`'s, so the seed alone restores it).
   */
  state?: string;
}

export interface GeneratorsRecord {
  /** One generator for the batch, one per image, or the process-wide default generator. */
  kind: "single" | "list" | "default";
  generators: GeneratorRecord[];
}

/** Which part of the output a PNG shows, so a replay can render the same pixels. */
export type ImageRecord =
  | { kind: "image"; index: number; scale: number }
  | { kind: "grid"; columns: number; scale: number; gap: number };

export interface ProvenanceRecord {
  format: typeof PROVENANCE_FORMAT;
  formatVersion: number;
  library: { name: "reprodiff"; version: string };
  /** `NUMERICS_VERSION` of the engine that made the output. */
  numericsVersion: string;
  pipeline: { class: string };
  scheduler: { class: string; config: Record<string, JsonValue> };
  model: ModelRecord;
  /** Every JSON-representable argument of the call as passed (the generator is recorded separately). */
  call: Record<string, JsonValue>;
  /** Arguments that cannot be recorded (callbacks, abort signals, progress functions), by name. */
  notRecorded: string[];
  generator: GeneratorsRecord;
  dtype: "float32";
  engine: EngineInfo;
  output: {
    /** "np": float32 [B,H,W,C] images in [0,1]; "latent": the raw [B,C,H,W] latents. */
    kind: "np" | "latent";
    dtype: "float32";
    shape: number[];
    /** SHA-256 of the float32 values' little-endian bytes in row-major order. */
    sha256: string;
    stepsRun: number;
    interrupted: boolean;
  };
  /** Present in PNGs: which image of the output (or the grid of all) the pixels show. */
  image?: ImageRecord;
}

// --- validation -------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

class Checker {
  constructor(private readonly where: string) {}

  fail(path: string, expected: string, value: unknown): never {
    const got = value === undefined ? "nothing" : truncate(JSON.stringify(value) ?? String(value));
    throw new ProvenanceError("invalid", `${this.where}: provenance field "${path}" must be ${expected}, got ${got}`);
  }

  obj(value: unknown, path: string): Obj {
    if (value === null || typeof value !== "object" || Array.isArray(value)) this.fail(path, "an object", value);
    return value as Obj;
  }

  str(value: unknown, path: string, pattern?: RegExp, what = "a string"): string {
    if (typeof value !== "string" || (pattern && !pattern.test(value))) this.fail(path, what, value);
    return value as string;
  }

  strOrNull(value: unknown, path: string): string | null {
    if (value === null) return null;
    return this.str(value, path, undefined, "a string or null");
  }

  int(value: unknown, path: string, min = 0): number {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
      this.fail(path, `an integer >= ${min}`, value);
    }
    return value as number;
  }

  bool(value: unknown, path: string): boolean {
    if (typeof value !== "boolean") this.fail(path, "true or false", value);
    return value as boolean;
  }

  arr(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, "an array", value);
    return value as unknown[];
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (!allowed.includes(value as T)) this.fail(path, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
    return value as T;
  }

  json(value: unknown, path: string): JsonValue {
    if (value === null || typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) this.fail(path, "a finite number", value);
      return value;
    }
    if (Array.isArray(value)) return value.map((v, i) => this.json(v, `${path}[${i}]`));
    const o = this.obj(value, path);
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(o)) out[k] = this.json(v, `${path}.${k}`);
    return out;
  }
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const SHA256 = /^[0-9a-f]{64}$/;
const SEED = /^\d{1,20}$/;

/**
 * Validates parsed JSON as a provenance record, naming the first bad field. `where` names the input
 * (e.g. the PNG's path) in errors.
 */
export function parseRecord(json: unknown, where: string): ProvenanceRecord {
  const c = new Checker(where);
  const r = c.obj(json, "(record)");
  if (r.format !== PROVENANCE_FORMAT) c.fail("format", `"${PROVENANCE_FORMAT}"`, r.format);
  const formatVersion = c.int(r.formatVersion, "formatVersion", 1);
  if (formatVersion > PROVENANCE_FORMAT_VERSION) {
    throw new ProvenanceError(
      "unsupported",
      `${where}: the provenance record has format version ${formatVersion}, newer than this reprodiff reads (${PROVENANCE_FORMAT_VERSION}); upgrade reprodiff`,
    );
  }
  const library = c.obj(r.library, "library");
  if (library.name !== "reprodiff") c.fail("library.name", '"reprodiff"', library.name);
  const version = c.str(library.version, "library.version");
  const numericsVersion = c.str(r.numericsVersion, "numericsVersion", /^.+$/, "a non-empty string");
  const pipeline = c.obj(r.pipeline, "pipeline");
  const pipelineClass = c.str(pipeline.class, "pipeline.class", /^\w+$/, "a class name");
  const scheduler = c.obj(r.scheduler, "scheduler");
  const schedulerClass = c.str(scheduler.class, "scheduler.class", /^\w+$/, "a class name");
  const schedulerConfig = c.json(c.obj(scheduler.config, "scheduler.config"), "scheduler.config") as Record<
    string,
    JsonValue
  >;

  const m = c.obj(r.model, "model");
  const files = c.arr(m.files, "model.files").map((f, i) => {
    const fo = c.obj(f, `model.files[${i}]`);
    const path = c.str(fo.path, `model.files[${i}].path`, /^(?!\/)(?!.*\.\.)[^\0\\]+$/, "a relative path");
    return {
      path,
      sha256: c.str(fo.sha256, `model.files[${i}].sha256`, SHA256, "a 64-digit lowercase hex SHA-256"),
      size: c.int(fo.size, `model.files[${i}].size`),
    };
  });
  const model: ModelRecord = {
    id: c.str(m.id, "model.id", /^.+$/, "a non-empty string"),
    source: c.oneOf(m.source, "model.source", ["bundled", "hub", "local", "memory"] as const),
    revision: c.strOrNull(m.revision, "model.revision"),
    commit:
      m.commit === null ? null : c.str(m.commit, "model.commit", /^[0-9a-f]{40}$/, "a 40-digit commit hash or null"),
    variant: c.strOrNull(m.variant, "model.variant"),
    files,
  };

  const call = c.json(c.obj(r.call, "call"), "call") as Record<string, JsonValue>;
  const notRecorded = c.arr(r.notRecorded, "notRecorded").map((v, i) => c.str(v, `notRecorded[${i}]`));

  const g = c.obj(r.generator, "generator");
  const kind = c.oneOf(g.kind, "generator.kind", ["single", "list", "default"] as const);
  const generators = c.arr(g.generators, "generator.generators").map((gen, i) => {
    const path = `generator.generators[${i}]`;
    const go = c.obj(gen, path);
    const seed = c.str(go.seed, `${path}.seed`, SEED, "a uint64 seed as a decimal string");
    if (BigInt(seed) >= 1n << 64n) c.fail(`${path}.seed`, "a uint64 seed as a decimal string", seed);
    const out: GeneratorRecord = { seed };
    if (go.state !== undefined) {
      const state = c.str(go.state, `${path}.state`);
      const bytes = fromBase64(state);
      if (bytes === null || bytes.length !== STATE_BYTES) {
        c.fail(`${path}.state`, `base64 of the ${STATE_BYTES}-byte torch generator state`, state);
      }
      out.state = state;
    }
    return out;
  });
  if (kind !== "list" && generators.length !== 1) {
    c.fail("generator.generators", `one generator for kind "${kind}"`, generators.length);
  }
  if (kind === "default" && generators[0].state === undefined) {
    c.fail("generator.generators[0].state", "the default generator's state", undefined);
  }

  if (r.dtype !== "float32") c.fail("dtype", '"float32"', r.dtype);
  const e = c.obj(r.engine, "engine");
  const engine: EngineInfo = {
    backend: c.str(e.backend, "engine.backend"),
    threads: c.int(e.threads, "engine.threads", 1),
    deterministic: c.bool(e.deterministic, "engine.deterministic"),
    fullDeterminism: c.bool(e.fullDeterminism, "engine.fullDeterminism"),
    numericsVersion: c.str(e.numericsVersion, "engine.numericsVersion"),
  };

  const o = c.obj(r.output, "output");
  const shape = c.arr(o.shape, "output.shape").map((d, i) => c.int(d, `output.shape[${i}]`, 1));
  if (shape.length !== 4) c.fail("output.shape", "4 dimensions", shape);
  const output: ProvenanceRecord["output"] = {
    kind: c.oneOf(o.kind, "output.kind", ["np", "latent"] as const),
    dtype: c.oneOf(o.dtype, "output.dtype", ["float32"] as const),
    shape,
    sha256: c.str(o.sha256, "output.sha256", SHA256, "a 64-digit lowercase hex SHA-256"),
    stepsRun: c.int(o.stepsRun, "output.stepsRun"),
    interrupted: c.bool(o.interrupted, "output.interrupted"),
  };
  if (kind === "list" && generators.length !== shape[0]) {
    c.fail("generator.generators", `one generator per image (${shape[0]})`, generators.length);
  }

  const record: ProvenanceRecord = {
    format: PROVENANCE_FORMAT,
    formatVersion,
    library: { name: "reprodiff", version },
    numericsVersion,
    pipeline: { class: pipelineClass },
    scheduler: { class: schedulerClass, config: schedulerConfig },
    model,
    call,
    notRecorded,
    generator: { kind, generators },
    dtype: "float32",
    engine,
    output,
  };
  if (r.image !== undefined) {
    const im = c.obj(r.image, "image");
    const imageKind = c.oneOf(im.kind, "image.kind", ["image", "grid"] as const);
    const scale = c.int(im.scale, "image.scale", 1);
    if (imageKind === "image") {
      const index = c.int(im.index, "image.index");
      if (index >= shape[0]) c.fail("image.index", `an image index below the batch size ${shape[0]}`, index);
      record.image = { kind: "image", index, scale };
    } else {
      record.image = {
        kind: "grid",
        columns: c.int(im.columns, "image.columns", 1),
        scale,
        gap: c.int(im.gap, "image.gap"),
      };
    }
  }
  return record;
}

/** Parses a record from its JSON text (the iTXt chunk's or generation.json's). */
export function parseRecordText(text: string, where: string): ProvenanceRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProvenanceError(
      "bad-json",
      `${where}: the provenance text is not valid JSON (${(err as Error).message})`,
    );
  }
  return parseRecord(json, where);
}
