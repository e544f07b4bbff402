// torch.linalg.solve(A, b) for the tiny float32 systems of UniPC, as PyTorch 1.13 runs it on the CPU:
// for a contiguous A it LU-factorises A^T (LAPACK getrf, partial pivoting, reciprocal pivot scaling) and
// solves with the transposed factors (getrs with trans = 'T': division by the diagonal, sums in index
// order, nothing fused). Verified bit-exact against torch for UniPC's 2x2 systems.
import { f32 } from "./tensor-ops.js";

export function solveF32(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  if (a.length !== n || a.some((row) => row.length !== n)) throw new RangeError("solveF32: A must be n x n");
  // m = A^T, factorised in place: m[p] = L U with row swaps piv.
  const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f32(a[j][i])));
  const piv = new Array<number>(n).fill(0);
  for (let j = 0; j < n; j++) {
    let p = j;
    for (let i = j + 1; i < n; i++) if (Math.abs(m[i][j]) > Math.abs(m[p][j])) p = i;
    piv[j] = p;
    if (p !== j) [m[j], m[p]] = [m[p], m[j]];
    const pivot = m[j][j];
    if (pivot === 0) throw new RangeError("solveF32: matrix is singular");
    const inv = f32(1 / pivot);
    for (let i = j + 1; i < n; i++) m[i][j] = f32(m[i][j] * inv);
    for (let i = j + 1; i < n; i++) {
      for (let k = j + 1; k < n; k++) m[i][k] = f32(m[i][k] - f32(m[i][j] * m[j][k]));
    }
  }
  // A x = b  <=>  U^T L^T (P x) = b.
  const z = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let t = f32(b[i]);
    for (let k = 0; k < i; k++) t = f32(t - f32(m[k][i] * z[k]));
    z[i] = f32(t / m[i][i]);
  }
  const w = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let t = z[i];
    for (let k = i + 1; k < n; k++) t = f32(t - f32(m[k][i] * w[k]));
    w[i] = t;
  }
  for (let j = n - 1; j >= 0; j--) {
    const p = piv[j];
    if (p !== j) [w[j], w[p]] = [w[p], w[j]];
  }
  return w;
}
