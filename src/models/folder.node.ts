// ModelFolder over the local file system (Node only).

import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SafetensorsBuffer } from "../io/safetensors.js";
import { type ModelFolder, ModelFolderError } from "./folder.js";
import { SafetensorsWeights, type WeightSource } from "./weights.js";

export class LocalModelFolder implements ModelFolder {
  readonly location: string;

  constructor(path: string) {
    this.location = resolve(path);
    if (!existsSync(this.location) || !statSync(this.location).isDirectory()) {
      throw new ModelFolderError(
        `${path}: not a local folder (loading from the Hugging Face Hub needs the hub module; download the repository first)`,
      );
    }
  }

  async exists(path: string): Promise<boolean> {
    return existsSync(join(this.location, path));
  }

  async readText(path: string): Promise<string> {
    return readFile(join(this.location, path), "utf8");
  }

  async openWeights(paths: readonly string[]): Promise<WeightSource> {
    const files: SafetensorsBuffer[] = [];
    for (const p of paths) {
      const full = join(this.location, p);
      if (!existsSync(full)) throw new ModelFolderError(`${full}: shard listed in the index is missing`);
      files.push(SafetensorsBuffer.parse(await readFile(full), full));
    }
    const name = paths.length === 1 ? join(this.location, paths[0]) : `${this.location} (${paths.length} shards)`;
    return new SafetensorsWeights(name, files);
  }
}
