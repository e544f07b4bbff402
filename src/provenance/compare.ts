// Why two generations differ: the numbers (how much) and the recorded conditions (why).
import type { Tensor } from "../tensor/tensor.js";
import { cosineSimilarityDistance, maxAbsDiff, meanAbsDiff } from "../testing/compare.js";
import type { ModelRecord, ProvenanceRecord } from "./record.js";

export interface FloatDifference {
  maxAbsDiff: number;
  meanAbsDiff: number;
  /** Diffusers' numpy_cosine_similarity_distance. */
  cosineDistance: number;
  /** Elements whose bits differ. */
  elementsChanged: number;
  elements: number;
}

export function floatDifference(a: Tensor<"float32">, b: Tensor<"float32">): FloatDifference {
  let changed = 0;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) changed++;
  return {
    maxAbsDiff: maxAbsDiff(a, b),
    meanAbsDiff: meanAbsDiff(a, b),
    cosineDistance: cosineSimilarityDistance(a, b),
    elementsChanged: changed,
    elements: x.length,
  };
}

export interface PixelDifference {
  /** Pixels with any channel different. */
  pixelsChanged: number;
  pixels: number;
  /** Largest channel difference, in 8-bit levels (0-255). */
  maxLevelDiff: number;
  /** Mean |Δ| over all channels, in [0,1] units. */
  meanAbsDiff: number;
}

/** Compares two 8-bit images of the same size and channel count. */
export function pixelDifference(
  a: { width: number; height: number; channels: number; data: ArrayLike<number> },
  b: { width: number; height: number; channels: number; data: ArrayLike<number> },
): PixelDifference {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new RangeError(
      `images differ in size: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`,
    );
  }
  let changed = 0;
  let maxLevel = 0;
  let sum = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    let differs = false;
    for (let c = 0; c < a.channels; c++) {
      const d = Math.abs(a.data[p * a.channels + c] - b.data[p * a.channels + c]);
      if (d > 0) differs = true;
      if (d > maxLevel) maxLevel = d;
      sum += d;
    }
    if (differs) changed++;
  }
  const n = a.width * a.height * a.channels;
  return {
    pixelsChanged: changed,
    pixels: a.width * a.height,
    maxLevelDiff: maxLevel,
    meanAbsDiff: n ? sum / n / 255 : 0,
  };
}

/** One difference in the recorded conditions, with how much it can explain. */
export interface Reason {
  /** "numerics-version", "weights", "model-files", "commit", "engine", "library-version", "scheduler", "not-recorded". */
  kind: string;
  /** True when this difference is expected to change the output bits by itself. */
  changesOutput: boolean;
  message: string;
}

/** The conditions of a run, as far as they can explain a difference. */
export interface RunConditions {
  libraryVersion: string;
  numericsVersion: string;
  engine: ProvenanceRecord["engine"];
  model: ModelRecord;
}

/** Compares the model files of two records: changed hashes, and files only one side has. */
export function modelFileReasons(recorded: ModelRecord, current: ModelRecord): Reason[] {
  const reasons: Reason[] = [];
  const now = new Map(current.files.map((f) => [f.path, f]));
  const then = new Map(recorded.files.map((f) => [f.path, f]));
  for (const f of recorded.files) {
    const g = now.get(f.path);
    if (!g) {
      reasons.push({
        kind: "model-files",
        changesOutput: true,
        message: `model file ${f.path} was used then but not now`,
      });
    } else if (g.sha256 !== f.sha256) {
      const weights = /\.(safetensors|bin|ckpt|pt|pth)$/.test(f.path);
      reasons.push({
        kind: weights ? "weights" : "model-files",
        changesOutput: true,
        message:
          `${weights ? "weights" : "file"} hash mismatch: ${f.path} is ${g.sha256.slice(0, 16)}… (${g.size} bytes) ` +
          `but the record has ${f.sha256.slice(0, 16)}… (${f.size} bytes)`,
      });
    }
  }
  for (const g of current.files) {
    if (!then.has(g.path)) {
      reasons.push({
        kind: "model-files",
        changesOutput: true,
        message: `model file ${g.path} is used now but was not then`,
      });
    }
  }
  if (recorded.commit !== null && current.commit !== null && recorded.commit !== current.commit) {
    reasons.push({
      kind: "commit",
      changesOutput: false,
      message: `model commit ${current.commit} differs from the recorded ${recorded.commit}`,
    });
  }
  return reasons;
}

/**
 * Every recorded condition that differs between the original run and now, most decisive first. An
 * empty list while the outputs differ means reprodiff broke its own promise: that is a bug to report.
 */
export function explainDifferences(recorded: RunConditions, current: RunConditions): Reason[] {
  const reasons: Reason[] = [];
  if (recorded.numericsVersion !== current.numericsVersion) {
    reasons.push({
      kind: "numerics-version",
      changesOutput: true,
      message:
        `numerics version ${current.numericsVersion} differs from the recorded ${recorded.numericsVersion}: ` +
        "the engine's arithmetic changed on purpose between these versions, so bits may differ",
    });
  }
  reasons.push(...modelFileReasons(recorded.model, current.model));
  const a = recorded.engine;
  const b = current.engine;
  if (!a.deterministic || !b.deterministic) {
    reasons.push({
      kind: "engine",
      changesOutput: true,
      message: `a non-deterministic engine was used (${!a.deterministic ? `recorded ${a.backend}` : `now ${b.backend}`}); its bits may vary from run to run`,
    });
  }
  if (a.backend !== b.backend) {
    reasons.push({
      kind: "engine",
      changesOutput: !a.deterministic || !b.deterministic,
      message: `engine backend ${b.backend} differs from the recorded ${a.backend} (conforming backends give the same bits under one numerics version)`,
    });
  }
  if (a.threads !== b.threads) {
    reasons.push({
      kind: "engine",
      changesOutput: false,
      message: `${b.threads} threads now, ${a.threads} then (the thread count never changes the bits)`,
    });
  }
  if (recorded.libraryVersion !== current.libraryVersion) {
    reasons.push({
      kind: "library-version",
      changesOutput: false,
      message: `reprodiff ${current.libraryVersion} now, ${recorded.libraryVersion} then (versions with one numerics version give the same bits)`,
    });
  }
  return reasons;
}
