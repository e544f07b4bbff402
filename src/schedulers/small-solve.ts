// torch.linalg.solve(A, b) for the tiny float32 systems of UniPC, as PyTorch 1.13 runs it on the CPU with
// OpenBLAS. For a contiguous A (UniPC's corrector) torch LU-factorises A^T (getrf, partial pivoting) and
// solves with the transposed factors (getrs, trans = 'T'); for a non-contiguous view (the predictor's
// R[:-1, :-1]) it factorises A itself and solves with trans = 'N'. OpenBLAS's unblocked getf2 is
// left-looking: each column is updated with dot products (accumulated from zero, unfused) and then scaled by
// the reciprocal pivot; the triangular solves subtract one dot product per row and divide by the diagonal.
// Verified bit-exact against torch on UniPC's systems (2x2 both ways, 3x3 transposed).
import { f32 } from "./tensor-ops.js";

function dot(n: number, a: (k: number) => number, b: (k: number) => number, from = 0): number {
  let acc = 0;
  for (let k = from; k < n; k++) acc = f32(acc + f32(a(k) * b(k)));
  return acc;
}

export function solveF32(a: readonly (readonly number[])[], b: readonly number[], contiguous = true): number[] {
  const n = b.length;
  if (a.length !== n || a.some((row) => row.length !== n)) throw new RangeError("solveF32: A must be n x n");
  // m = A^T (or A), factorised in place into P m = L U.
  const m = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => f32(contiguous ? a[j][i] : a[i][j])),
  );
  const piv = new Array<number>(n).fill(0);
  for (let j = 0; j < n; j++) {
    for (let i = 1; i < j; i++) {
      m[i][j] = f32(
        m[i][j] -
          dot(
            i,
            (k) => m[i][k],
            (k) => m[k][j],
          ),
      );
    }
    for (let i = j; i < n && j > 0; i++) {
      m[i][j] = f32(
        m[i][j] -
          dot(
            j,
            (k) => m[i][k],
            (k) => m[k][j],
          ),
      );
    }
    let p = j;
    for (let i = j + 1; i < n; i++) if (Math.abs(m[i][j]) > Math.abs(m[p][j])) p = i;
    piv[j] = p;
    if (p !== j) [m[j], m[p]] = [m[p], m[j]];
    const pivot = m[j][j];
    if (pivot === 0) throw new RangeError("solveF32: matrix is singular");
    const inv = f32(1 / pivot);
    for (let i = j + 1; i < n; i++) m[i][j] = f32(m[i][j] * inv);
  }
  if (!contiguous) return solveFactored(m, piv, b);
  // A x = b  <=>  U^T L^T (P x) = b.
  const z = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const t =
      i === 0
        ? f32(b[0])
        : f32(
            f32(b[i]) -
              dot(
                i,
                (k) => m[k][i],
                (k) => z[k],
              ),
          );
    z[i] = f32(t / m[i][i]);
  }
  const w = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    w[i] =
      i === n - 1
        ? z[i]
        : f32(
            z[i] -
              dot(
                n,
                (k) => m[k][i],
                (k) => w[k],
                i + 1,
              ),
          );
  }
  for (let j = n - 1; j >= 0; j--) {
    const p = piv[j];
    if (p !== j) [w[j], w[p]] = [w[p], w[j]];
  }
  return w;
}

/** getrs with trans = 'N': P b, then L y = P b (unit lower), then U x = y. */
function solveFactored(m: number[][], piv: number[], b: readonly number[]): number[] {
  const n = b.length;
  const y = b.map((v) => f32(v));
  for (let j = 0; j < n; j++) {
    const p = piv[j];
    if (p !== j) [y[j], y[p]] = [y[p], y[j]];
  }
  for (let i = 1; i < n; i++) {
    y[i] = f32(
      y[i] -
        dot(
          i,
          (k) => m[i][k],
          (k) => y[k],
        ),
    );
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const t =
      i === n - 1
        ? y[i]
        : f32(
            y[i] -
              dot(
                n,
                (k) => m[i][k],
                (k) => x[k],
                i + 1,
              ),
          );
    x[i] = f32(t / m[i][i]);
  }
  return x;
}
