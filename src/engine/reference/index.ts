// The reference backend: plain TypeScript scalar loops that define reprodiff's numerics (docs/NUMERICS.md).
// Every other backend must return the same bits as this one for every input and thread count.
import type { Backend } from "../backend.js";
import { geglu, gelu, geluTanh, quickGelu, silu } from "./activation.js";
import { attention } from "./attention.js";
import { conv2d } from "./conv.js";
import { linear, matmul } from "./dense.js";
import { add, affine, div, mul, sub } from "./elementwise.js";
import { avgPool2x2, concat, narrow, permute, upsampleNearest2x } from "./layout.js";
import { groupNorm, layerNorm } from "./norm.js";
import { softmax } from "./softmax.js";
import { timestepEmbedding } from "./timestep.js";

export { geluScalar, geluTanhScalar, quickGeluScalar, siluScalar } from "./activation.js";
export { attentionScale } from "./attention.js";
export { broadcastShapes } from "./elementwise.js";
export { timestepFrequencies } from "./timestep.js";

export class ReferenceBackend implements Backend {
  readonly name: string = "reference";
  conv2d = conv2d;
  linear = linear;
  matmul = matmul;
  groupNorm = groupNorm;
  layerNorm = layerNorm;
  softmax = softmax;
  attention = attention;
  silu = silu;
  gelu = gelu;
  geluTanh = geluTanh;
  quickGelu = quickGelu;
  geglu = geglu;
  add = add;
  sub = sub;
  mul = mul;
  div = div;
  affine = affine;
  concat = concat;
  permute = permute;
  narrow = narrow;
  upsampleNearest2x = upsampleNearest2x;
  avgPool2x2 = avgPool2x2;
  timestepEmbedding = timestepEmbedding;
}

/** The shared instance registered as "reference". */
export const referenceBackend: Backend = new ReferenceBackend();
