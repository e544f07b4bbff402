// Lazy safetensors reading from disk: opening reads only the header; each tensor's bytes are read on
// demand at their offset, straight into the typed array that the Tensor keeps, so loading a model
// never holds two full copies of its weights.
import { type FileHandle, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Tensor } from "../tensor/tensor.js";
import { writeFileAtomic } from "./atomic.node.js";
import { readConfigFile } from "./config.node.js";
import { assertNotPickle } from "./pickle.js";
import {
  elementCount,
  nativeDType,
  type ParsedHeader,
  parseHeaderBytes,
  prepareSafetensors,
  type RawTensor,
  rawToFloat32,
  readHeaderLength,
  SafetensorsError,
  type TensorInfo,
} from "./safetensors.js";

/** Node's fs.read moves at most 2 GiB - 1 per call; larger tensors are read in pieces. */
const MAX_READ = 0x7fff_f000;

async function readExactly(handle: FileHandle, into: Uint8Array, position: number, file: string, what: string) {
  let done = 0;
  while (done < into.length) {
    const length = Math.min(into.length - done, MAX_READ);
    const { bytesRead } = await handle.read(into, done, length, position + done);
    if (bytesRead === 0) {
      throw new SafetensorsError(
        file,
        null,
        `${what}: file ended after ${done} of ${into.length} bytes (changed on disk?)`,
      );
    }
    done += bytesRead;
  }
}

export class SafetensorsFile {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly header: ParsedHeader,
    /** Absolute file offset of the data section. */
    private readonly dataStart: number,
  ) {}

  /** Opens a file and validates its header; tensor data is not read yet. */
  static async open(path: string): Promise<SafetensorsFile> {
    assertNotPickle(path);
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a folder, not a file" : (e as Error).message;
      throw new SafetensorsError(path, null, why);
    }
    try {
      if (!(await handle.stat()).isFile()) throw new SafetensorsError(path, null, "is not a regular file");
      const { size } = await handle.stat();
      const prefix = new Uint8Array(Math.min(8, size));
      await readExactly(handle, prefix, 0, path, "header length");
      const headerLength = readHeaderLength(prefix, size, path);
      const headerBytes = new Uint8Array(headerLength);
      await readExactly(handle, headerBytes, 8, path, "header");
      const header = parseHeaderBytes(headerBytes, size, path);
      return new SafetensorsFile(path, handle, header, 8 + headerLength);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get metadata(): Record<string, string> | null {
    return this.header.metadata;
  }

  /** Tensor names in the order their data is stored. */
  keys(): string[] {
    return [...this.header.tensors.keys()];
  }

  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.header.tensors.get(name);
    if (info === undefined) throw new SafetensorsError(this.path, name, "no tensor of that name in the file");
    return info;
  }

  /** Reads one tensor's stored bytes into `into` (a fresh buffer when omitted). */
  async raw(name: string, into?: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new SafetensorsError(this.path, name, "file is closed");
    const info = this.info(name);
    const length = info.end - info.begin;
    const out = into ?? new Uint8Array(length);
    if (out.length !== length) {
      throw new SafetensorsError(this.path, name, `destination holds ${out.length} bytes, tensor has ${length}`);
    }
    await readExactly(this.handle, out, this.dataStart + info.begin, this.path, `tensor ${JSON.stringify(name)}`);
    return out;
  }

  /** The tensor in its stored dtype (F32, F64, I64, F16, BF16). */
  async tensor(name: string): Promise<Tensor> {
    const info = this.info(name);
    const dtype = nativeDType(info.dtype);
    if (dtype === undefined) {
      throw new SafetensorsError(
        this.path,
        name,
        `dtype ${info.dtype} has no reprodiff tensor type (float32, float64, int64, float16, bfloat16); read it with float32()`,
      );
    }
    const n = elementCount(info);
    switch (dtype) {
      case "float32": {
        const data = new Float32Array(n);
        await this.raw(name, new Uint8Array(data.buffer));
        return Tensor.from(data, info.shape);
      }
      case "float64": {
        const data = new Float64Array(n);
        await this.raw(name, new Uint8Array(data.buffer));
        return Tensor.from(data, info.shape);
      }
      case "int64": {
        const data = new BigInt64Array(n);
        await this.raw(name, new Uint8Array(data.buffer));
        return Tensor.from(data, info.shape);
      }
      default: {
        const data = new Uint16Array(n);
        await this.raw(name, new Uint8Array(data.buffer));
        return Tensor.from(data, info.shape, dtype);
      }
    }
  }

  /** The tensor as float32 (F16/BF16 widen exactly; F32 is read straight into the result). */
  async float32(name: string): Promise<Tensor<"float32">> {
    const info = this.info(name);
    const bytes = await this.raw(name);
    return Tensor.from(rawToFloat32(info.dtype, bytes.buffer as ArrayBuffer), info.shape);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Reads every tensor of a file, one at a time: as float32, or with `dtype: "native"` in the stored dtype
 * where a Tensor can hold it (other integer types still convert to float32).
 */
export async function loadSafetensors(
  path: string,
  options: { dtype?: "float32" | "native" } = {},
): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> | null }> {
  const file = await SafetensorsFile.open(path);
  try {
    const tensors: Record<string, Tensor> = {};
    for (const name of file.keys()) {
      const native = options.dtype === "native" && nativeDType(file.info(name).dtype) !== undefined;
      tensors[name] = native ? await file.tensor(name) : await file.float32(name);
    }
    return { tensors, metadata: file.metadata };
  } finally {
    await file.close();
  }
}

/**
 * Writes a safetensors file atomically (temporary file, fsync, rename), streaming each tensor's bytes
 * rather than building the whole file in memory.
 */
export async function saveSafetensors(
  path: string,
  tensors: Readonly<Record<string, Tensor | RawTensor>>,
  metadata?: Readonly<Record<string, string>> | null,
): Promise<void> {
  const { head, chunks } = prepareSafetensors(tensors, metadata, path);
  await writeFileAtomic(path, [head, ...chunks]);
}

/**
 * A checkpoint sharded across several files, described by an index
 * (`diffusion_pytorch_model.safetensors.index.json`: {"metadata": {...}, "weight_map": {tensor: shard}}).
 * Shards are opened lazily; each tensor is read from its shard on demand.
 */
export class SafetensorsShards {
  private readonly open = new Map<string, Promise<SafetensorsFile>>();

  private constructor(
    readonly indexPath: string,
    readonly metadata: Record<string, unknown> | null,
    private readonly weightMap: ReadonlyMap<string, string>,
  ) {}

  static async open(indexPath: string): Promise<SafetensorsShards> {
    const index = await readConfigFile(indexPath);
    const fail = (what: string): never => {
      throw new SafetensorsError(indexPath, null, what);
    };
    const map = index.weight_map;
    if (map === null || typeof map !== "object" || Array.isArray(map)) fail("weight_map is missing or not an object");
    const weightMap = new Map<string, string>();
    for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
      // Shards are siblings of the index: a path that climbs or nests could read any file.
      if (typeof shard !== "string" || !/^[^/\\]+\.safetensors$/.test(shard) || shard.startsWith(".")) {
        fail(
          `weight_map[${JSON.stringify(name)}] = ${JSON.stringify(shard)} is not a .safetensors file name beside the index`,
        );
      }
      weightMap.set(name, shard as string);
    }
    const metadata = index.metadata;
    const shards = new SafetensorsShards(
      indexPath,
      metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)
        ? (metadata as Record<string, unknown>)
        : null,
      weightMap,
    );
    // Every shard must exist and hold exactly the tensors the index assigns to it.
    const byShard = new Map<string, string[]>();
    for (const [name, shard] of weightMap) byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
    try {
      for (const [shard, names] of byShard) {
        const file = await shards.shard(shard);
        const listed = new Set(names);
        for (const name of names) {
          if (!file.has(name)) fail(`tensor ${JSON.stringify(name)} is mapped to ${shard}, which does not contain it`);
        }
        for (const key of file.keys()) {
          if (!listed.has(key))
            fail(`${shard} holds tensor ${JSON.stringify(key)}, which the index does not map to it`);
        }
      }
    } catch (e) {
      await shards.close();
      throw e;
    }
    return shards;
  }

  private shard(name: string): Promise<SafetensorsFile> {
    let file = this.open.get(name);
    if (file === undefined) {
      file = SafetensorsFile.open(join(dirname(this.indexPath), name));
      this.open.set(name, file);
    }
    return file;
  }

  keys(): string[] {
    return [...this.weightMap.keys()];
  }

  has(name: string): boolean {
    return this.weightMap.has(name);
  }

  private async fileOf(name: string): Promise<SafetensorsFile> {
    const shard = this.weightMap.get(name);
    if (shard === undefined) throw new SafetensorsError(this.indexPath, name, "no tensor of that name in the index");
    return this.shard(shard);
  }

  async info(name: string): Promise<TensorInfo> {
    return (await this.fileOf(name)).info(name);
  }

  async tensor(name: string): Promise<Tensor> {
    return (await this.fileOf(name)).tensor(name);
  }

  async float32(name: string): Promise<Tensor<"float32">> {
    return (await this.fileOf(name)).float32(name);
  }

  async close(): Promise<void> {
    const files = await Promise.allSettled(this.open.values());
    this.open.clear();
    for (const f of files) if (f.status === "fulfilled") await f.value.close();
  }
}
