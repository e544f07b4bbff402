// Tolerance utilities with Diffusers' definitions, for users who test pipelines against golden outputs.
import { formatShape, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export type Numeric = Tensor | ArrayLike<number>;

interface Flat {
  values: ArrayLike<number>;
  shape: readonly number[];
}

function flat(x: Numeric, what: string): Flat {
  if (typeof x === "object" && x !== null && "shape" in x && "data" in x) {
    const t = x as Tensor;
    if (t.dtype === "int64" || t.dtype === "float16" || t.dtype === "bfloat16") {
      throw new TypeError(`${what}: compare float32/float64 tensors (got ${t.dtype})`);
    }
    return { values: t.data as ArrayLike<number>, shape: t.shape };
  }
  return { values: x as ArrayLike<number>, shape: [(x as ArrayLike<number>).length] };
}

function pair(a: Numeric, b: Numeric, op: string): [Flat, Flat] {
  const fa = flat(a, op);
  const fb = flat(b, op);
  if (fa.values.length !== fb.values.length || !shapesEqual(fa.shape, fb.shape)) {
    throw new RangeError(`${op}: shapes differ, ${formatShape(fa.shape)} vs ${formatShape(fb.shape)}`);
  }
  return [fa, fb];
}

/** max |a - b| (NaN if any pair differs by NaN, i.e. exactly one side is NaN or both are). */
export function maxAbsDiff(a: Numeric, b: Numeric): number {
  const [fa, fb] = pair(a, b, "maxAbsDiff");
  let max = 0;
  for (let i = 0; i < fa.values.length; i++) {
    const d = Math.abs(fa.values[i] - fb.values[i]);
    if (Number.isNaN(d)) return Number.NaN;
    if (d > max) max = d;
  }
  return max;
}

/** mean |a - b|, accumulated in float64. */
export function meanAbsDiff(a: Numeric, b: Numeric): number {
  const [fa, fb] = pair(a, b, "meanAbsDiff");
  let sum = 0;
  for (let i = 0; i < fa.values.length; i++) sum += Math.abs(fa.values[i] - fb.values[i]);
  return fa.values.length === 0 ? 0 : sum / fa.values.length;
}

/**
 * Diffusers' `numpy_cosine_similarity_distance`: 1 - dot(a, b) / (‖a‖·‖b‖) over the flattened arrays,
 * in float64. 0 means identical direction; Diffusers' slow tests accept about 1e-4 to 1e-3.
 */
export function cosineSimilarityDistance(a: Numeric, b: Numeric): number {
  const [fa, fb] = pair(a, b, "cosineSimilarityDistance");
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < fa.values.length; i++) {
    const x = fa.values[i];
    const y = fb.values[i];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
}

export interface CloseOptions {
  /** Absolute tolerance (default 1e-5, like numpy.allclose's 1e-8 is too strict for float32 work). */
  atol?: number;
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Treat NaN == NaN as equal (default false). */
  equalNan?: boolean;
  /** Prefix for the error message. */
  message?: string;
}

export interface CloseReport {
  ok: boolean;
  mismatches: number;
  total: number;
  maxAbsDiff: number;
  worstIndex: number;
  actual: number;
  expected: number;
}

/** The check behind assertClose: |actual - expected| <= atol + rtol·|expected| elementwise (torch.allclose). */
export function compareClose(actual: Numeric, expected: Numeric, options: CloseOptions = {}): CloseReport {
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-5;
  const [fa, fb] = pair(actual, expected, "assertClose");
  let mismatches = 0;
  let worstIndex = -1;
  let worst = -1;
  for (let i = 0; i < fa.values.length; i++) {
    const x = fa.values[i];
    const y = fb.values[i];
    const bothNan = Number.isNaN(x) && Number.isNaN(y);
    if (bothNan && options.equalNan) continue;
    const d = Math.abs(x - y);
    const ok = x === y || d <= atol + rtol * Math.abs(y);
    if (!ok) {
      mismatches++;
      const score = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      if (score > worst) {
        worst = score;
        worstIndex = i;
      }
    }
  }
  const index = Math.max(worstIndex, 0);
  return {
    ok: mismatches === 0,
    mismatches,
    total: fa.values.length,
    maxAbsDiff: maxAbsDiff(actual, expected),
    worstIndex,
    actual: fa.values.length > 0 ? fa.values[index] : Number.NaN,
    expected: fb.values.length > 0 ? fb.values[index] : Number.NaN,
  };
}

export class AssertionCloseError extends Error {
  override name = "AssertionCloseError";
  constructor(
    message: string,
    readonly report: CloseReport,
  ) {
    super(message);
  }
}

/** Throws a readable report when `actual` is not elementwise close to `expected`. */
export function assertClose(actual: Numeric, expected: Numeric, options: CloseOptions = {}): void {
  const report = compareClose(actual, expected, options);
  if (report.ok) return;
  const prefix = options.message ? `${options.message}: ` : "";
  throw new AssertionCloseError(
    `${prefix}${report.mismatches} of ${report.total} elements differ beyond atol=${options.atol ?? 1e-5}, ` +
      `rtol=${options.rtol ?? 1e-5}; max |Δ| = ${report.maxAbsDiff}; worst at flat index ${report.worstIndex}: ` +
      `actual ${report.actual}, expected ${report.expected}`,
    report,
  );
}
