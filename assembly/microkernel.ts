// The 4x8 GEMM micro-kernel shared by the general GEMM (index.ts) and the fused attention (attention.ts).

/**
 * C[4x8] (+)= A-panel · B-panel over kc steps. `init`: continue from the float32 values in C (a later K
 * block), else start from +0. Bias pointers are non-zero only on the last K block; biases live in padded
 * buffers so reading a whole row/column group never leaves them.
 *
 * The panels arrive as base + offset and the pointers are summed here on purpose: V8 then knows the loop's
 * address registers are zero-extended 32-bit values and uses them directly, whereas pointers passed in
 * as parameters cost a zero-extending move per load stream per k step. The k loop is issue-bound (6
 * loads, 8 mul, 8 add), so those two moves cost ~17% (measured 52 vs 63 GFLOP/s on an L1-resident
 * panel pair, Zen 4). Unrolling k does not help: V8 hoists every load of the unrolled steps above the
 * arithmetic and spills accumulators; likewise a 5x8 tile (17 live vectors > 15 allocatable).
 */
export function kernel(
  aBase: usize,
  aOff: usize,
  bBase: usize,
  bOff: usize,
  kc: i32,
  c: usize,
  ldc: usize,
  init: bool,
  biasRow: usize,
  biasCol: usize,
): void {
  let a = aBase + aOff;
  let b = bBase + bOff;
  const aEnd = a + ((<usize>kc) << 4);
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  let x00 = f32x4.splat(0);
  let x01 = f32x4.splat(0);
  let x10 = f32x4.splat(0);
  let x11 = f32x4.splat(0);
  let x20 = f32x4.splat(0);
  let x21 = f32x4.splat(0);
  let x30 = f32x4.splat(0);
  let x31 = f32x4.splat(0);
  if (init) {
    x00 = v128.load(c);
    x01 = v128.load(c, 16);
    x10 = v128.load(c1);
    x11 = v128.load(c1, 16);
    x20 = v128.load(c2);
    x21 = v128.load(c2, 16);
    x30 = v128.load(c3);
    x31 = v128.load(c3, 16);
  }
  // != rather than <: a panel ending at the 4 GiB top of memory wraps aEnd to 0.
  while (a != aEnd) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    x00 = f32x4.add(x00, f32x4.mul(av, b0));
    x01 = f32x4.add(x01, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 4);
    x10 = f32x4.add(x10, f32x4.mul(av, b0));
    x11 = f32x4.add(x11, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 8);
    x20 = f32x4.add(x20, f32x4.mul(av, b0));
    x21 = f32x4.add(x21, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 12);
    x30 = f32x4.add(x30, f32x4.mul(av, b0));
    x31 = f32x4.add(x31, f32x4.mul(av, b1));
    a += 16;
    b += 32;
  }
  if (biasRow != 0) {
    let bv = v128.load32_splat(biasRow);
    x00 = f32x4.add(x00, bv);
    x01 = f32x4.add(x01, bv);
    bv = v128.load32_splat(biasRow, 4);
    x10 = f32x4.add(x10, bv);
    x11 = f32x4.add(x11, bv);
    bv = v128.load32_splat(biasRow, 8);
    x20 = f32x4.add(x20, bv);
    x21 = f32x4.add(x21, bv);
    bv = v128.load32_splat(biasRow, 12);
    x30 = f32x4.add(x30, bv);
    x31 = f32x4.add(x31, bv);
  }
  if (biasCol != 0) {
    const bv0 = v128.load(biasCol);
    const bv1 = v128.load(biasCol, 16);
    x00 = f32x4.add(x00, bv0);
    x01 = f32x4.add(x01, bv1);
    x10 = f32x4.add(x10, bv0);
    x11 = f32x4.add(x11, bv1);
    x20 = f32x4.add(x20, bv0);
    x21 = f32x4.add(x21, bv1);
    x30 = f32x4.add(x30, bv0);
    x31 = f32x4.add(x31, bv1);
  }
  v128.store(c, x00);
  v128.store(c, x01, 16);
  v128.store(c1, x10);
  v128.store(c1, x11, 16);
  v128.store(c2, x20);
  v128.store(c2, x21, 16);
  v128.store(c3, x30);
  v128.store(c3, x31, 16);
}
