// Per-op accuracy study for docs/NUMERICS.md, reprodiff side: runs the reference backend on the inputs
// written by scripts/accuracy-torch.py and prints, per op, max |Δ| against the float64 computation for
// reprodiff and for torch 1.13.1 (float32), plus how often each matches the float64 result rounded to
// float32. Usage: /usr/bin/python3 scripts/accuracy-torch.py /tmp/acc && npm run build &&
//                 node scripts/accuracy-ours.mjs /tmp/acc
import { readFileSync } from "node:fs";
import { referenceBackend as ref } from "../dist/src/engine/reference/index.js";
import { SafetensorsBuffer } from "../dist/src/io/safetensors.js";

const dir = process.argv[2] ?? "/tmp/acc";
const file = `${dir}/accuracy.safetensors`;
const st = SafetensorsBuffer.parse(readFileSync(file), file);
const t = (name) => st.tensor(name);

const ours = {
  conv3x3: () => ref.conv2d(t("conv.x"), t("conv.w"), t("conv.b"), { padding: 1 }),
  conv3x3s2: () => ref.conv2d(t("conv.x"), t("conv.w"), t("conv.b"), { stride: 2, padding: [0, 1, 0, 1] }),
  linear: () => ref.linear(t("linear.x"), t("linear.w"), t("linear.b")),
  matmul: () => ref.matmul(t("matmul.a"), t("matmul.b")),
  groupNorm: () => ref.groupNorm(t("norm.x"), 32, t("norm.w"), t("norm.b"), 1e-6),
  layerNorm: () => ref.layerNorm(t("ln.x"), t("ln.w"), t("ln.b"), 1e-5),
  softmax: () => ref.softmax(t("softmax.x")),
  attention: () => ref.attention(t("attn.q"), t("attn.k"), t("attn.v")),
  silu: () => ref.silu(t("act.x")),
  gelu: () => ref.gelu(t("act.x")),
  geluTanh: () => ref.geluTanh(t("act.x")),
  quickGelu: () => ref.quickGelu(t("act.x")),
  geglu: () => ref.geglu(t("geglu.x")),
  add: () => ref.add(t("elem.a"), t("elem.b")),
  mul: () => ref.mul(t("elem.a"), t("elem.b")),
  div: () => ref.div(t("elem.a"), t("elem.b")),
  affine: () => ref.affine(t("elem.a"), 0.18215, 0.5),
  avgPool2x2: () => ref.avgPool2x2(t("elem.a")),
  timestepEmbedding: () =>
    ref.timestepEmbedding(t("timestep.t").data, 320, { flipSinToCos: true, downscaleFreqShift: 0 }),
};

function stats(y, exact) {
  let maxAbs = 0;
  let maxRef = 0;
  let rounded = 0;
  for (let i = 0; i < exact.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(y[i] - exact[i]));
    maxRef = Math.max(maxRef, Math.abs(exact[i]));
    if (y[i] === Math.fround(exact[i])) rounded++;
  }
  return { maxAbs, rel: maxAbs / maxRef, pct: (100 * rounded) / exact.length };
}

const fmt = (v) => v.toExponential(2);
console.log(
  "| op | max abs(y64) | reprodiff max abs err | torch max abs err | reprodiff = f32(y64) | torch = f32(y64) | max abs(reprodiff − torch) |",
);
console.log("|---|---|---|---|---|---|---|");
for (const [name, run] of Object.entries(ours)) {
  const exact = t(`${name}.f64`).data;
  const y = run().data;
  const torch = t(`${name}.torch`).data;
  const a = stats(y, exact);
  const b = stats(torch, exact);
  const vsTorch = stats(y, torch);
  let maxRef = 0;
  for (const v of exact) maxRef = Math.max(maxRef, Math.abs(v));
  console.log(
    `| ${name} | ${maxRef.toPrecision(3)} | ${fmt(a.maxAbs)} | ${fmt(b.maxAbs)} | ${a.pct.toFixed(1)}% | ${b.pct.toFixed(1)}% | ${fmt(vsTorch.maxAbs)} |`,
  );
}
