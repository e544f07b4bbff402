// Measures the error of a float64 result in units in the last place of a reference given as hi + lo.
import { readFileSync } from "node:fs";

/** ulp(v): the gap between |v| and the next float64 away from zero (the subnormal spacing below 2^-1022). */
export function ulpOf(v: number): number {
  const a = Math.abs(v);
  if (a < 2.2250738585072014e-308) return 5e-324;
  const f = new Float64Array([a]);
  const u = new BigUint64Array(f.buffer);
  u[0] += 1n;
  return f[0] - a;
}

/**
 * |ours − exact| in ulps of hi, where the reference is hi (the exact value rounded to nearest) and
 * d = (exact − hi)/ulp(hi). Agreement on infinities counts as 0.
 */
export function ulpError(ours: number, hi: number, d: number): number {
  if (ours === hi) return Math.abs(d);
  if (!Number.isFinite(ours) || !Number.isFinite(hi)) return Number.POSITIVE_INFINITY;
  return Math.abs((ours - hi) / ulpOf(hi) - d);
}

/** Reads rows of `width` float64 values written by scripts/gen-math-reference.py. */
export function readRows(path: string, width: number): Float64Array[] {
  const bytes = readFileSync(path);
  const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const rows: Float64Array[] = [];
  for (let i = 0; i + width <= all.length; i += width) rows.push(all.subarray(i, i + width));
  return rows;
}

export interface UlpSummary {
  count: number;
  maxUlp: number;
  worstInput: number[];
  correctlyRounded: number;
}

/** Evaluates `fn` on each row's inputs and summarises the error against the row's hi + lo. */
export function measure(rows: Float64Array[], arity: number, fn: (...args: number[]) => number): UlpSummary {
  let maxUlp = 0;
  let worstInput: number[] = [];
  let correctlyRounded = 0;
  for (const row of rows) {
    const args = Array.from(row.subarray(0, arity));
    const ours = fn(...args);
    const err = ulpError(ours, row[arity], row[arity + 1]);
    if (ours === row[arity]) correctlyRounded++;
    if (err > maxUlp || Number.isNaN(err)) {
      maxUlp = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
      worstInput = args;
    }
  }
  return { count: rows.length, maxUlp, worstInput, correctlyRounded };
}
