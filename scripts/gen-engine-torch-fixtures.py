# Regenerates test/fixtures/engine/torch-reference.json with PyTorch 1.13.1 (CPU, float32): activations on
# sample points and Diffusers' get_timestep_embedding (v0.31.0, re-stated below from its formula).
# Usage: /usr/bin/python3 scripts/gen-engine-torch-fixtures.py
import json
import math

import torch

F = torch.nn.functional


def timestep_embedding(timesteps, embedding_dim, flip_sin_to_cos, downscale_freq_shift, scale=1, max_period=10000):
    half_dim = embedding_dim // 2
    exponent = -math.log(max_period) * torch.arange(start=0, end=half_dim, dtype=torch.float32)
    exponent = exponent / (half_dim - downscale_freq_shift)
    emb = torch.exp(exponent)
    emb = timesteps[:, None].float() * emb[None, :]
    emb = scale * emb
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half_dim:], emb[:, :half_dim]], dim=-1)
    if embedding_dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


g = torch.Generator().manual_seed(0)
x = torch.cat([torch.tensor([-6, -3.5, -1, -0.25, 0, 0.001, 0.5, 1, 2.75, 8]), torch.randn(246, generator=g) * 3])
acts = {
    "silu": F.silu(x),
    "gelu": F.gelu(x),
    "geluTanh": F.gelu(x, approximate="tanh"),
    "quickGelu": x * torch.sigmoid(1.702 * x),
}
ts = torch.tensor([0, 1, 10, 250, 999], dtype=torch.float32)
configs = [
    dict(dim=32, flip=True, shift=1),  # UNet2DModel (DDPM cifar10: flip_sin_to_cos, freq_shift 1)
    dict(dim=320, flip=True, shift=0),  # Stable Diffusion's UNet2DConditionModel
    dict(dim=33, flip=False, shift=0, scale=2.0, max_period=500),
]
# torch.exp on float32 (SLEEF expf_u10 on AVX2): a sweep over the frequency exponents' range and beyond.
exp_x = torch.cat([torch.linspace(-12, 3, 601), torch.randn(400, generator=g) * 4])
out = {
    "exp": {"x": exp_x.tolist(), "y": torch.exp(exp_x).tolist()},
    "activations": {"x": x.tolist(), **{k: v.tolist() for k, v in acts.items()}},
    "timestep": [
        {
            **c,
            "timesteps": ts.tolist(),
            "values": timestep_embedding(
                ts, c["dim"], c["flip"], c["shift"], c.get("scale", 1), c.get("max_period", 10000)
            ).flatten().tolist(),
        }
        for c in configs
    ],
}
with open("test/fixtures/engine/torch-reference.json", "w") as f:
    json.dump(out, f)
print("torch", torch.__version__)
