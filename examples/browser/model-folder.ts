// A Diffusers model folder held in memory, filled over HTTP: how a browser hands a model to
// `UNet2DModel.fromPretrained`, which accepts any `ModelFolder` (the file system one is Node only).
import {
  type ModelFolder,
  ModelFolderError,
  SafetensorsBuffer,
  SafetensorsWeights,
  type WeightSource,
} from "reprodiff";

/** The files of an unconditional DDPM/DDIM pipeline folder such as the bundled ddpm-digits-16. */
export const PIPELINE_FILES = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "unet/config.json",
  "unet/diffusion_pytorch_model.safetensors",
] as const;

export class MemoryModelFolder implements ModelFolder {
  constructor(
    readonly location: string,
    private readonly files: ReadonlyMap<string, Uint8Array>,
  ) {}

  private bytes(path: string): Uint8Array {
    const bytes = this.files.get(path);
    if (bytes === undefined) throw new ModelFolderError(`${this.location}/${path}: not among the fetched files`);
    return bytes;
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async readText(path: string): Promise<string> {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes(path));
    } catch (error) {
      if (error instanceof ModelFolderError) throw error;
      throw new ModelFolderError(`${this.location}/${path}: not valid UTF-8 text`);
    }
  }

  async openWeights(paths: readonly string[]): Promise<WeightSource> {
    const names = paths.map((path) => `${this.location}/${path}`);
    return new SafetensorsWeights(
      names.join(", "),
      paths.map((path, i) => SafetensorsBuffer.parse(this.bytes(path), names[i])),
    );
  }
}

/** Fetches `files` below `base` (a folder URL ending in "/") in parallel; any failed request throws, naming its URL. */
export async function fetchModelFolder(
  base: URL,
  files: readonly string[] = PIPELINE_FILES,
): Promise<MemoryModelFolder> {
  const entries = await Promise.all(
    files.map(async (path): Promise<[string, Uint8Array]> => {
      const url = new URL(path, base);
      let response: Response;
      try {
        response = await fetch(url);
      } catch (error) {
        throw new ModelFolderError(`${url}: request failed (${(error as Error).message})`);
      }
      if (!response.ok) throw new ModelFolderError(`${url}: HTTP ${response.status} ${response.statusText}`);
      return [path, new Uint8Array(await response.arrayBuffer())];
    }),
  );
  return new MemoryModelFolder(base.href.replace(/\/$/, ""), new Map(entries));
}
