// ModelFolder over the local file system (Node only). Weights are read lazily, one tensor at a time,
// from SafetensorsFile handles, so loading never holds the checkpoint and the model in memory together.

import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { F32, Weight } from "../engine/backend.js";
import { SafetensorsFile } from "../io/safetensors-file.node.js";
import { type ModelFolder, ModelFolderError, type PretrainedOptions } from "./folder.js";
import { isHalf, WeightError, type WeightSource } from "./weights.js";

/** A WeightSource over open safetensors files (several for a sharded checkpoint). */
export class SafetensorsFileWeights implements WeightSource {
  private readonly owner = new Map<string, SafetensorsFile>();

  private constructor(
    readonly name: string,
    private readonly files: readonly SafetensorsFile[],
  ) {
    for (const file of files) {
      for (const key of file.keys()) {
        if (this.owner.has(key)) throw new WeightError(`${name}: tensor ${JSON.stringify(key)} appears in two shards`);
        this.owner.set(key, file);
      }
    }
  }

  static async open(name: string, paths: readonly string[]): Promise<SafetensorsFileWeights> {
    const files: SafetensorsFile[] = [];
    try {
      for (const p of paths) {
        if (!existsSync(p)) throw new ModelFolderError(`${p}: shard listed in the index is missing`);
        files.push(await SafetensorsFile.open(p));
      }
      return new SafetensorsFileWeights(name, files);
    } catch (e) {
      await Promise.all(files.map((f) => f.close()));
      throw e;
    }
  }

  keys(): string[] {
    return [...this.owner.keys()];
  }

  has(key: string): boolean {
    return this.owner.has(key);
  }

  private file(key: string): SafetensorsFile {
    const file = this.owner.get(key);
    if (file === undefined) throw new WeightError(`${this.name}: no tensor named ${JSON.stringify(key)}`);
    return file;
  }

  shape(key: string): readonly number[] {
    return this.file(key).info(key).shape;
  }

  float32(key: string): Promise<F32> {
    return this.file(key).float32(key);
  }

  async weight(key: string): Promise<Weight> {
    const file = this.file(key);
    return isHalf(file.info(key).dtype) ? ((await file.tensor(key)) as Weight) : file.float32(key);
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}

export class LocalModelFolder implements ModelFolder {
  readonly location: string;

  constructor(path: string) {
    this.location = resolve(path);
    if (!existsSync(this.location) || !statSync(this.location).isDirectory()) {
      throw new ModelFolderError(`${path}: not a local folder (and not a Hugging Face repository id)`);
    }
  }

  async exists(path: string): Promise<boolean> {
    return existsSync(join(this.location, path));
  }

  async readText(path: string): Promise<string> {
    return readFile(join(this.location, path), "utf8");
  }

  async openWeights(paths: readonly string[]): Promise<WeightSource> {
    const name = paths.length === 1 ? join(this.location, paths[0]) : `${this.location} (${paths.length} shards)`;
    return SafetensorsFileWeights.open(
      name,
      paths.map((p) => join(this.location, p)),
    );
  }
}

/** A Hugging Face repository id ("org/name" or "name"), as opposed to a file-system path. */
function looksLikeRepoId(s: string): boolean {
  return /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(s) && !s.includes("..");
}

/**
 * A local folder as is; otherwise a Hub repository id, downloaded into (or found in) the Hugging Face
 * cache with only the files this model needs (its config and the requested variant's safetensors).
 */
export async function openLocation(location: string, options: PretrainedOptions): Promise<ModelFolder> {
  if (existsSync(location) || !looksLikeRepoId(location)) return new LocalModelFolder(location);
  const { resolveModelFiles } = await import("../hub/index.js");
  const resolved = await resolveModelFiles(location, {
    ...options.hub,
    subfolder: options.subfolder,
    variant: options.variant ?? null,
  });
  return new LocalModelFolder(resolved.path);
}
