// Taking the record of a generation: the generators' states before anything is drawn, the call's
// arguments, the pipeline and scheduler as configured, and the hash of the float output.
import { NUMERICS_VERSION } from "../engine/determinism.js";
import { imageGrid, type PipelineImage } from "../pipelines/image.js";
import { numpyToImages } from "../pipelines/postprocess.js";
import { defaultGenerator, Generator } from "../rng/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { fromBase64, toBase64 } from "./base64.js";
import { bytesSource, insertITxt, PROVENANCE_KEYWORD, readProvenanceText } from "./png.js";
import {
  type GeneratorRecord,
  type GeneratorsRecord,
  type ImageRecord,
  type JsonValue,
  type ModelRecord,
  PROVENANCE_FORMAT,
  PROVENANCE_FORMAT_VERSION,
  type ProvenanceRecord,
  parseRecordText,
} from "./record.js";
import { tensorSha256 } from "./sha256.js";
import { LIBRARY_VERSION } from "./version.js";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function generatorRecord(g: Generator, forceState: boolean): GeneratorRecord {
  const seed = g.initialSeed();
  const state = g.getState();
  // A freshly seeded generator is fully described by its seed; a used one needs its state.
  if (!forceState && sameBytes(state, new Generator().manualSeed(seed).getState())) return { seed: seed.toString() };
  return { seed: seed.toString(), state: toBase64(state) };
}

/**
 * The generators as they are now, i.e. before a call draws from them. `undefined` means the call will
 * draw from the process-wide default generator, whose state is recorded so even such calls replay.
 */
export function captureGenerators(generator: Generator | readonly Generator[] | undefined): GeneratorsRecord {
  if (generator === undefined) return { kind: "default", generators: [generatorRecord(defaultGenerator, true)] };
  if (Array.isArray(generator)) return { kind: "list", generators: generator.map((g) => generatorRecord(g, false)) };
  return { kind: "single", generators: [generatorRecord(generator as Generator, false)] };
}

/** Fresh generators in the recorded start states (a default-generator call gets an equivalent copy). */
export function restoreGenerators(record: GeneratorsRecord): Generator | Generator[] {
  const make = (r: GeneratorRecord) => {
    if (r.state === undefined) return new Generator().manualSeed(BigInt(r.seed));
    const bytes = fromBase64(r.state);
    if (bytes === null) throw new RangeError("generator state is not base64");
    return new Generator().setState(bytes);
  };
  return record.kind === "list" ? record.generators.map(make) : make(record.generators[0]);
}

/** Call options that are not arguments of the computation: never recorded, never affect the output. */
const NOT_ARGUMENTS = new Set(["generator", "progress", "signal"]);

/** Splits the call's options into recorded JSON arguments and the names of those that cannot be recorded. */
export function captureCall(options: Record<string, unknown>): {
  call: Record<string, JsonValue>;
  notRecorded: string[];
} {
  const call: Record<string, JsonValue> = {};
  const notRecorded: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || NOT_ARGUMENTS.has(key)) continue;
    const json = toJson(value);
    if (json === undefined) notRecorded.push(key);
    else call[key] = json;
  }
  return { call, notRecorded: notRecorded.sort() };
}

function toJson(value: unknown): JsonValue | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) {
    const items = value.map(toJson);
    return items.some((v) => v === undefined) ? undefined : (items as JsonValue[]);
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const j = toJson(v);
      if (j === undefined) return undefined;
      out[k] = j;
    }
    return out;
  }
  return undefined;
}

/** The parts of a pipeline a record needs; every reprodiff pipeline has them. */
export interface RecordablePipeline {
  scheduler: { config: Record<string, unknown>; constructor: { name: string } };
  constructor: unknown;
}

function pipelineClassName(pipe: RecordablePipeline): string {
  const ctor = pipe.constructor as { pipelineName?: string; name: string };
  return ctor.pipelineName ?? ctor.name;
}

function schedulerClassName(pipe: RecordablePipeline): string {
  const name = pipe.scheduler.config._class_name;
  return typeof name === "string" ? name : pipe.scheduler.constructor.name;
}

/** What `generate()` returned, as far as the record needs it. */
export interface GenerationOutcome {
  output: Tensor<"float32">;
  kind: "np" | "latent";
  stepsRun: number;
  interrupted: boolean;
  engine: ProvenanceRecord["engine"];
}

/** Assembles the record from what was captured before the call and what came out of it. */
export function buildRecord(parts: {
  pipe: RecordablePipeline;
  model: ModelRecord;
  generators: GeneratorsRecord;
  options: Record<string, unknown>;
  outcome: GenerationOutcome;
}): ProvenanceRecord {
  const { call, notRecorded } = captureCall(parts.options);
  const config = toJson({ ...parts.pipe.scheduler.config }) as Record<string, JsonValue>;
  return {
    format: PROVENANCE_FORMAT,
    formatVersion: PROVENANCE_FORMAT_VERSION,
    library: { name: "reprodiff", version: LIBRARY_VERSION },
    numericsVersion: parts.outcome.engine.numericsVersion ?? NUMERICS_VERSION,
    pipeline: { class: pipelineClassName(parts.pipe) },
    scheduler: { class: schedulerClassName(parts.pipe), config },
    model: parts.model,
    call,
    notRecorded,
    generator: parts.generators,
    dtype: "float32",
    engine: parts.outcome.engine,
    output: {
      kind: parts.outcome.kind,
      dtype: "float32",
      shape: [...parts.outcome.output.shape],
      sha256: tensorSha256(parts.outcome.output),
      stepsRun: parts.outcome.stepsRun,
      interrupted: parts.outcome.interrupted,
    },
  };
}

/** A pipeline whose `generate()` can be recorded: DDPM, DDIM and Stable Diffusion pipelines all fit. */
export interface GeneratingPipeline extends RecordablePipeline {
  generate(options: Record<string, unknown>): Promise<{
    images: unknown;
    info: { stepsRun: number; interrupted: boolean; engine: ProvenanceRecord["engine"] };
  }>;
}

/**
 * Runs `pipe.generate(options)` and returns its result with the provenance record of the call. The
 * generators' states are taken before the call, so a generator reused across calls still replays. The
 * output is always computed as floats ("np", or the latents for "latent"/"tensor") so it can be hashed;
 * "pil" output is converted from those floats exactly as `generate()` would.
 */
export async function generateWithProvenance<P extends GeneratingPipeline>(
  pipe: P,
  options: Record<string, unknown>,
  model: ModelRecord,
): Promise<{ images: unknown; floats: Tensor<"float32">; info: unknown; record: ProvenanceRecord }> {
  const generators = captureGenerators(options.generator as Generator | Generator[] | undefined);
  const requested = (options.outputType as string | undefined) ?? "pil";
  const kind = requested === "latent" || requested === "tensor" ? "latent" : "np";
  const result = await pipe.generate({ ...options, outputType: kind === "latent" ? requested : "np" });
  const floats = result.images as Tensor<"float32">;
  const record = buildRecord({
    pipe,
    model,
    generators,
    options,
    outcome: {
      output: floats,
      kind,
      stepsRun: result.info.stepsRun,
      interrupted: result.info.interrupted,
      engine: result.info.engine,
    },
  });
  const images = requested === "pil" ? numpyToImages(floats) : floats;
  return { images, floats, info: result.info, record };
}

/** Renders the PNG pixels a record's `image` field describes from the float output. */
export function renderImage(floats: Tensor<"float32">, image: ImageRecord): PipelineImage {
  const pil = numpyToImages(floats);
  if (image.kind === "grid") return imageGrid(pil, { columns: image.columns, scale: image.scale, gap: image.gap });
  const one = pil[image.index];
  return image.scale > 1 ? imageGrid([one], { scale: image.scale }) : one;
}

/** Encodes a PNG (with any tEXt entries) carrying the record in its `reprodiff` iTXt chunk. */
export function pngWithProvenance(
  image: PipelineImage,
  record: ProvenanceRecord,
  imageRecord: ImageRecord,
  text?: Record<string, string>,
): Uint8Array {
  return insertITxt(image.toPNG(text), PROVENANCE_KEYWORD, JSON.stringify({ ...record, image: imageRecord }));
}

/** Reads and validates the provenance record of a PNG held in memory. */
export async function readProvenance(png: Uint8Array, name = "PNG"): Promise<ProvenanceRecord> {
  return parseRecordText(await readProvenanceText(bytesSource(png, name)), name);
}
