// Input validation shared by the reference ops. Every message names the op and the offending shapes so
// a model author can find the layer at fault.

import { widenToFloat32 } from "../../tensor/half.js";
import { formatShape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import type { F32 } from "../backend.js";

/** Throws unless `t` is a float32 Tensor; returns it typed. */
export function expectF32(op: string, name: string, t: unknown): F32 {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describe(t)}`);
  if (t.dtype !== "float32") {
    throw new TypeError(`${op}: ${name} must be float32, got ${t.dtype} ${formatShape(t.shape)}`);
  }
  return t as F32;
}

/** Throws unless `t` is a float32, float16 or bfloat16 Tensor; returns it widened exactly to float32 (R11). */
export function expectWeight(op: string, name: string, t: unknown): F32 {
  if (t instanceof Tensor && (t.dtype === "float16" || t.dtype === "bfloat16")) {
    return widenToFloat32(t as Tensor<"float16" | "bfloat16">);
  }
  if (t instanceof Tensor && t.dtype !== "float32") {
    throw new TypeError(`${op}: ${name} must be float32, float16 or bfloat16, got ${t.dtype} ${formatShape(t.shape)}`);
  }
  return expectF32(op, name, t);
}

/** Throws unless `t` has exactly `ndim` dimensions. */
export function expectRank(op: string, name: string, t: F32, ndim: number, layout: string): void {
  if (t.shape.length !== ndim) {
    throw new RangeError(`${op}: ${name} must be ${ndim}-D ${layout}, got ${formatShape(t.shape)}`);
  }
}

export function expectPositiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw new RangeError(`${op}: ${name} must be a positive integer, got ${describe(v)}`);
  }
  return v;
}

export function expectNonNegativeInt(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${describe(v)}`);
  }
  return v;
}

export function expectFiniteNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new RangeError(`${op}: ${name} must be a finite number, got ${describe(v)}`);
  }
  return v;
}

/** Resolves a possibly negative axis (−1 = last) against `ndim`. */
export function normalizeAxis(op: string, axis: unknown, ndim: number, shape: readonly number[]): number {
  if (typeof axis !== "number" || !Number.isSafeInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${op}: axis ${describe(axis)} is out of range for a tensor of shape ${formatShape(shape)}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function describe(v: unknown): string {
  if (v instanceof Tensor) return v.toString();
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(describe).join(", ")}]`;
  return typeof v;
}

export { formatShape };
