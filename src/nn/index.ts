export { type Activation, getActivation, SUPPORTED_ACTIVATIONS } from "./activation.js";
export { Attention, type AttentionConfig, divideByScalar } from "./attention.js";
export {
  FEED_FORWARD_ACTIVATIONS,
  FeedForward,
  type FeedForwardActivation,
  type FeedForwardConfig,
} from "./feedforward.js";
export { Conv2d, type Conv2dConfig, Embedding, GroupNorm, LayerNorm, Linear } from "./layers.js";
export { Param, ParamBuilder, type ParamInit, ParamStore } from "./param.js";
export { upsampleNearestTo } from "./resize.js";
