// A model folder held in memory: how a browser hands files it already has (bytes it fetched itself, or the
// File objects of an <input type="file" webkitdirectory>) to any fromPretrained. Blobs and Files are read
// only when a load asks for them, so a picked folder's unused files (other variants, safety_checker) are
// never read.

import { SafetensorsBuffer } from "../io/safetensors.js";
import { joinPath, type ModelFolder, ModelFolderError } from "./folder.js";
import { SafetensorsWeights, type WeightSource } from "./weights.js";

/** A file's contents: bytes, or a Blob/File read on demand. */
export type FileContents = Uint8Array | ArrayBuffer | Blob;

/** Folder-relative path ("unet/config.json") → contents. */
export type MemoryFiles = ReadonlyMap<string, FileContents> | Readonly<Record<string, FileContents>>;

/** Folder-relative paths use "/" and stay inside the folder; "./a" is "a". */
function normalizePath(path: string, location: string): string {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.length === 0 || parts.includes("..") || path.startsWith("/") || path.includes("\\")) {
    throw new ModelFolderError(
      `${location}: invalid file path ${JSON.stringify(path)} (use "dir/name" below the folder)`,
    );
  }
  return parts.join("/");
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

export class MemoryModelFolder implements ModelFolder {
  readonly location: string;
  private readonly files = new Map<string, FileContents>();

  /** `location` names the folder in error messages. */
  constructor(files: MemoryFiles, location = "memory") {
    this.location = location.replace(/\/+$/, "");
    const entries = files instanceof Map ? [...files.entries()] : Object.entries(files);
    for (const [path, contents] of entries) {
      if (!(contents instanceof Uint8Array || contents instanceof ArrayBuffer || isBlob(contents))) {
        throw new TypeError(`${joinPath(this.location, path)}: contents must be a Uint8Array, ArrayBuffer or Blob`);
      }
      const key = normalizePath(path, this.location);
      if (this.files.has(key)) throw new ModelFolderError(`${joinPath(this.location, key)}: given twice`);
      this.files.set(key, contents);
    }
  }

  /** The folder-relative paths held, sorted. */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(normalizePath(path, this.location));
  }

  private async bytes(path: string): Promise<Uint8Array> {
    const contents = this.files.get(normalizePath(path, this.location));
    if (contents === undefined) throw new ModelFolderError(`${joinPath(this.location, path)}: not found`);
    if (contents instanceof Uint8Array) return contents;
    if (contents instanceof ArrayBuffer) return new Uint8Array(contents);
    try {
      return new Uint8Array(await contents.arrayBuffer());
    } catch (error) {
      throw new ModelFolderError(`${joinPath(this.location, path)}: cannot be read (${(error as Error).message})`);
    }
  }

  async readText(path: string): Promise<string> {
    const bytes = await this.bytes(path);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new ModelFolderError(`${joinPath(this.location, path)}: not valid UTF-8 text`);
    }
  }

  async openWeights(paths: readonly string[]): Promise<WeightSource> {
    const names = paths.map((path) => joinPath(this.location, path));
    const buffers: SafetensorsBuffer[] = [];
    for (let i = 0; i < paths.length; i++) {
      if (!(await this.exists(paths[i])))
        throw new ModelFolderError(`${names[i]}: not found (listed in the shard index)`);
      buffers.push(SafetensorsBuffer.parse(await this.bytes(paths[i]), names[i]));
    }
    return new SafetensorsWeights(paths.length === 1 ? names[0] : `${this.location} (${paths.length} shards)`, buffers);
  }
}

/** A File as a directory picker gives it; `webkitRelativePath` is "" for files picked or dropped one by one. */
type PickedFile = Blob & { readonly name: string; readonly webkitRelativePath?: string };

/**
 * A folder from the files of `<input type="file" webkitdirectory>` (a FileList or an array of Files). The
 * picked folder's own name, the first part of every `webkitRelativePath`, is dropped, so picking
 * `stable-diffusion-v1-5/` gives paths like `unet/config.json`; that name becomes the folder's location.
 * Files without a relative path keep their bare names.
 */
export function modelFolderFromFiles(files: Iterable<PickedFile> | ArrayLike<PickedFile>): MemoryModelFolder {
  const list = Array.from(files as ArrayLike<PickedFile>);
  if (list.length === 0) throw new ModelFolderError("modelFolderFromFiles: no files were given");
  const paths = list.map((file) => (file.webkitRelativePath ? file.webkitRelativePath : file.name));
  const tops = new Set(paths.map((path) => (path.includes("/") ? path.slice(0, path.indexOf("/")) : null)));
  const top = tops.size === 1 ? [...tops][0] : null;
  const entries = new Map<string, Blob>();
  list.forEach((file, i) => {
    const path = top === null ? paths[i] : paths[i].slice(top.length + 1);
    if (entries.has(path)) throw new ModelFolderError(`${top ?? "picked files"}/${path}: given twice`);
    entries.set(path, file);
  });
  return new MemoryModelFolder(entries, top ?? "picked files");
}
