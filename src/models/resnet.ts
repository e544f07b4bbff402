// Diffusers' ResnetBlock2D (time_embedding_norm "default" or "scale_shift"), with the 1x1 shortcut
// when channels change and the optional up/down resampling of resnet-style up/down samplers.

import type { F32 } from "../engine/backend.js";
import { ops } from "../engine/index.js";
import { type Activation, getActivation } from "../nn/activation.js";
import { divideByScalar } from "../nn/attention.js";
import { Conv2d, GroupNorm, Linear } from "../nn/layers.js";
import type { ParamBuilder } from "../nn/param.js";
import { ConfigError } from "./config.js";

export interface ResnetBlock2DConfig {
  inChannels: number;
  outChannels?: number | null;
  /** null: no time-embedding projection (VAE blocks). */
  tembChannels: number | null;
  groups: number;
  groupsOut?: number | null;
  eps: number;
  nonLinearity: string;
  timeEmbeddingNorm: string;
  outputScaleFactor?: number;
  useInShortcut?: boolean | null;
  convShortcutBias?: boolean;
  up?: boolean;
  down?: boolean;
}

export const TIME_EMBEDDING_NORMS = ["default", "scale_shift"] as const;

export class ResnetBlock2D {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly timeEmbProj: Linear | null;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly convShortcut: Conv2d | null;
  readonly act: Activation;
  readonly scaleShift: boolean;
  readonly outputScaleFactor: number;
  readonly up: boolean;
  readonly down: boolean;

  constructor(
    readonly vb: ParamBuilder,
    config: ResnetBlock2DConfig,
  ) {
    const inC = config.inChannels;
    const outC = config.outChannels ?? inC;
    if (!(TIME_EMBEDDING_NORMS as readonly string[]).includes(config.timeEmbeddingNorm)) {
      throw new ConfigError(
        `${vb.prefix}: resnet_time_scale_shift ${JSON.stringify(config.timeEmbeddingNorm)} is not supported; supported: ${TIME_EMBEDDING_NORMS.map((s) => JSON.stringify(s)).join(", ")}`,
      );
    }
    this.scaleShift = config.timeEmbeddingNorm === "scale_shift";
    this.act = getActivation(config.nonLinearity, "act_fn");
    this.norm1 = new GroupNorm(vb.pp("norm1"), config.groups, inC, config.eps);
    this.conv1 = new Conv2d(vb.pp("conv1"), inC, outC, { kernelSize: 3, padding: 1 });
    this.timeEmbProj =
      config.tembChannels === null
        ? null
        : new Linear(vb.pp("time_emb_proj"), config.tembChannels, this.scaleShift ? 2 * outC : outC);
    this.norm2 = new GroupNorm(vb.pp("norm2"), config.groupsOut ?? config.groups, outC, config.eps);
    this.conv2 = new Conv2d(vb.pp("conv2"), outC, outC, { kernelSize: 3, padding: 1 });
    const useShortcut = config.useInShortcut ?? inC !== outC;
    this.convShortcut = useShortcut
      ? new Conv2d(vb.pp("conv_shortcut"), inC, outC, { kernelSize: 1, bias: config.convShortcutBias ?? true })
      : null;
    this.outputScaleFactor = config.outputScaleFactor ?? 1;
    this.up = config.up ?? false;
    this.down = config.down ?? false;
  }

  forward(input: F32, temb: F32 | null): F32 {
    let h = this.act(this.norm1.forward(input));
    if (this.up) {
      input = ops.upsampleNearest2x(input);
      h = ops.upsampleNearest2x(h);
    } else if (this.down) {
      input = ops.avgPool2x2(input);
      h = ops.avgPool2x2(h);
    }
    h = this.conv1.forward(h);
    let t: F32 | null = null;
    if (this.timeEmbProj !== null && temb !== null) {
      const proj = this.timeEmbProj.forward(this.act(temb));
      t = proj.reshape([proj.shape[0], proj.shape[1], 1, 1]);
    }
    if (this.scaleShift) {
      if (t === null) throw new Error(`${this.vb.prefix}: scale_shift needs a time embedding`);
      const c = t.shape[1] / 2;
      const scale = ops.narrow(t, 1, 0, c);
      const shift = ops.narrow(t, 1, c, c);
      h = this.norm2.forward(h);
      h = ops.add(ops.mul(h, ops.affine(scale, 1, 1)), shift);
    } else {
      if (t !== null) h = ops.add(h, t);
      h = this.norm2.forward(h);
    }
    h = this.conv2.forward(this.act(h));
    const shortcut = this.convShortcut === null ? input : this.convShortcut.forward(input);
    return divideByScalar(ops.add(shortcut, h), this.outputScaleFactor);
  }
}
