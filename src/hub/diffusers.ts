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

export interface PipelineResolveOptions extends DiffusersResolveOptions {
  /**
   * The component folders to fetch, given the parsed model_index.json (the pipeline class that will load
   * it decides; it may also throw to refuse the repository before any weights are fetched). Without it,
   * every component model_index.json names is fetched.
   */
  components?: (modelIndex: Record<string, unknown>) => readonly string[];
}

/**
 * A pipeline folder or repository: model_index.json plus, for each component it names, the configs
 * and the safetensors weights of the variant (a component without that variant uses its default
 * weights, as in Diffusers). Pickle-only components are refused with conversion instructions.
 */
export async function resolvePipelineFiles(
  idOrPath: string,
  options: PipelineResolveOptions = {},
): Promise<ResolvedModel> {
  const variant = options.variant ?? null;
  const select = (files: readonly string[], index: Record<string, unknown>, where: string) =>
    selectPipelineFiles(files, index, {
      variant,
      where,
      ...(options.components !== undefined ? { components: options.components(index) } : {}),
    });
  const folder = await findLocalFolder(idOrPath, options.env);
  if (folder !== null) {
    const files = await listLocalFiles(folder);
    if (!files.includes("model_index.json")) {
      throw new HubError(`${folder} has no model_index.json: not a Diffusers pipeline folder`);
    }
    const index = await readConfigFile(join(folder, "model_index.json"));
    return {
      path: folder,
      files: select(files, index, folder),
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
  // Asked before the snapshot so that a repository the caller cannot load fails before any weights move.
  const components = options.components?.(index);
  const resolved = await snapshotDownload(idOrPath, {
    ...options,
    revision: commit,
    select: (files) =>
      selectPipelineFiles(files, index, {
        variant,
        where: idOrPath,
        ...(components !== undefined ? { components } : {}),
      }),
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
