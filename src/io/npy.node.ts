// .npy files on disk.
import { readFile } from "node:fs/promises";
import type { Tensor } from "../tensor/tensor.js";
import { writeFileAtomic } from "./atomic.node.js";
import { type NpyArray, parseNpy, serializeNpy } from "./npy.js";

export async function saveNpy(path: string, array: Tensor | NpyArray): Promise<void> {
  await writeFileAtomic(path, serializeNpy(array));
}

export async function loadNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readFile(path), path);
}
