// `replay`: make a recorded output again and say whether it is bit-identical, and if not, by how much and why.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decode } from "fast-png";
import { NUMERICS_VERSION } from "../engine/determinism.js";
import { listBackends, setBackend, setNumThreads } from "../engine/index.js";
import { parseNpy } from "../io/npy.js";
import { Tensor } from "../tensor/tensor.js";
import { generateWithProvenance, renderImage, restoreGenerators } from "./capture.js";
import {
  explainDifferences,
  type FloatDifference,
  floatDifference,
  type PixelDifference,
  pixelDifference,
  type Reason,
} from "./compare.js";
import { readProvenanceFile } from "./file.node.js";
import { BUNDLED_MODEL_ID } from "./model.node.js";
import { loadRecordedPipeline } from "./pipelines.node.js";
import type { ProvenanceRecord } from "./record.js";
import { sha256Hex, tensorBytes } from "./sha256.js";
import { LIBRARY_VERSION } from "./version.js";

export interface ReplayOptions {
  /** Load this folder instead of the recorded model (e.g. when a local folder moved). */
  model?: string;
  /** The original float output (.npy) for float-level differences; default: images.npy beside the PNG when its hash matches. */
  npy?: string;
  backend?: string;
  threads?: number;
  cacheDir?: string;
  offline?: boolean;
  token?: string;
}

export interface ReplayReport {
  bitIdentical: boolean;
  recorded: ProvenanceRecord;
  replayed: ProvenanceRecord;
  /** Float differences against the original output, when it was available (a matching .npy). */
  floats: FloatDifference | null;
  /** Where the original floats came from, when they were. */
  floatsFrom: string | null;
  /** The PNG's pixels against the replay rendered the same way. */
  pixels: PixelDifference | null;
  /** Recorded conditions that differ now, most decisive first. */
  reasons: Reason[];
  notes: string[];
}

function modelReference(
  record: ProvenanceRecord,
  override: string | undefined,
): { id: string | undefined; revision?: string } {
  if (override !== undefined) return { id: override };
  const m = record.model;
  if (m.source === "bundled") return { id: BUNDLED_MODEL_ID };
  if (m.source === "local") {
    if (!existsSync(m.id)) {
      throw new Error(
        `the recorded model folder ${m.id} does not exist here; pass --model <folder> to replay with a copy`,
      );
    }
    return { id: m.id };
  }
  if (m.source === "hub") return { id: m.id, revision: m.commit ?? m.revision ?? "main" };
  throw new Error(`the record's model "${m.id}" was built in memory; pass --model <folder> to replay it`);
}

function originalFloats(
  pngPath: string,
  record: ProvenanceRecord,
  npyPath: string | undefined,
): { tensor: Tensor<"float32">; from: string } | null {
  const candidates = npyPath !== undefined ? [npyPath] : [join(dirname(pngPath), "images.npy")];
  for (const path of candidates) {
    if (!existsSync(path)) {
      if (npyPath !== undefined) throw new Error(`${path} does not exist`);
      continue;
    }
    const npy = parseNpy(new Uint8Array(readFileSync(path)), path);
    if (npy.dtype !== "float32") {
      if (npyPath !== undefined) throw new Error(`${path} holds ${npy.dtype}, not the float32 output`);
      continue;
    }
    const tensor = Tensor.from(new Float32Array((npy.data as Float32Array).slice()), npy.shape) as Tensor<"float32">;
    // Beside the PNG, only the very output the record names counts; given explicitly, any same-shaped array.
    const matches = sha256Hex(tensorBytes(tensor)) === record.output.sha256;
    const sameShape = npy.shape.join() === record.output.shape.join();
    if (matches || (npyPath !== undefined && sameShape)) return { tensor, from: path };
    if (npyPath !== undefined)
      throw new Error(`${path} has shape [${npy.shape}], the record's output is [${record.output.shape}]`);
  }
  return null;
}

/** Replays the generation recorded in a PNG file. */
export async function replayPng(pngPath: string, options: ReplayOptions = {}): Promise<ReplayReport> {
  const recorded = await readProvenanceFile(pngPath);
  return replayRecord(recorded, options, pngPath);
}

/** Replays a record; with `pngPath`, also compares the PNG's pixels and looks for its float output. */
export async function replayRecord(
  recorded: ProvenanceRecord,
  options: ReplayOptions = {},
  pngPath?: string,
): Promise<ReplayReport> {
  const notes: string[] = [];
  const backend = options.backend ?? recorded.engine.backend;
  if (listBackends().includes(backend)) setBackend(backend);
  else if (options.backend !== undefined)
    throw new RangeError(`--backend ${backend} is not available here; available: ${listBackends().join(", ")}`);
  else notes.push(`the recorded backend ${backend} is not available here; replaying on the default backend`);
  if (options.threads !== undefined) setNumThreads(options.threads);

  const ref = modelReference(recorded, options.model);
  const loaded = await loadRecordedPipeline(ref.id, {
    pipeline: recorded.pipeline.class,
    scheduler: recorded.scheduler.config,
    ...(ref.revision !== undefined ? { revision: ref.revision } : {}),
    ...(recorded.model.variant !== null ? { variant: recorded.model.variant } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.offline ? { localFilesOnly: true } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
  const call: Record<string, unknown> = { ...recorded.call, generator: restoreGenerators(recorded.generator) };
  if (recorded.output.interrupted) {
    // The original stopped early (a callback set pipe.interrupt): stop after the same number of steps.
    const stop = recorded.output.stepsRun;
    call.callbackOnStepEnd = (pipe: { interrupt: boolean }, step: number) => {
      if (step + 1 >= stop) pipe.interrupt = true;
    };
    notes.push(`the original run was interrupted after ${stop} steps; the replay stops there too`);
  }
  if (recorded.notRecorded.includes("callbackOnStepEnd") && !recorded.output.interrupted) {
    notes.push(
      "the original call had a step-end callback, which a replay cannot run; if it changed the latents, the replay differs",
    );
  }
  const otherMissing = recorded.notRecorded.filter((k) => k !== "callbackOnStepEnd");
  if (otherMissing.length > 0) notes.push(`arguments not recorded (not replayed): ${otherMissing.join(", ")}`);
  if (recorded.output.kind === "latent") call.outputType = "latent";
  else call.outputType = "np";
  const { floats, record: replayed } = await generateWithProvenance(loaded.pipe, call, loaded.model);
  const bitIdentical = replayed.output.sha256 === recorded.output.sha256;

  let pixels: PixelDifference | null = null;
  let floatsDiff: FloatDifference | null = null;
  let floatsFrom: string | null = null;
  if (pngPath !== undefined) {
    if (recorded.image !== undefined && recorded.output.kind === "np") {
      const png = decode(readFileSync(pngPath));
      if (png.depth !== 8) throw new Error(`${pngPath}: expected an 8-bit PNG, got bit depth ${png.depth}`);
      const mine = renderImage(floats, recorded.image);
      pixels = pixelDifference({ width: png.width, height: png.height, channels: png.channels, data: png.data }, mine);
    }
    const original = originalFloats(pngPath, recorded, options.npy);
    if (original) {
      floatsDiff = floatDifference(original.tensor, floats);
      floatsFrom = original.from;
    }
  }
  const reasons = bitIdentical
    ? []
    : explainDifferences(
        {
          libraryVersion: recorded.library.version,
          numericsVersion: recorded.numericsVersion,
          engine: recorded.engine,
          model: recorded.model,
        },
        {
          libraryVersion: LIBRARY_VERSION,
          numericsVersion: NUMERICS_VERSION,
          engine: replayed.engine,
          model: replayed.model,
        },
      );
  if (!bitIdentical && !reasons.some((r) => r.changesOutput)) {
    notes.push(
      "no recorded condition explains the difference (same numerics version, weights and a deterministic engine): " +
        "this breaks reprodiff's promise, please report it with this PNG",
    );
  }
  if (bitIdentical && pixels !== null && pixels.pixelsChanged > 0) {
    notes.push(
      "the floats are bit-identical but the PNG's pixels are not what they render to: the image was edited after it was written",
    );
  }
  return { bitIdentical, recorded, replayed, floats: floatsDiff, floatsFrom, pixels, reasons, notes };
}
