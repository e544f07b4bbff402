// Small-layer checks that do not need a golden model: parameter naming/aliases, shape validation,
// nearest resizing to an explicit size, and timestep broadcasting.

import assert from "node:assert/strict";
import { test } from "node:test";
import { timestepsForBatch } from "../../src/models/embeddings.js";
import { Attention } from "../../src/nn/attention.js";
import { FeedForward } from "../../src/nn/feedforward.js";
import { Embedding, GroupNorm } from "../../src/nn/layers.js";
import { ParamBuilder, ParamStore } from "../../src/nn/param.js";
import { upsampleNearestTo } from "../../src/nn/resize.js";
import { Tensor } from "../../src/tensor/tensor.js";

test("Attention registers Diffusers' names, with legacy aliases only for deprecated blocks", () => {
  const store = new ParamStore();
  new Attention(new ParamBuilder(store, "mid_block.attentions.0"), {
    queryDim: 8,
    heads: 2,
    dimHead: 4,
    bias: true,
    normNumGroups: 2,
    residualConnection: true,
    fromDeprecatedAttnBlock: true,
  });
  const byName = new Map([...store.params.values()].map((p) => [p.name, p.aliases]));
  assert.deepEqual(byName.get("mid_block.attentions.0.to_q.weight"), ["mid_block.attentions.0.query.weight"]);
  assert.deepEqual(byName.get("mid_block.attentions.0.to_v.bias"), ["mid_block.attentions.0.value.bias"]);
  assert.deepEqual(byName.get("mid_block.attentions.0.to_out.0.weight"), ["mid_block.attentions.0.proj_attn.weight"]);
  assert.deepEqual(byName.get("mid_block.attentions.0.group_norm.weight"), []);

  const plain = new ParamStore();
  new Attention(new ParamBuilder(plain, "attn1"), { queryDim: 8, crossAttentionDim: 6, heads: 2, dimHead: 4 });
  assert.deepEqual(
    [...plain.params.values()].map((p) => `${p.name} [${p.shape.join(",")}]`),
    [
      "attn1.to_q.weight [8,8]",
      "attn1.to_k.weight [8,6]",
      "attn1.to_v.weight [8,6]",
      "attn1.to_out.0.weight [8,8]",
      "attn1.to_out.0.bias [8]",
    ],
  );
});

test("FeedForward names and sizes follow Diffusers (GEGLU doubles the projection)", () => {
  const store = new ParamStore();
  new FeedForward(new ParamBuilder(store, "ff"), 8, { activationFn: "geglu" });
  assert.deepEqual(
    [...store.params.values()].map((p) => `${p.name} [${p.shape.join(",")}]`),
    ["ff.net.0.proj.weight [64,8]", "ff.net.0.proj.bias [64]", "ff.net.2.weight [8,32]", "ff.net.2.bias [8]"],
  );
  assert.throws(
    () => new FeedForward(new ParamBuilder(new ParamStore(), "ff"), 8, { activationFn: "swiglu" }),
    /activation_fn "swiglu" is not supported; supported: geglu/,
  );
});

test("a parameter refuses a tensor of the wrong shape or dtype, naming itself", () => {
  const norm = new GroupNorm(new ParamBuilder(new ParamStore(), "norm"), 2, 4, 1e-5);
  assert.throws(() => norm.weight!.set(Tensor.zeros([5])), /parameter norm\.weight: expected shape \[4\], got \[5\]/);
  assert.throws(() => norm.weight!.value, /norm\.weight has not been loaded/);
  assert.throws(
    () => new GroupNorm(new ParamBuilder(new ParamStore(), "n"), 3, 4, 1e-5),
    /4 channels cannot be split into 3 groups/,
  );
});

test("Embedding looks rows up exactly and rejects out-of-range indices", () => {
  const emb = new Embedding(new ParamBuilder(new ParamStore(), "class_embedding"), 3, 2);
  emb.weight.set(Tensor.from(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]));
  assert.deepEqual([...emb.forward([2, 0]).data], [5, 6, 1, 2]);
  assert.throws(() => emb.forward([3]), /embedding index 3 is out of range \[0, 3\)/);
});

test("upsampleNearestTo picks source pixels like torch's nearest with an explicit size", () => {
  const x = Tensor.from(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8]), [1, 1, 3, 3]);
  // torch.nn.functional.interpolate(x, size=(5, 4), mode="nearest"): rows [0,0,1,1,2], cols [0,0,1,2]
  const y = upsampleNearestTo(x, 5, 4);
  assert.deepEqual(y.shape, [1, 1, 5, 4]);
  assert.deepEqual([...y.data], [0, 0, 1, 2, 0, 0, 1, 2, 3, 3, 4, 5, 3, 3, 4, 5, 6, 6, 7, 8]);
});

test("timesteps broadcast to the batch and become float32 as in Diffusers", () => {
  assert.deepEqual([...timestepsForBatch(10, 3, true)], [10, 10, 10]);
  // UNet2DModel turns a Python number into torch.long: 10.7 → 10.
  assert.deepEqual([...timestepsForBatch(10.7, 1, true)], [10]);
  assert.deepEqual([...timestepsForBatch(0.1, 1, false)], [Math.fround(0.1)]);
  assert.deepEqual([...timestepsForBatch(Tensor.from(new BigInt64Array([10n, 500n]), [2]), 2, true)], [10, 500]);
  assert.deepEqual([...timestepsForBatch(Tensor.from(new Float32Array([7]), []), 2, true)], [7, 7]);
  assert.throws(
    () => timestepsForBatch(Tensor.from(new Float32Array([1, 2]), [2]), 3, true),
    /got 2 timesteps for a batch of 3/,
  );
  assert.throws(() => timestepsForBatch(Number.NaN, 1, true), /finite/);
});

test("conv/linear/embedding weights may be stored half; other parameters only float32", () => {
  const store = new ParamStore();
  const vb = new ParamBuilder(store, "m");
  const emb = new Embedding(vb.pp("emb"), 3, 2);
  const norm = new GroupNorm(vb.pp("norm"), 1, 2, 1e-5);
  assert.equal(emb.weight.keepsHalf, true);
  // Rows 0..2 = [1, -2], [0.5, 65504], [-0, 2^-24] as float16 bits.
  const bits = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff, 0x8000, 0x0001]);
  emb.weight.set(Tensor.from(bits, [3, 2], "float16"));
  assert.equal(emb.weight.stored.dtype, "float16");
  assert.deepEqual([...emb.weight.value.data], [1, -2, 0.5, 65504, -0, 2 ** -24], "value widens exactly");
  assert.deepEqual([...emb.forward([2, 0, 1]).data], [-0, 2 ** -24, 1, -2, 0.5, 65504]);
  assert.throws(
    () => norm.weight!.set(Tensor.from(Uint16Array.from([0x3c00, 0x3c00]), [2], "float16")),
    /parameter m\.norm\.weight: expected a float32 tensor, got float16/,
  );
  assert.throws(
    () => emb.weight.set(Tensor.from(new Float64Array(6), [3, 2]) as never),
    /parameter m\.emb\.weight: expected a float32 tensor \(or float16\/bfloat16\), got float64/,
  );
});
