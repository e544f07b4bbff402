// The Encoder and Decoder of diffusers' autoencoders/vae.py (group-norm variant).

import type { F32 } from "../engine/backend.js";
import { type Activation, getActivation } from "../nn/activation.js";
import { Conv2d, GroupNorm } from "../nn/layers.js";
import type { ParamBuilder } from "../nn/param.js";
import { type BlockContext, DownBlock, MidBlock, UpBlock } from "./blocks.js";

export interface VaeCoderConfig {
  inChannels: number;
  outChannels: number;
  blockTypes: readonly string[];
  blockOutChannels: readonly number[];
  layersPerBlock: number;
  normNumGroups: number;
  actFn: string;
  midBlockAddAttention: boolean;
}

const NO_TIME: BlockContext = { temb: null, encoderHiddenStates: null };

/** The mid block of the VAE's encoder and decoder: no time embedding, attention with one head of all channels. */
function vaeMidBlock(vb: ParamBuilder, c: VaeCoderConfig, channels: number): MidBlock {
  return new MidBlock(vb, {
    inChannels: channels,
    tembChannels: null,
    resnetEps: 1e-6,
    resnetActFn: c.actFn,
    resnetGroups: c.normNumGroups,
    resnetTimeScaleShift: "default",
    outputScaleFactor: 1,
    attentionHeadDim: channels,
    addAttention: c.midBlockAddAttention,
  });
}

export class Encoder {
  readonly convIn: Conv2d;
  readonly downBlocks: DownBlock[] = [];
  readonly midBlock: MidBlock;
  readonly convNormOut: GroupNorm;
  readonly convOut: Conv2d;
  readonly act: Activation;

  /** `doubleZ`: output mean and log-variance (2 × outChannels). */
  constructor(vb: ParamBuilder, c: VaeCoderConfig, doubleZ = true) {
    const ch = c.blockOutChannels;
    this.act = getActivation(c.actFn, "act_fn");
    this.convIn = new Conv2d(vb.pp("conv_in"), c.inChannels, ch[0], { kernelSize: 3, padding: 1 });
    let outC = ch[0];
    for (let i = 0; i < c.blockTypes.length; i++) {
      const inC = outC;
      outC = ch[i];
      this.downBlocks.push(
        new DownBlock(vb.pp("down_blocks").pp(i), c.blockTypes[i], {
          numLayers: c.layersPerBlock,
          inChannels: inC,
          outChannels: outC,
          tembChannels: null,
          addResample: i !== ch.length - 1,
          resnetEps: 1e-6,
          resnetActFn: c.actFn,
          resnetGroups: c.normNumGroups,
          resnetTimeScaleShift: "default",
          attentionHeadDim: outC,
          downsamplePadding: 0,
        }),
      );
    }
    const last = ch[ch.length - 1];
    this.midBlock = vaeMidBlock(vb.pp("mid_block"), c, last);
    this.convNormOut = new GroupNorm(vb.pp("conv_norm_out"), c.normNumGroups, last, 1e-6);
    this.convOut = new Conv2d(vb.pp("conv_out"), last, doubleZ ? 2 * c.outChannels : c.outChannels, {
      kernelSize: 3,
      padding: 1,
    });
  }

  forward(x: F32): F32 {
    let h = this.convIn.forward(x);
    for (const block of this.downBlocks) h = block.forward(h, NO_TIME).hidden;
    h = this.midBlock.forward(h, NO_TIME);
    return this.convOut.forward(this.act(this.convNormOut.forward(h)));
  }
}

export class Decoder {
  readonly convIn: Conv2d;
  readonly midBlock: MidBlock;
  readonly upBlocks: UpBlock[] = [];
  readonly convNormOut: GroupNorm;
  readonly convOut: Conv2d;
  readonly act: Activation;

  constructor(vb: ParamBuilder, c: VaeCoderConfig) {
    const ch = c.blockOutChannels;
    const last = ch[ch.length - 1];
    this.act = getActivation(c.actFn, "act_fn");
    this.convIn = new Conv2d(vb.pp("conv_in"), c.inChannels, last, { kernelSize: 3, padding: 1 });
    this.midBlock = vaeMidBlock(vb.pp("mid_block"), c, last);
    const reversed = [...ch].reverse();
    let outC = reversed[0];
    for (let i = 0; i < c.blockTypes.length; i++) {
      const prevOutC = outC;
      outC = reversed[i];
      this.upBlocks.push(
        new UpBlock(vb.pp("up_blocks").pp(i), c.blockTypes[i], {
          numLayers: c.layersPerBlock + 1,
          inChannels: prevOutC,
          outChannels: outC,
          prevOutputChannel: null,
          tembChannels: null,
          addResample: i !== ch.length - 1,
          resnetEps: 1e-6,
          resnetActFn: c.actFn,
          resnetGroups: c.normNumGroups,
          resnetTimeScaleShift: "default",
          attentionHeadDim: outC,
        }),
      );
    }
    this.convNormOut = new GroupNorm(vb.pp("conv_norm_out"), c.normNumGroups, ch[0], 1e-6);
    this.convOut = new Conv2d(vb.pp("conv_out"), ch[0], c.outChannels, { kernelSize: 3, padding: 1 });
  }

  forward(z: F32): F32 {
    let h = this.convIn.forward(z);
    h = this.midBlock.forward(h, NO_TIME);
    for (const block of this.upBlocks) h = block.forward(h, [], NO_TIME);
    return this.convOut.forward(this.act(this.convNormOut.forward(h)));
  }
}
