// Which files of a Diffusers repository (or folder) a load needs: model_index.json, each component's
// configs, and the weights of the chosen variant — safetensors only. Mirrors what Diffusers v0.31
// downloads (component folders named in model_index.json; `name.<variant>.safetensors`; sharded
// weights with their index), except that pickle weights are never chosen: a component that only has
// them is an error saying how to convert.
import { isPickleFileName, pickleRefusal } from "../io/pickle.js";
import { HubError, PickleOnlyRepositoryError } from "./errors.js";

const WEIGHT_EXTENSIONS = [
  ".safetensors",
  ".bin",
  ".ckpt",
  ".pt",
  ".pth",
  ".pkl",
  ".msgpack",
  ".h5",
  ".onnx",
  ".onnx_data",
  ".pb",
  ".gguf",
];

export function isWeightFile(path: string): boolean {
  const lower = path.toLowerCase();
  return WEIGHT_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

interface SafetensorsName {
  /** The variant ("fp16"), or null for the default weights. */
  variant: string | null;
  /** Whether this is a shard index (`*.safetensors.index[.variant].json`). */
  index: boolean;
}

/** Parses a weights file name: stem[-0000k-of-0000n][.variant].safetensors, or its index json. */
function parseSafetensorsName(name: string): SafetensorsName | null {
  const index = /^[^.]+\.safetensors\.index(?:\.([\w-]+))?\.json$/.exec(name);
  if (index) return { variant: index[1] ?? null, index: true };
  const weights = /^[^.]+(?:\.([\w-]+))?\.safetensors$/.exec(name);
  if (weights) return { variant: weights[1] ?? null, index: false };
  return null;
}

export interface SelectOptions {
  /** Weights variant, e.g. "fp16" for `diffusion_pytorch_model.fp16.safetensors`. */
  variant?: string | null;
}

function folderFiles(files: readonly string[], folder: string): string[] {
  const prefix = folder === "" ? "" : `${folder}/`;
  return files.filter((f) => f.startsWith(prefix) && !f.slice(prefix.length).includes("/"));
}

/**
 * The files of one component folder: every non-weight file (configs, tokenizer files) plus the
 * safetensors weights of the variant. `fallbackToDefault` lets a pipeline component without the
 * variant use its default weights, as Diffusers does; a single model asked for a variant it lacks fails.
 */
export function selectComponentFiles(
  files: readonly string[],
  folder: string,
  variant: string | null,
  fallbackToDefault: boolean,
  where: string,
): string[] {
  const inFolder = folderFiles(files, folder);
  const base = (f: string) => f.slice(folder === "" ? 0 : folder.length + 1);
  const others = inFolder.filter((f) => !isWeightFile(f) && !parseSafetensorsName(base(f))?.index);
  const weights = inFolder.filter(isWeightFile);
  if (weights.length === 0) return others.sort();
  const safetensors = inFolder
    .map((f) => ({ f, parsed: parseSafetensorsName(base(f)) }))
    .filter((x): x is { f: string; parsed: SafetensorsName } => x.parsed !== null);
  const label = folder === "" ? where : `${where}/${folder}`;
  if (safetensors.every((x) => x.parsed.index)) {
    const pickles = weights.filter(isPickleFileName);
    if (pickles.length > 0)
      throw new PickleOnlyRepositoryError(`${label} has no safetensors weights. ${pickleRefusal(pickles[0])}`);
    throw new HubError(`${label} has no safetensors weights (found: ${weights.map(base).join(", ")})`);
  }
  const ofVariant = (v: string | null) => safetensors.filter((x) => x.parsed.variant === v);
  let chosen = ofVariant(variant);
  if (chosen.every((x) => x.parsed.index)) {
    const available = [...new Set(safetensors.filter((x) => !x.parsed.index).map((x) => x.parsed.variant))];
    const describe = (v: string | null) => (v === null ? "the default weights" : `variant "${v}"`);
    if (variant !== null && fallbackToDefault && ofVariant(null).some((x) => !x.parsed.index)) {
      chosen = ofVariant(null);
    } else {
      throw new HubError(
        `${label} has no safetensors weights for ${describe(variant)}; available: ${available.map(describe).join(", ")}` +
          (variant === null ? ` (pass variant: "${available.find((v) => v !== null)}")` : ""),
      );
    }
  }
  return [...others, ...chosen.map((x) => x.f)].sort();
}

/** Files a single model needs: `<subfolder>/config.json` and its weights. */
export function selectModelFiles(
  files: readonly string[],
  options: SelectOptions & { subfolder?: string; where?: string } = {},
): string[] {
  const folder = (options.subfolder ?? "").replace(/^\/+|\/+$/g, "");
  const where = options.where ?? "the model";
  const config = folder === "" ? "config.json" : `${folder}/config.json`;
  if (!files.includes(config)) {
    throw new HubError(
      `${where} has no ${config}${folder === "" ? ' (is it a pipeline? pass subfolder, e.g. "unet")' : ""}`,
    );
  }
  const selected = selectComponentFiles(files, folder, options.variant ?? null, false, where);
  if (!selected.some(isWeightFile))
    throw new HubError(`${where} has no weights in ${folder === "" ? "its root folder" : folder}`);
  return selected;
}

/** The component folders a model_index.json names (entries of the form [library, class]). */
export function pipelineComponents(modelIndex: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(modelIndex)
    .filter(
      ([key, value]) =>
        !key.startsWith("_") && Array.isArray(value) && value.length === 2 && value[0] !== null && value[1] !== null,
    )
    .map(([key]) => key)
    .sort();
}

/**
 * Files a pipeline needs: model_index.json and, for each component, its configs and weights. `components`
 * narrows that to the folders the pipeline class actually loads (Stable Diffusion never runs its
 * safety_checker, so its 1.2 GB of weights are not fetched); names model_index.json lacks are skipped here
 * and reported by the loader.
 */
export function selectPipelineFiles(
  files: readonly string[],
  modelIndex: Readonly<Record<string, unknown>>,
  options: SelectOptions & { where?: string; components?: readonly string[] } = {},
): string[] {
  const where = options.where ?? "the pipeline";
  const wanted = options.components === undefined ? null : new Set(options.components);
  const out = ["model_index.json"];
  for (const component of pipelineComponents(modelIndex)) {
    if (wanted !== null && !wanted.has(component)) continue;
    const selected = selectComponentFiles(files, component, options.variant ?? null, true, where);
    if (selected.length === 0) {
      throw new HubError(
        `${where}: component "${component}" named in model_index.json has no files in folder ${component}/`,
      );
    }
    out.push(...selected);
  }
  return out;
}
