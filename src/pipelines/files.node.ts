import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { LocalModelFolder } from "../models/folder.node.js";
import { bundledModelPath } from "./bundled.node.js";
import type { ModelIndex } from "./loading.js";
import type { FromPretrainedOptions } from "./types.js";

/**
 * Where the pipeline's files are: the bundled model when nothing is named, a local folder when the path
 * exists, otherwise a Hub repo id fetched into (or found in) the Hugging Face cache. `componentsFor`
 * names the component folders worth downloading for a given model_index.json.
 */
export async function resolvePipelineFolder(
  idOrPath: string | undefined,
  options: FromPretrainedOptions,
  componentsFor?: (modelIndex: ModelIndex) => readonly string[],
): Promise<string> {
  if (idOrPath === undefined) return bundledModelPath();
  if (typeof idOrPath !== "string" || idOrPath === "") {
    throw new TypeError(`fromPretrained needs a folder path or Hub repo id, got ${JSON.stringify(idOrPath)}`);
  }
  if (existsSync(idOrPath)) {
    const path = resolve(idOrPath);
    if (!statSync(path).isDirectory()) throw new Error(`${path} is a file; fromPretrained needs the pipeline folder`);
    if (!existsSync(`${path}/model_index.json`)) {
      throw new Error(`${path} has no model_index.json; is it a Diffusers pipeline folder (save_pretrained layout)?`);
    }
    return path;
  }
  return resolveFromHub(idOrPath, options, componentsFor);
}

/** The pipeline folder of a local path or Hub repo id (nothing: the bundled model), as a ModelFolder. */
export async function openPipelineFolder(
  idOrPath: string | undefined,
  options: FromPretrainedOptions,
  componentsFor?: (modelIndex: ModelIndex) => readonly string[],
): Promise<LocalModelFolder> {
  return new LocalModelFolder(await resolvePipelineFolder(idOrPath, options, componentsFor));
}

async function resolveFromHub(
  repoId: string,
  options: FromPretrainedOptions,
  componentsFor: ((modelIndex: ModelIndex) => readonly string[]) | undefined,
): Promise<string> {
  if (!/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repoId)) {
    throw new Error(`${repoId} is neither an existing folder nor a Hub repo id of the form "org/name"`);
  }
  // Downloads (or finds in the Hugging Face cache) model_index.json, each component's config and the
  // weights of the chosen variant, all pinned to one commit.
  const hub = await import("../hub/index.js");
  const { parseModelIndex } = await import("./loading.js");
  const resolved = await hub.resolvePipelineFiles(repoId, {
    ...(options.revision !== undefined ? { revision: options.revision } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.localFilesOnly !== undefined ? { localFilesOnly: options.localFilesOnly } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    ...(options.downloadProgress !== undefined ? { progress: options.downloadProgress } : {}),
    ...(componentsFor !== undefined
      ? {
          components: (index: Record<string, unknown>) =>
            componentsFor(parseModelIndex(index, `${repoId}/model_index.json`)),
        }
      : {}),
  });
  return resolved.path;
}
