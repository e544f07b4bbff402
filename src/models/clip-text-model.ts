// CLIPTextModel (transformers): the text encoder of Stable Diffusion 1.x/2.x. Token + position embeddings,
// pre-LayerNorm transformer layers with causal self-attention, a final LayerNorm. Loaded from a `text_encoder/`
// folder (config.json of CLIPTextConfig, model.safetensors). Attention follows transformers' eager path:
// softmax(q·kᵀ·d^-½ + mask)·v, which is the engine's attention op (a masked key contributes exactly 0).

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { PickleCheckpointError, pickleRefusal } from "../io/pickle.js";
import { Embedding, LayerNorm, Linear } from "../nn/layers.js";
import type { ParamBuilder } from "../nn/param.js";
import { Tensor } from "../tensor/tensor.js";
import { ConfigError, type ConfigSchema, field, floatField, resolveConfig } from "./config.js";
import type { PretrainedOptions } from "./folder.js";
import { addVariant, ModelFolderError, readModelConfig } from "./folder.js";
import { checkDtype, DiffusersModel, resolveFolder } from "./model.js";
import type { ModelSource } from "./source.js";

/** transformers' CLIPTextConfig defaults (keys missing from config.json take these). */
export const CLIP_TEXT_CONFIG_SCHEMA: ConfigSchema = {
  vocab_size: field(49408, "int"),
  hidden_size: field(512, "int"),
  intermediate_size: field(2048, "int"),
  projection_dim: field(512, "int"),
  num_hidden_layers: field(12, "int"),
  num_attention_heads: field(8, "int"),
  max_position_embeddings: field(77, "int"),
  hidden_act: field("quick_gelu", "string"),
  layer_norm_eps: floatField(1e-5, "number"),
  attention_dropout: floatField(0, "number"),
  initializer_range: floatField(0.02, "number"),
  initializer_factor: floatField(1, "number"),
  pad_token_id: field(1, "int", "null"),
  bos_token_id: field(49406, "int", "null"),
  eos_token_id: field(49407, "int", "null"),
};

// transformers' ACT2FN names the CLIP configs use. gelu_new is the tanh formula written out in Python ops;
// the engine's geluTanh computes the same function with torch's fused rounding (differences of an ulp or so).
const CLIP_ACTIVATIONS: Readonly<Record<string, (x: F32) => F32>> = {
  quick_gelu: (x) => ops.quickGelu(x),
  gelu: (x) => ops.gelu(x),
  gelu_pytorch_tanh: (x) => ops.geluTanh(x),
  gelu_new: (x) => ops.geluTanh(x),
};

export interface CLIPTextModelOutput {
  /** final_layer_norm(last layer) [B, L, hidden]. */
  lastHiddenState: F32;
  /** Embedding at the end-of-text position [B, hidden] (transformers' pooler_output). */
  poolerOutput: F32;
  /** [embeddings, after layer 1, …, after layer N] (the last is before final_layer_norm), each [B, L, hidden]. */
  hiddenStates: F32[];
}

export interface CLIPTextForwardOptions {
  /** [B, L] of 1 (attend) / 0 (padding). Only right padding is supported (what tokenizers produce). */
  attentionMask?: readonly (readonly number[])[];
}

class CLIPAttention {
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly outProj: Linear;

  constructor(
    vb: ParamBuilder,
    readonly dim: number,
    readonly heads: number,
  ) {
    this.qProj = new Linear(vb.pp("q_proj"), dim, dim);
    this.kProj = new Linear(vb.pp("k_proj"), dim, dim);
    this.vProj = new Linear(vb.pp("v_proj"), dim, dim);
    this.outProj = new Linear(vb.pp("out_proj"), dim, dim);
  }

  private split(x: F32): F32 {
    const [b, l] = x.shape;
    return ops.permute(x.reshape([b, l, this.heads, this.dim / this.heads]), [0, 2, 1, 3]);
  }

  /** x [B, L, D]; `lengths[b]` = unpadded length of row b (L when unmasked). */
  forward(x: F32, lengths: readonly number[]): F32 {
    const [b, l] = x.shape;
    const q = this.split(this.qProj.forward(x));
    const k = this.split(this.kProj.forward(x));
    const v = this.split(this.vProj.forward(x));
    let attended: F32;
    if (lengths.every((n) => n === l)) {
      attended = ops.attention(q, k, v, { causal: true });
    } else {
      // Causal + padding mask: query i sees keys 0..min(i, n-1). Rows inside the prompt are plain causal
      // attention over the first n keys; padding rows all see exactly those n keys.
      const rows: F32[] = [];
      for (let i = 0; i < b; i++) {
        const n = lengths[i];
        const kq = ops.narrow(ops.narrow(k, 0, i, 1), 2, 0, n);
        const vq = ops.narrow(ops.narrow(v, 0, i, 1), 2, 0, n);
        const qi = ops.narrow(q, 0, i, 1);
        const parts = [ops.attention(ops.narrow(qi, 2, 0, n), kq, vq, { causal: true })];
        if (n < l) parts.push(ops.attention(ops.narrow(qi, 2, n, l - n), kq, vq));
        rows.push(parts.length === 1 ? parts[0] : ops.concat(parts, 2));
      }
      attended = rows.length === 1 ? rows[0] : ops.concat(rows, 0);
    }
    const merged = ops.permute(attended, [0, 2, 1, 3]).reshape([b, l, this.dim]);
    return this.outProj.forward(merged);
  }
}

class CLIPEncoderLayer {
  readonly layerNorm1: LayerNorm;
  readonly selfAttn: CLIPAttention;
  readonly layerNorm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(
    vb: ParamBuilder,
    dim: number,
    heads: number,
    intermediate: number,
    eps: number,
    private readonly act: (x: F32) => F32,
  ) {
    this.selfAttn = new CLIPAttention(vb.pp("self_attn"), dim, heads);
    this.layerNorm1 = new LayerNorm(vb.pp("layer_norm1"), dim, eps);
    this.fc1 = new Linear(vb.pp("mlp").pp("fc1"), dim, intermediate);
    this.fc2 = new Linear(vb.pp("mlp").pp("fc2"), intermediate, dim);
    this.layerNorm2 = new LayerNorm(vb.pp("layer_norm2"), dim, eps);
  }

  forward(x: F32, lengths: readonly number[]): F32 {
    const h = ops.add(x, this.selfAttn.forward(this.layerNorm1.forward(x), lengths));
    return ops.add(h, this.fc2.forward(this.act(this.fc1.forward(this.layerNorm2.forward(h)))));
  }
}

export class CLIPTextModel extends DiffusersModel {
  static readonly className = "CLIPTextModel";
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: Embedding;
  readonly layers: CLIPEncoderLayer[] = [];
  readonly finalLayerNorm: LayerNorm;
  readonly hiddenSize: number;
  readonly maxPositionEmbeddings: number;
  private readonly eosTokenId: number | null;

  constructor(rawConfig: unknown, source = "CLIPTextModel config") {
    const config = resolveConfig(CLIPTextModel.className, rawConfig, CLIP_TEXT_CONFIG_SCHEMA, source);
    super(config);
    const c = config as Record<string, never>;
    const dim: number = c.hidden_size;
    const heads: number = c.num_attention_heads;
    for (const key of ["vocab_size", "hidden_size", "intermediate_size", "num_attention_heads"] as const) {
      if ((c[key] as number) <= 0) throw new ConfigError(`${source}: ${key} must be positive, got ${c[key]}`);
    }
    if (dim % heads !== 0) {
      throw new ConfigError(`${source}: hidden_size ${dim} is not divisible by num_attention_heads ${heads}`);
    }
    const act = CLIP_ACTIVATIONS[c.hidden_act as string];
    if (act === undefined) {
      throw new ConfigError(
        `${source}: unsupported hidden_act ${JSON.stringify(c.hidden_act)}; supported: ${Object.keys(CLIP_ACTIVATIONS).join(", ")}`,
      );
    }
    this.hiddenSize = dim;
    this.maxPositionEmbeddings = c.max_position_embeddings;
    this.eosTokenId = c.eos_token_id;
    const vb = this.root.pp("text_model");
    const emb = vb.pp("embeddings");
    this.tokenEmbedding = new Embedding(emb.pp("token_embedding"), c.vocab_size, dim);
    this.positionEmbedding = new Embedding(emb.pp("position_embedding"), c.max_position_embeddings, dim);
    const eps: number = c.layer_norm_eps;
    for (let i = 0; i < (c.num_hidden_layers as number); i++) {
      this.layers.push(
        new CLIPEncoderLayer(vb.pp("encoder").pp("layers").pp(i), dim, heads, c.intermediate_size, eps, act),
      );
    }
    this.finalLayerNorm = new LayerNorm(vb.pp("final_layer_norm"), dim, eps);
  }

  /**
   * Loads `model[.variant].safetensors` and config.json from a `text_encoder/` folder (transformers' file
   * names; a pickle `pytorch_model.bin` is refused, never executed).
   */
  static async fromPretrained(location: ModelSource, options: PretrainedOptions = {}): Promise<CLIPTextModel> {
    checkDtype(options);
    const dir = options.subfolder === undefined || options.subfolder === "" ? "" : `${options.subfolder}/`;
    const folder = await resolveFolder(location, {}, `${dir}config.json`);
    const raw = await readModelConfig(folder, options);
    const model = new CLIPTextModel(raw, `${folder.location}/${dir}config.json`);
    const file = `${dir}${addVariant("model.safetensors", options.variant)}`;
    if (!(await folder.exists(file))) {
      const pickle = `${dir}${addVariant("pytorch_model.bin", options.variant)}`;
      if (await folder.exists(pickle)) throw new PickleCheckpointError(pickleRefusal(`${folder.location}/${pickle}`));
      throw new ModelFolderError(`${folder.location}/${file}: not found (CLIPTextModel weights)`);
    }
    const weights = await folder.openWeights([file]);
    try {
      await model.loadWeights(weights);
    } finally {
      await weights.close?.();
    }
    // Older transformers saved the position_ids buffer; it is not a weight.
    model.unusedWeights = model.unusedWeights.filter((k) => k !== "text_model.embeddings.position_ids");
    return model;
  }

  /** inputIds [B][L] (all rows the same length, L <= max_position_embeddings). */
  async forward(
    inputIds: readonly (readonly number[])[],
    options: CLIPTextForwardOptions = {},
  ): Promise<CLIPTextModelOutput> {
    const b = inputIds.length;
    if (b === 0) throw new RangeError("CLIPTextModel.forward: inputIds is empty");
    const l = inputIds[0].length;
    if (l === 0 || inputIds.some((row) => row.length !== l)) {
      throw new RangeError("CLIPTextModel.forward: every row of inputIds must have the same, non-zero length");
    }
    if (l > this.maxPositionEmbeddings) {
      throw new RangeError(
        `CLIPTextModel.forward: sequence length ${l} exceeds max_position_embeddings ${this.maxPositionEmbeddings} (truncate the prompt to ${this.maxPositionEmbeddings} tokens)`,
      );
    }
    const lengths = inputIds.map((_, i) => {
      const mask = options.attentionMask?.[i];
      if (mask === undefined) return l;
      if (mask.length !== l)
        throw new RangeError(`CLIPTextModel.forward: attentionMask row ${i} has length ${mask.length}, expected ${l}`);
      const n = mask.indexOf(0) === -1 ? l : mask.indexOf(0);
      if (n === 0 || mask.some((m, j) => m !== (j < n ? 1 : 0))) {
        throw new RangeError(
          `CLIPTextModel.forward: attentionMask row ${i} must be 1s followed by 0s (right padding, first token unmasked)`,
        );
      }
      return n;
    });
    const flat = inputIds.flat();
    const tokens = this.tokenEmbedding.forward(flat).reshape([b, l, this.hiddenSize]);
    const positions = this.positionEmbedding
      .forward(Array.from({ length: l }, (_, i) => i))
      .reshape([1, l, this.hiddenSize]);
    let h = ops.add(tokens, positions);
    const hiddenStates = [h];
    for (const layer of this.layers) {
      h = layer.forward(h, lengths);
      hiddenStates.push(h);
    }
    const lastHiddenState = this.finalLayerNorm.forward(h);
    return { lastHiddenState, poolerOutput: this.pool(lastHiddenState, inputIds), hiddenStates };
  }

  /** The end-of-text row: argmax(inputIds) for legacy configs (eos_token_id 2), else the first eos token. */
  private pool(last: F32, inputIds: readonly (readonly number[])[]): F32 {
    const d = this.hiddenSize;
    const l = inputIds[0].length;
    const out = new Float32Array(inputIds.length * d);
    inputIds.forEach((row, i) => {
      let pos: number;
      if (this.eosTokenId === 2 || this.eosTokenId === null) {
        pos = 0;
        for (let j = 1; j < row.length; j++) if (row[j] > row[pos]) pos = j;
      } else {
        pos = row.indexOf(this.eosTokenId);
        // torch's argmax of an all-false row is 0.
        if (pos < 0) pos = 0;
      }
      out.set(last.data.subarray((i * l + pos) * d, (i * l + pos + 1) * d), i * d);
    });
    return Tensor.from(out, [inputIds.length, d]);
  }

  /** Runs final_layer_norm on a hidden state (Diffusers applies it to hidden_states[-(clipSkip + 1)]). */
  finalNorm(hidden: F32): F32 {
    return this.finalLayerNorm.forward(hidden);
  }
}
