// Loading expected arrays from files (Node only): the `.npy` files Diffusers' tests compare against
// (`load_numpy`) and tensors inside safetensors files.
import { readFileSync } from "node:fs";
import { npyToTensor, parseNpy } from "../io/npy.js";
import { SafetensorsBuffer } from "../io/safetensors.js";
import { widenFloat16 } from "../tensor/half.js";
import { Tensor } from "../tensor/tensor.js";

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === "ENOENT" ? `expectation file ${path} does not exist` : `cannot read ${path}: ${(err as Error).message}`,
    );
  }
}

/**
 * An expected array from a `.npy` file as a float tensor: float32 and float64 keep their dtype, float16
 * and integer arrays are converted to float32 by value. Errors name the file.
 */
export function loadNpyExpectation(path: string): Tensor<"float32"> | Tensor<"float64"> {
  const npy = parseNpy(readBytes(path), path);
  const t = npyToTensor(npy);
  if (t.dtype === "float32" || t.dtype === "float64") return t as Tensor<"float32"> | Tensor<"float64">;
  if (t.dtype === "float16") {
    return Tensor.from(widenFloat16(t.data as Uint16Array), t.shape) as Tensor<"float32">;
  }
  return Tensor.from(Float32Array.from(t.data as ArrayLike<number | bigint>, Number), t.shape) as Tensor<"float32">;
}

/** One tensor of a safetensors file as float32 (half-precision tensors are widened exactly). */
export function loadSafetensorsExpectation(path: string, key: string): Tensor<"float32"> {
  const file = SafetensorsBuffer.parse(readBytes(path), path);
  if (!file.keys().includes(key)) {
    throw new Error(
      `${path} has no tensor "${key}" (it has: ${file.keys().slice(0, 20).join(", ")}${file.keys().length > 20 ? ", …" : ""})`,
    );
  }
  return file.float32(key);
}
