import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceBackend as ref } from "../../src/engine/reference/index.js";
import { exp } from "../../src/math/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { assertClose, assertSameBits, mulberry32, randomTensor } from "./reference-helpers.js";

const fround = Math.fround;

/** §R3 written per (query, key) from indices, plus a float64 attention for closeness. */
function naiveAttention(
  q: Tensor<"float32">,
  k: Tensor<"float32">,
  v: Tensor<"float32">,
  scale: number,
  causal: boolean,
) {
  const [b, h, lq, d] = q.shape;
  const lk = k.shape[2];
  const dv = v.shape[3];
  const out = new Float32Array(b * h * lq * dv);
  const exact = new Float64Array(out.length);
  for (let bh = 0; bh < b * h; bh++)
    for (let i = 0; i < lq; i++) {
      const s: number[] = [];
      const s64: number[] = [];
      for (let j = 0; j < lk; j++) {
        let acc = 0;
        let e = 0;
        for (let t = 0; t < d; t++) {
          const p = q.data[(bh * lq + i) * d + t] * k.data[(bh * lk + j) * d + t];
          acc = fround(acc + fround(p));
          e += p;
        }
        const masked = causal && j > i;
        s.push(masked ? Number.NEGATIVE_INFINITY : fround(acc * scale));
        s64.push(masked ? Number.NEGATIVE_INFINITY : e * scale);
      }
      const m = Math.max(...s);
      const ex = s.map((x) => exp(x - m));
      const sum = ex.reduce((p, x) => p + x, 0);
      const probs = ex.map((x) => fround(x / sum));
      const m64 = Math.max(...s64);
      const ex64 = s64.map((x) => Math.exp(x - m64));
      const sum64 = ex64.reduce((p, x) => p + x, 0);
      for (let t = 0; t < dv; t++) {
        let acc = 0;
        let e = 0;
        for (let j = 0; j < lk; j++) {
          const vv = v.data[(bh * lk + j) * dv + t];
          acc = fround(acc + fround(probs[j] * vv));
          e += (ex64[j] / sum64) * vv;
        }
        out[(bh * lq + i) * dv + t] = acc;
        exact[(bh * lq + i) * dv + t] = e;
      }
    }
  return { out, exact };
}

for (const [shape, lk, dv, causal, scale] of [
  [[1, 1, 1, 1], 1, 1, false, undefined],
  [[2, 3, 5, 8], 7, 8, false, undefined],
  [[1, 2, 6, 16], 6, 4, true, undefined],
  [[1, 4, 9, 40], 77, 40, false, 0.125],
  [[1, 1, 4, 3], 6, 5, true, 2],
] as [number[], number, number, boolean, number | undefined][]) {
  test(`attention q ${shape}, Lk ${lk}, Dv ${dv}${causal ? ", causal" : ""}: bits of §R3, close to float64`, () => {
    const rand = mulberry32(shape.reduce((p, d) => p * 17 + d, lk));
    const [b, h, , d] = shape;
    const q = randomTensor(rand, shape, -2, 2);
    const k = randomTensor(rand, [b, h, lk, d], -2, 2);
    const v = randomTensor(rand, [b, h, lk, dv]);
    const y = ref.attention(q, k, v, { causal, scale });
    const s = fround(scale ?? 1 / Math.sqrt(d));
    const want = naiveAttention(q, k, v, s, causal);
    assertSameBits(y.data, want.out, "attention");
    assertClose(y.data, want.exact, null, 0, (d + lk) * 2 ** -22, "attention");
  });
}

test("attention: the default scale is f32(1/sqrt(D)) and shape errors name the tensors", () => {
  const rand = mulberry32(3);
  const q = randomTensor(rand, [1, 1, 2, 6]);
  const k = randomTensor(rand, [1, 1, 3, 6]);
  const v = randomTensor(rand, [1, 1, 3, 2]);
  assertSameBits(ref.attention(q, k, v).data, ref.attention(q, k, v, { scale: 1 / Math.sqrt(6) }).data, "scale");
  assert.throws(() => ref.attention(q, Tensor.zeros([1, 1, 3, 5]), v), /attention: k \[1, 1, 3, 5\].*q \[1, 1, 2, 6\]/);
  assert.throws(() => ref.attention(q, k, Tensor.zeros([1, 1, 4, 2])), /attention: v \[1, 1, 4, 2\].*k \[1, 1, 3, 6\]/);
  assert.throws(() => ref.attention(Tensor.zeros([2, 6]), k, v), /attention: q must be 4-D/);
});
