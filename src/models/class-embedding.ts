// Class conditioning of UNet2DModel / UNet2DConditionModel: nn.Embedding (num_class_embeds with no
// class_embed_type), "timestep" (labels go through the time projection and their own TimestepEmbedding)
// and "identity" (labels are already embeddings).

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { Embedding } from "../nn/layers.js";
import type { ParamBuilder } from "../nn/param.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ModelConfig } from "./config.js";
import { TimestepEmbedding } from "./embeddings.js";

export const CLASS_EMBED_TYPES = [null, "timestep", "identity"] as const;

/** Labels: int64/float indices [N] (embedding, timestep) or float32 embeddings [N, D] (identity). */
export type ClassLabels = Tensor;

interface TimeProjection {
  forward(timesteps: Float32Array): F32;
}

export class ClassEmbedding {
  private constructor(
    readonly kind: "embedding" | "timestep" | "identity",
    readonly layer: Embedding | TimestepEmbedding | null,
    readonly dim: number,
  ) {}

  /** null when the config has no class conditioning. */
  static create(
    vb: ParamBuilder,
    config: ModelConfig,
    timestepInputDim: number,
    timeEmbedDim: number,
    actFn: string,
  ): ClassEmbedding | null {
    const type = config.class_embed_type;
    const num = config.num_class_embeds;
    if (type === null && typeof num === "number") {
      return new ClassEmbedding("embedding", new Embedding(vb, num, timeEmbedDim), timeEmbedDim);
    }
    if (type === "timestep") {
      return new ClassEmbedding(
        "timestep",
        new TimestepEmbedding(vb, timestepInputDim, timeEmbedDim, { actFn }),
        timeEmbedDim,
      );
    }
    if (type === "identity") return new ClassEmbedding("identity", null, timeEmbedDim);
    return null;
  }

  forward(labels: ClassLabels | undefined, batch: number, timeProj: TimeProjection): F32 {
    if (labels === undefined) throw new RangeError("classLabels must be given: the model has a class embedding");
    if (this.kind === "identity") {
      if (labels.dtype !== "float32" || labels.shape.length !== 2 || labels.shape[0] !== batch) {
        throw new RangeError(`identity class embedding expects float32 labels [${batch}, ${this.dim}]`);
      }
      return labels as F32;
    }
    if (labels.shape.length !== 1 || labels.shape[0] !== batch) {
      throw new RangeError(`class labels must have shape [${batch}], got [${labels.shape.join(", ")}]`);
    }
    const values = Array.from(labels.data as ArrayLike<number | bigint>, (v) => Number(v));
    if (this.kind === "embedding") return (this.layer as Embedding).forward(values);
    return (this.layer as TimestepEmbedding).forward(timeProj.forward(Float32Array.from(values)));
  }
}

/** emb + class_emb, or (class_embeddings_concat) their concatenation along features. */
export function combineClassEmbedding(emb: F32, classEmb: F32, concat: boolean): F32 {
  return concat ? ops.concat([emb, classEmb], 1) : ops.add(emb, classEmb);
}
