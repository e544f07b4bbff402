/**
 * torch-style sampling functions returning Tensors: `randn`, `rand`, `randint`, plus the module's
 * default generator (`torch.manual_seed` / `torch.default_generator`).
 */
import { numel } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Generator } from "./generator.js";
import { fillNormal } from "./normal.js";

/** Floating dtypes the samplers produce. */
export type RandomFloatDType = "float32" | "float64";
/** Dtypes `randint` produces. */
export type RandintDType = "int64" | "float32" | "float64";

export interface RandomOptions<D extends string = RandomFloatDType> {
  /** Generator to draw from; `defaultGenerator` when omitted. */
  generator?: Generator;
  dtype?: D;
}

/**
 * The process-wide generator used when no generator is passed, like `torch.default_generator`.
 * As in torch it starts from a non-deterministic seed (when the runtime has `crypto`); call
 * `manualSeed` for reproducible draws.
 */
export const defaultGenerator = new Generator();
if ((globalThis as { crypto?: { getRandomValues?: unknown } }).crypto?.getRandomValues) {
  defaultGenerator.seed();
}

/** Seeds the default generator and returns it, like `torch.manual_seed`. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

function checkShape(shape: readonly number[], what: string): number {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${what}: shape must be an array of non-negative integers, got ${String(shape)}`);
  }
  return numel(shape);
}

function resolveGenerator(generator: Generator | undefined, what: string): Generator {
  if (generator === undefined) return defaultGenerator;
  if (!(generator instanceof Generator)) {
    throw new TypeError(`${what}: options.generator must be a Generator, got ${String(generator)}`);
  }
  return generator;
}

function floatDType(dtype: string | undefined, what: string): RandomFloatDType {
  const d = dtype ?? "float32";
  if (d !== "float32" && d !== "float64") {
    throw new TypeError(
      `${what}: dtype ${JSON.stringify(d)} is not supported; use "float32" or "float64" ` +
        "(for half precision, sample float32 and cast)",
    );
  }
  return d;
}

/** Standard normal samples, bit-identical to `torch.randn(shape, generator=g, dtype=dtype)` on CPU. */
export function randn(shape: readonly number[], options?: RandomOptions<"float32">): Tensor<"float32">;
export function randn(
  shape: readonly number[],
  options: RandomOptions<"float64"> & { dtype: "float64" },
): Tensor<"float64">;
export function randn(shape: readonly number[], options?: RandomOptions): Tensor<RandomFloatDType>;
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor<RandomFloatDType> {
  const n = checkShape(shape, "randn");
  const generator = resolveGenerator(options.generator, "randn");
  const dtype = floatDType(options.dtype, "randn");
  const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  fillNormal(generator, data);
  return Tensor.from(data, shape, dtype);
}

/** Uniform samples in [0, 1), bit-identical to `torch.rand` on CPU (float64 takes two draws each). */
export function rand(shape: readonly number[], options?: RandomOptions<"float32">): Tensor<"float32">;
export function rand(
  shape: readonly number[],
  options: RandomOptions<"float64"> & { dtype: "float64" },
): Tensor<"float64">;
export function rand(shape: readonly number[], options?: RandomOptions): Tensor<RandomFloatDType>;
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor<RandomFloatDType> {
  const n = checkShape(shape, "rand");
  const generator = resolveGenerator(options.generator, "rand");
  const dtype = floatDType(options.dtype, "rand");
  if (dtype === "float32") {
    const data = new Float32Array(n);
    generator.engine.fillUniform24(data, 0, n);
    return Tensor.from(data, shape);
  }
  const data = new Float64Array(n);
  generator.engine.fillUniform53(data, 0, n);
  return Tensor.from(data, shape);
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function toInt64(value: number | bigint, name: string): bigint {
  if (typeof value === "bigint") {
    if (value < INT64_MIN || value > INT64_MAX)
      throw new RangeError(`randint: ${name}=${value}n does not fit in int64`);
    return value;
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new TypeError(`randint: ${name} must be a safe integer or a bigint, got ${String(value)}`);
  }
  return BigInt(value);
}

/** Rounds an int64 to the nearest float32 (ties to even) without passing through a double rounding. */
function int64ToFloat32(v: bigint): number {
  const magnitude = v < 0n ? -v : v;
  if (magnitude <= 1n << 53n) return Math.fround(Number(v));
  // Keep 24 bits plus a sticky bit so the one rounding to float32 is exact.
  const bits = magnitude.toString(2).length;
  const shift = BigInt(bits - 26);
  let top = magnitude >> shift;
  if (top << shift !== magnitude) top |= 1n;
  const f = Math.fround(Number(top)) * 2 ** Number(shift);
  return v < 0n ? -f : f;
}

/**
 * Integers drawn uniformly from [low, high), bit-identical to `torch.randint(low, high, shape)`:
 * `u32 % range + low` per element, or `u64 % range + low` (two draws) when the range is ≥ 2^32.
 * int64 by default; "float32"/"float64" give the same integers converted.
 */
export function randint(
  low: number | bigint,
  high: number | bigint,
  shape: readonly number[],
  options?: RandomOptions<"int64">,
): Tensor<"int64">;
export function randint(
  low: number | bigint,
  high: number | bigint,
  shape: readonly number[],
  options: RandomOptions<"float32"> & { dtype: "float32" },
): Tensor<"float32">;
export function randint(
  low: number | bigint,
  high: number | bigint,
  shape: readonly number[],
  options: RandomOptions<"float64"> & { dtype: "float64" },
): Tensor<"float64">;
export function randint(
  low: number | bigint,
  high: number | bigint,
  shape: readonly number[],
  options?: RandomOptions<RandintDType>,
): Tensor<RandintDType>;
export function randint(
  low: number | bigint,
  high: number | bigint,
  shape: readonly number[],
  options: RandomOptions<RandintDType> = {},
): Tensor<RandintDType> {
  const lo = toInt64(low, "low");
  const hi = toInt64(high, "high");
  if (lo >= hi) {
    throw new RangeError(`randint: low must be less than high, got low=${lo} and high=${hi}`);
  }
  const n = checkShape(shape, "randint");
  const generator = resolveGenerator(options.generator, "randint");
  const dtype = options.dtype ?? "int64";
  if (dtype !== "int64" && dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(
      `randint: dtype ${JSON.stringify(dtype)} is not supported; use "int64", "float32" or "float64"`,
    );
  }
  const engine = generator.engine;
  const range = hi - lo;
  const values = new BigInt64Array(n);
  if (range < 1n << 32n) {
    const r = Number(range);
    const base = lo;
    if (lo >= -(1n << 52n) && hi <= 1n << 52n) {
      // Everything stays exact in doubles; convert once per element.
      const b = Number(base);
      for (let i = 0; i < n; i++) values[i] = BigInt((engine.nextU32() % r) + b);
    } else {
      for (let i = 0; i < n; i++) values[i] = BigInt(engine.nextU32() % r) + base;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const first = BigInt(engine.nextU32());
      const second = BigInt(engine.nextU32());
      values[i] = BigInt.asIntN(64, (((first << 32n) | second) % range) + lo);
    }
  }
  if (dtype === "int64") return Tensor.from(values, shape);
  if (dtype === "float64") {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(values[i]); // Number() rounds to nearest double once
    return Tensor.from(out, shape);
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = int64ToFloat32(values[i]);
  return Tensor.from(out, shape);
}
