// What pipelines and models call: resolve a folder or repo id to the files a Diffusers load needs.
import { basename, dirname, join } from "node:path";
import { readConfigFile } from "../io/config.node.js";
import { HubError } from "./errors.js";
import {
  findLocalFolder,
  type HubOptions,
  hubTryDownloadFile,
  listLocalFiles,
  type ResolvedModel,
  resolveModel,
  snapshotDownload,
} from "./hub.js";
import { selectModelFiles, selectPipelineFiles } from "./select.js";

export interface DiffusersResolveOptions extends HubOptions {
  /** Weights variant, e.g. "fp16" (`diffusion_pytorch_model.fp16.safetensors`). */
  variant?: string | null;
}

/**
 * A pipeline folder or repository: model_index.json plus, for each component it names, the configs
 * and the safetensors weights of the variant (a component without that variant uses its default
 * weights, as in Diffusers). Pickle-only components are refused with conversion instructions.
 */
export async function resolvePipelineFiles(
  idOrPath: string,
  options: DiffusersResolveOptions = {},
): Promise<ResolvedModel> {
  const variant = options.variant ?? null;
  const folder = await findLocalFolder(idOrPath, options.env);
  if (folder !== null) {
    const files = await listLocalFiles(folder);
    if (!files.includes("model_index.json")) {
      throw new HubError(`${folder} has no model_index.json: not a Diffusers pipeline folder`);
    }
    const index = await readConfigFile(join(folder, "model_index.json"));
    return {
      path: folder,
      files: selectPipelineFiles(files, index, { variant, where: folder }),
      repoId: null,
      commit: null,
      source: "local",
    };
  }
  const indexPath = await hubTryDownloadFile(idOrPath, "model_index.json", options);
  if (indexPath === null) {
    throw new HubError(
      `${idOrPath} has no model_index.json: not a Diffusers pipeline (load a single model with its class and subfolder)`,
    );
  }
  // The rest of the load is pinned to the commit that model_index.json came from.
  const commit = basename(dirname(indexPath));
  const index = await readConfigFile(indexPath);
  const resolved = await snapshotDownload(idOrPath, {
    ...options,
    revision: commit,
    select: (files) => selectPipelineFiles(files, index, { variant, where: idOrPath }),
  });
  return resolved;
}

/** A single model (folder or repository, optionally a subfolder of it): config.json and its weights. */
export async function resolveModelFiles(
  idOrPath: string,
  options: DiffusersResolveOptions & { subfolder?: string } = {},
): Promise<ResolvedModel> {
  return resolveModel(idOrPath, {
    ...options,
    select: (files) =>
      selectModelFiles(files, { subfolder: options.subfolder, variant: options.variant ?? null, where: idOrPath }),
  });
}
