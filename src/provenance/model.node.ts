// Where a pipeline's files come from and what they hash to: the model part of a provenance record.
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { BUNDLED_MODEL_NAME, bundledModelPath } from "../pipelines/bundled.node.js";
import type { FromPretrainedOptions } from "../pipelines/types.js";
import type { ModelFileRecord, ModelRecord } from "./record.js";

/** How the bundled model is named in records and manifests. */
export const BUNDLED_MODEL_ID = `bundled:${BUNDLED_MODEL_NAME}`;

const hashCache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** SHA-256 of a file, read in 4 MiB pieces (weights can be gigabytes); remembered while the file is unchanged. */
export function sha256File(path: string): { sha256: string; size: number } {
  const stat = statSync(path);
  const cached = hashCache.get(path);
  if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs)
    return { sha256: cached.sha256, size: stat.size };
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(4 << 20);
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  const sha256 = hash.digest("hex");
  hashCache.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, sha256 });
  return { sha256, size: stat.size };
}

/** A pipeline's resolved folder and the record of its files. */
export interface PipelineSource {
  folder: string;
  model: ModelRecord;
}

/**
 * Resolves a model reference the way `fromPretrained` does — nothing or `bundled:ddpm-digits-16` is the
 * bundled model, an existing path a local folder, anything else a Hub repo id (through the cache) — and
 * hashes every file a pipeline load reads. Load the pipeline from `folder` afterwards so it reads exactly
 * the hashed files (for the Hub: the snapshot of the resolved commit).
 */
export async function resolvePipelineSource(
  idOrPath: string | undefined,
  options: FromPretrainedOptions = {},
): Promise<PipelineSource> {
  const hub = await import("../hub/index.js");
  const common = {
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.localFilesOnly !== undefined ? { localFilesOnly: options.localFilesOnly } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.downloadProgress !== undefined ? { progress: options.downloadProgress } : {}),
  };
  let source: ModelRecord["source"];
  let id: string;
  let target: string;
  if (idOrPath === undefined || idOrPath === BUNDLED_MODEL_ID) {
    source = "bundled";
    id = BUNDLED_MODEL_ID;
    target = bundledModelPath();
  } else if (existsSync(idOrPath)) {
    source = "local";
    target = resolve(idOrPath);
    id = target;
  } else {
    source = "hub";
    id = idOrPath;
    target = idOrPath;
  }
  const resolved = await hub.resolvePipelineFiles(target, {
    ...common,
    ...(source === "hub" && options.revision !== undefined ? { revision: options.revision } : {}),
  });
  const files: ModelFileRecord[] = [...resolved.files]
    .sort()
    .map((file) => ({ path: file, ...sha256File(`${resolved.path}/${file}`) }));
  return {
    folder: resolved.path,
    model: {
      id,
      source,
      revision: source === "hub" ? (options.revision ?? "main") : null,
      commit: resolved.commit,
      variant: options.variant ?? null,
      files,
    },
  };
}
