// The two-level view of a broadcasting binary op that the wasm binary job runs (assembly/elementwise.ts).

/**
 * Output element (r, i) — flat index r·inner + i — reads a[r·aRow + i·aInner] and b[r·bRow + i·bInner];
 * the inner strides are 0 (broadcast) or 1.
 */
export interface BinaryPlan {
  shape: number[];
  total: number;
  inner: number;
  aRow: number;
  aInner: number;
  bRow: number;
  bInner: number;
}

/** Element strides of `shape` right-aligned to `nd` dimensions of `out` (0 where it broadcasts). */
function strides(shape: readonly number[], out: readonly number[]): number[] {
  const nd = out.length;
  const s = new Array<number>(nd).fill(0);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[nd - shape.length + i] = shape[i] === 1 ? 0 : step;
    step *= shape[i];
  }
  return s;
}

/**
 * Plans `a op b` under NumPy broadcasting: adjacent dimensions merge when both operands step through them
 * as one (contiguous or both broadcast), dimensions of size 1 drop out. Null when the shapes do not
 * broadcast or more than two levels remain (the caller then uses the reference path).
 */
export function planBinary(aShape: readonly number[], bShape: readonly number[]): BinaryPlan | null {
  const nd = Math.max(aShape.length, bShape.length);
  const shape = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = aShape[aShape.length - nd + i] ?? 1;
    const db = bShape[bShape.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    shape[i] = da === 1 ? db : da;
  }
  const sa = strides(aShape, shape);
  const sb = strides(bShape, shape);
  // Levels from the innermost out: [size, a stride, b stride].
  const levels: [number, number, number][] = [];
  for (let i = nd - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    const top = levels[levels.length - 1];
    if (top !== undefined && sa[i] === top[1] * top[0] && sb[i] === top[2] * top[0]) top[0] *= shape[i];
    else levels.push([shape[i], sa[i], sb[i]]);
  }
  if (levels.length > 2) return null;
  const total = shape.reduce((p, d) => p * d, 1);
  const [inner, aInner, bInner] = levels[0] ?? [1, 0, 0];
  const [, aRow, bRow] = levels[1] ?? [1, 0, 0];
  return { shape, total, inner, aRow, aInner, bRow, bInner };
}
