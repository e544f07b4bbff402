// A model folder in Diffusers' layout: `config.json` plus `diffusion_pytorch_model[.variant].safetensors`
// (or a sharded `.safetensors.index[.variant].json`), optionally below a subfolder. The interface keeps the
// core free of Node APIs; `folder.node.ts` implements it over the file system.

import type { HubOptions } from "../hub/hub.js";
import { parseConfig } from "../io/config.js";
import { PickleCheckpointError, pickleRefusal } from "../io/pickle.js";
import type { WeightSource } from "./weights.js";

export interface ModelFolder {
  /** For error messages. */
  readonly location: string;
  exists(path: string): Promise<boolean>;
  readText(path: string): Promise<string>;
  /** A WeightSource over the given safetensors files (relative paths; several for shards). */
  openWeights(paths: readonly string[]): Promise<WeightSource>;
}

export interface PretrainedOptions {
  subfolder?: string;
  /** e.g. "fp16" → diffusion_pytorch_model.fp16.safetensors. */
  variant?: string;
  /** Compute dtype; weights are always widened to float32, the only compute dtype. */
  dtype?: "float32";
  /** Revision, cache folder, token, offline mode... when `location` is a Hub repository id (Node). */
  hub?: HubOptions;
}

/** Whether `value` is a ModelFolder (any object with the interface's members, not only the library's classes). */
export function isModelFolder(value: unknown): value is ModelFolder {
  if (value === null || typeof value !== "object") return false;
  const folder = value as Partial<Record<keyof ModelFolder, unknown>>;
  return (
    typeof folder.location === "string" &&
    typeof folder.exists === "function" &&
    typeof folder.readText === "function" &&
    typeof folder.openWeights === "function"
  );
}

export const WEIGHTS_NAME = "diffusion_pytorch_model";
export const CONFIG_NAME = "config.json";

/** Diffusers' _add_variant: the variant goes before the last extension. */
export function addVariant(fileName: string, variant: string | undefined): string {
  if (variant === undefined) return fileName;
  const parts = fileName.split(".");
  parts.splice(parts.length - 1, 0, variant);
  return parts.join(".");
}

/** `dir/name`, or `name` alone when `dir` is empty (folder-relative paths always use "/"). */
export function joinPath(dir: string, name: string): string {
  return dir === "" ? name : `${dir.replace(/\/+$/, "")}/${name}`;
}

export class ModelFolderError extends Error {
  override name = "ModelFolderError";
}

/** Finds and opens the weights of `subfolder`, refusing pickle checkpoints instead of executing them. */
export async function openModelWeights(folder: ModelFolder, options: PretrainedOptions): Promise<WeightSource> {
  const dir = options.subfolder ?? "";
  const where = joinPath(folder.location, dir);
  const single = joinPath(dir, addVariant(`${WEIGHTS_NAME}.safetensors`, options.variant));
  if (await folder.exists(single)) return folder.openWeights([single]);
  const index = joinPath(dir, addVariant(`${WEIGHTS_NAME}.safetensors.index.json`, options.variant));
  if (await folder.exists(index)) {
    const text = await folder.readText(index);
    let shards: string[];
    try {
      const map = (JSON.parse(text) as { weight_map?: Record<string, unknown> }).weight_map;
      if (map === undefined || map === null || typeof map !== "object") throw new Error("no weight_map object");
      shards = [...new Set(Object.values(map))].map((s) => {
        if (typeof s !== "string" || s.includes("/") || s.includes("\\") || s.startsWith(".")) {
          throw new Error(`bad shard name ${JSON.stringify(s)}`);
        }
        return joinPath(dir, s);
      });
    } catch (e) {
      throw new ModelFolderError(`${joinPath(folder.location, index)}: invalid shard index (${(e as Error).message})`);
    }
    return folder.openWeights(shards);
  }
  for (const pickle of [`${WEIGHTS_NAME}.bin`, `${WEIGHTS_NAME}.bin.index.json`, "model.ckpt"]) {
    const name = joinPath(dir, addVariant(pickle, options.variant));
    if (await folder.exists(name)) {
      throw new PickleCheckpointError(
        `${pickleRefusal(joinPath(folder.location, name))} (no safetensors weights were found beside it)`,
      );
    }
  }
  const variantNote =
    options.variant === undefined
      ? ""
      : ` for variant ${JSON.stringify(options.variant)} (omit \`variant\` to load ${WEIGHTS_NAME}.safetensors)`;
  throw new ModelFolderError(`${where}: no ${WEIGHTS_NAME} safetensors weights found${variantNote}`);
}

export async function readModelConfig(folder: ModelFolder, options: PretrainedOptions): Promise<unknown> {
  const path = joinPath(options.subfolder ?? "", CONFIG_NAME);
  if (!(await folder.exists(path))) {
    throw new ModelFolderError(`${joinPath(folder.location, path)}: not found (is this a Diffusers model folder?)`);
  }
  // parseConfig remembers which numbers were floats, so saveConfig writes 1.0 back as 1.0.
  return parseConfig(await folder.readText(path), joinPath(folder.location, path));
}

/** A JSON file of the folder, parsed; a missing or malformed file is an error naming it. */
export async function readFolderJson(folder: ModelFolder, path: string): Promise<unknown> {
  const where = joinPath(folder.location, path);
  if (!(await folder.exists(path))) throw new ModelFolderError(`${where}: not found`);
  const text = await folder.readText(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFolderError(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}
