// Elementwise activations (docs/NUMERICS.md R6) over float32 arrays: each is the reference's float64
// formula, evaluated left to right with the same exp, and rounded once to float32. Two elements per f64x2.

import { exp64, exp64x2 } from "./exp";

function word(d: usize, i: i32): i32 {
  return load<i32>(d + ((<usize>i) << 2));
}

const ACT_SILU: i32 = 1;
const ACT_QUICK_GELU: i32 = 2;

/** silu(x) = x / (1 + exp(−x)); quickGelu(x) = x / (1 + exp(−1.702·x)); two lanes of f64. */
function act2(op: i32, x: v128): v128 {
  const arg = op == ACT_SILU ? f64x2.neg(x) : f64x2.mul(f64x2.splat(-1.702), x);
  return f64x2.div(x, f64x2.add(f64x2.splat(1), exp64x2(arg)));
}

function act1(op: i32, x: f64): f64 {
  return op == ACT_SILU ? x / (1 + exp64(-x)) : x / (1 + exp64(-1.702 * x));
}

/**
 * Activation job over `count` floats src → dst (may alias), in chunks of `chunk` floats (a multiple of 4).
 * Fields: 1 counter, 2 count, 3 src, 4 dst, 5 op (1 silu, 2 quickGelu), 6 chunk.
 */
export function activationJob(d: usize): void {
  const counter = <usize>word(d, 1);
  const count = word(d, 2);
  const src = <usize>word(d, 3);
  const dst = <usize>word(d, 4);
  const op = word(d, 5);
  const chunk = word(d, 6);
  const chunks = (count + chunk - 1) / chunk;
  while (true) {
    const idx = atomic.add<i32>(counter, 1);
    if (idx >= chunks) break;
    const i1 = min(count, (idx + 1) * chunk);
    let i = idx * chunk;
    for (; i + 4 <= i1; i += 4) {
      const p = (<usize>i) << 2;
      const v = v128.load(src + p);
      const lo = f32x4.demote_f64x2_zero(act2(op, f64x2.promote_low_f32x4(v)));
      const hi = f32x4.demote_f64x2_zero(act2(op, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3))));
      v128.store(dst + p, v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
    }
    for (; i < i1; i++) {
      const p = (<usize>i) << 2;
      store<f32>(dst + p, <f32>act1(op, <f64>load<f32>(src + p)));
    }
  }
}
