// Broadcasting add/sub/mul/div (docs/NUMERICS.md R7): out = f32(a op b), one IEEE float32 operation per
// element. The JS side coalesces the broadcast into rows: element (r, i) of the output reads
// a[r·aRow + i·aInner] and b[r·bRow + i·bInner] with the inner strides 0 or 1.

function word(d: usize, i: i32): i32 {
  return load<i32>(d + ((<usize>i) << 2));
}

const OP_ADD: i32 = 0;
const OP_SUB: i32 = 1;
const OP_MUL: i32 = 2;

// @ts-ignore: decorator
@inline
function op4(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return f32x4.add(x, y);
  if (op == OP_SUB) return f32x4.sub(x, y);
  if (op == OP_MUL) return f32x4.mul(x, y);
  return f32x4.div(x, y);
}

// @ts-ignore: decorator
@inline
function op1(op: i32, x: f32, y: f32): f32 {
  if (op == OP_ADD) return x + y;
  if (op == OP_SUB) return x - y;
  if (op == OP_MUL) return x * y;
  return x / y;
}

/** len outputs at o from a (stride sa floats, 0 or 1) and b (stride sb). */
function segment(op: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, len: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= len; i += 4) {
      const p = (<usize>i) << 2;
      v128.store(o + p, op4(op, v128.load(a + p), v128.load(b + p)));
    }
  } else if (sa == 1) {
    const bv = v128.load32_splat(b);
    for (; i + 4 <= len; i += 4) {
      const p = (<usize>i) << 2;
      v128.store(o + p, op4(op, v128.load(a + p), bv));
    }
  } else if (sb == 1) {
    const av = v128.load32_splat(a);
    for (; i + 4 <= len; i += 4) {
      const p = (<usize>i) << 2;
      v128.store(o + p, op4(op, av, v128.load(b + p)));
    }
  }
  for (; i < len; i++) {
    store<f32>(o + ((<usize>i) << 2), op1(op, load<f32>(a + ((<usize>(i * sa)) << 2)), load<f32>(b + ((<usize>(i * sb)) << 2))));
  }
}

/**
 * Binary job over `total` outputs in rows of `inner`, claimed in chunks of `chunk` outputs.
 * Fields: 1 counter, 2 total, 3 inner, 4 a, 5 a row stride, 6 a inner stride, 7 b, 8 b row stride,
 * 9 b inner stride, 10 out, 11 op (0 add, 1 sub, 2 mul, 3 div), 12 chunk.
 */
export function binaryJob(d: usize): void {
  const counter = <usize>word(d, 1);
  const total = word(d, 2);
  const inner = word(d, 3);
  const a = <usize>word(d, 4);
  const aRow = word(d, 5);
  const aInner = word(d, 6);
  const b = <usize>word(d, 7);
  const bRow = word(d, 8);
  const bInner = word(d, 9);
  const out = <usize>word(d, 10);
  const op = word(d, 11);
  const chunk = word(d, 12);
  const chunks = (total + chunk - 1) / chunk;
  while (true) {
    const idx = atomic.add<i32>(counter, 1);
    if (idx >= chunks) break;
    const i1 = min(total, (idx + 1) * chunk);
    let i = idx * chunk;
    while (i < i1) {
      const r = i / inner;
      const c = i - r * inner;
      const len = min(inner - c, i1 - i);
      const pa = a + ((<usize>r * <usize>aRow + <usize>(c * aInner)) << 2);
      const pb = b + ((<usize>r * <usize>bRow + <usize>(c * bInner)) << 2);
      segment(op, pa, aInner, pb, bInner, out + ((<usize>i) << 2), len);
      i += len;
    }
  }
}
