// google/ddpm-cifar10-32's UNet config (35.7 M parameters, 12.44 GFLOP per forward at batch 1), as recorded in
// the golden models README; the benches build it with seeded random weights.
export const DDPM_CIFAR10_32_UNET = {
  _class_name: "UNet2DModel",
  act_fn: "silu",
  attention_head_dim: null,
  block_out_channels: [128, 256, 256, 256],
  center_input_sample: false,
  down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
  downsample_padding: 0,
  flip_sin_to_cos: false,
  freq_shift: 1,
  in_channels: 3,
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  norm_eps: 1e-6,
  norm_num_groups: 32,
  out_channels: 3,
  sample_size: 32,
  time_embedding_type: "positional",
  up_block_types: ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
};

export const DDPM_CIFAR10_32_GFLOP_PER_FORWARD = 12.44;
