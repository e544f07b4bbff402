// Where a model's weights come from. Everything that reads a checkpoint goes through WeightSource, so the
// storage (an in-memory safetensors buffer today, a lazy file reader or a Hub download later) is one
// small adapter, and loading never needs a second full copy of the weights.

import type { F32, Weight } from "../engine/backend.js";
import { SafetensorsBuffer } from "../io/safetensors.js";
import type { ParamStore } from "../nn/param.js";
import { formatShape } from "../tensor/shape.js";

export interface WeightSource {
  /** Where the weights live, for error messages (a file path, or several). */
  readonly name: string;
  keys(): string[];
  has(key: string): boolean;
  shape(key: string): readonly number[];
  /** The tensor widened to float32 (float16/bfloat16 exactly). */
  float32(key: string): Promise<F32>;
  /** The tensor as stored when float16 or bfloat16 (half the memory; widened exactly when used), else as float32. */
  weight(key: string): Promise<Weight>;
  /** Releases file handles, if any. */
  close?(): Promise<void>;
}

export class WeightError extends Error {
  override name = "WeightError";
}

/** A WeightSource over parsed safetensors buffers (several for a sharded checkpoint). */
export class SafetensorsWeights implements WeightSource {
  private readonly owner = new Map<string, SafetensorsBuffer>();

  constructor(
    readonly name: string,
    files: readonly SafetensorsBuffer[],
  ) {
    for (const file of files) {
      for (const key of file.keys()) {
        if (this.owner.has(key)) throw new WeightError(`${name}: tensor ${JSON.stringify(key)} appears in two shards`);
        this.owner.set(key, file);
      }
    }
  }

  static fromBytes(bytes: Uint8Array, name: string): SafetensorsWeights {
    return new SafetensorsWeights(name, [SafetensorsBuffer.parse(bytes, name)]);
  }

  keys(): string[] {
    return [...this.owner.keys()];
  }

  has(key: string): boolean {
    return this.owner.has(key);
  }

  private file(key: string): SafetensorsBuffer {
    const file = this.owner.get(key);
    if (file === undefined) throw new WeightError(`${this.name}: no tensor named ${JSON.stringify(key)}`);
    return file;
  }

  shape(key: string): readonly number[] {
    return this.file(key).info(key).shape;
  }

  async float32(key: string): Promise<F32> {
    return this.file(key).float32(key);
  }

  async weight(key: string): Promise<Weight> {
    const file = this.file(key);
    return isHalf(file.info(key).dtype) ? (file.tensor(key) as Weight) : file.float32(key);
  }
}

/** Whether a stored safetensors dtype is one a Weight keeps as is (float16, bfloat16). */
export function isHalf(dtype: string): boolean {
  return dtype === "F16" || dtype === "BF16";
}

export interface LoadReport {
  /** Checkpoint tensors the model has no parameter for (Diffusers warns about these and ignores them). */
  readonly unexpected: string[];
}

/**
 * Loads every parameter of `store` from `source`. All names and shapes are checked before any tensor is
 * read, so a mismatched checkpoint fails fast, naming every missing tensor and the first misshapen one.
 */
export async function loadWeights(store: ParamStore, source: WeightSource): Promise<LoadReport> {
  const plan: [string, string][] = [];
  const missing: string[] = [];
  for (const param of store.params.values()) {
    const key = [param.name, ...param.aliases].find((k) => source.has(k));
    if (key === undefined) {
      missing.push(`${param.name} ${formatShape(param.shape)}`);
      continue;
    }
    const shape = source.shape(key);
    if (shape.length !== param.shape.length || shape.some((d, i) => d !== param.shape[i])) {
      throw new WeightError(
        `${source.name}: tensor ${JSON.stringify(key)} has shape ${formatShape(shape)}, but the model expects ${formatShape(param.shape)} (check that config.json matches the weights)`,
      );
    }
    plan.push([param.name, key]);
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(", ");
    const more = missing.length > 10 ? ` and ${missing.length - 10} more` : "";
    throw new WeightError(
      `${source.name}: missing ${missing.length} weight(s) the model needs: ${shown}${more} (check that config.json matches the weights)`,
    );
  }
  const used = new Set<string>();
  for (const [name, key] of plan) {
    const param = store.params.get(name)!;
    // Half-precision conv/linear weights stay half in memory (R11: widened exactly at use), which halves
    // the memory of fp16 checkpoints such as Stable Diffusion's; everything else is widened now.
    param.set(await (param.keepsHalf ? source.weight(key) : source.float32(key)));
    used.add(key);
  }
  return { unexpected: source.keys().filter((k) => !used.has(k)) };
}
