/**
 * Diffusers' `randn_tensor` (diffusers/utils/torch_utils.py): the initial noise of every pipeline.
 * Noise is always drawn on the CPU generator and then moved, so it is the same whatever the target
 * device. With a list of generators each batch item is drawn from its own generator as a
 * (1, ...rest) tensor and the items are concatenated; a list of one acts as a single generator.
 */
import { numel } from "../tensor/shape.js";
import type { Device, Tensor } from "../tensor/tensor.js";
import { Tensor as TensorClass } from "../tensor/tensor.js";
import { Generator } from "./generator.js";
import { type RandomFloatDType, randn } from "./random.js";

export interface RandnTensorOptions {
  /** One generator, or one per batch item (only the first `shape[0]` are used). Default generator when omitted. */
  generator?: Generator | readonly Generator[];
  dtype?: RandomFloatDType;
  device?: Device;
}

export function randnTensor(
  shape: readonly number[],
  options?: RandnTensorOptions & { dtype?: "float32" },
): Tensor<"float32">;
export function randnTensor(
  shape: readonly number[],
  options: RandnTensorOptions & { dtype: "float64" },
): Tensor<"float64">;
export function randnTensor(shape: readonly number[], options?: RandnTensorOptions): Tensor<RandomFloatDType>;
export function randnTensor(shape: readonly number[], options: RandnTensorOptions = {}): Tensor<RandomFloatDType> {
  if (!Array.isArray(shape)) {
    throw new TypeError(`randnTensor: shape must be an array of non-negative integers, got ${String(shape)}`);
  }
  numel(shape); // validates every dimension before any generator is touched
  const dtype = options.dtype ?? "float32";
  const device = options.device ?? "cpu";
  let generator = options.generator;
  if (Array.isArray(generator) && generator.length === 1) generator = generator[0] as Generator;

  if (!Array.isArray(generator)) {
    const single = generator as Generator | undefined;
    return randn(shape, { generator: single, dtype }).to(device);
  }

  const generators = generator as readonly Generator[];
  if (shape.length === 0) {
    throw new RangeError("randnTensor: a list of generators needs a shape with a batch dimension, got []");
  }
  const batch = shape[0];
  if (generators.length < batch) {
    throw new RangeError(
      `randnTensor: got ${generators.length} generators for a batch of ${batch} (shape [${shape.join(", ")}]); ` +
        "pass one generator per batch item, or a single generator",
    );
  }
  generators.forEach((g, i) => {
    if (!(g instanceof Generator)) throw new TypeError(`randnTensor: generator[${i}] is not a Generator`);
  });
  const itemShape = [1, ...shape.slice(1)];
  const itemSize = numel(itemShape);
  const out = dtype === "float64" ? new Float64Array(itemSize * batch) : new Float32Array(itemSize * batch);
  for (let b = 0; b < batch; b++) {
    const item = randn(itemShape, { generator: generators[b], dtype });
    out.set(item.data as Float32Array & Float64Array, b * itemSize);
  }
  return TensorClass.from(out as Float32Array, shape, dtype as "float32").to(device);
}
