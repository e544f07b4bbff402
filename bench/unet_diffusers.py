"""The same google/ddpm-cifar10-32 UNet2DModel in PyTorch + Diffusers, for comparison with bench/unet.ts.

Usage (diffusers v0.31.0 importable, e.g. PYTHONPATH=<diffusers checkout>/src):
    python3 bench/unet_diffusers.py [runs]
Prints ms per forward at batch 1 for 1 and 2 threads, and peak RSS.
"""

import resource
import statistics
import sys
import time

import torch
from diffusers import UNet2DModel

CONFIG = dict(
    act_fn="silu",
    attention_head_dim=None,
    block_out_channels=(128, 256, 256, 256),
    center_input_sample=False,
    down_block_types=("DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"),
    downsample_padding=0,
    flip_sin_to_cos=False,
    freq_shift=1,
    in_channels=3,
    layers_per_block=2,
    mid_block_scale_factor=1,
    norm_eps=1e-6,
    norm_num_groups=32,
    out_channels=3,
    sample_size=32,
    time_embedding_type="positional",
    up_block_types=("UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    torch.manual_seed(0)
    model = UNet2DModel(**CONFIG).eval()
    params = sum(p.numel() for p in model.parameters())
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    print(f"torch {torch.__version__}; parameters: {params / 1e6:.2f} M")
    print("| threads | ms / forward (median) | runs (ms) |")
    print("|---|---|---|")
    with torch.no_grad():
        for threads in (1, 2):
            torch.set_num_threads(threads)
            model(x, 500)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                model(x, 500)
                times.append((time.perf_counter() - start) * 1000)
            runs_text = ", ".join(f"{t:.0f}" for t in times)
            print(f"| {threads} | {statistics.median(times):.0f} | {runs_text} |")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak_kib / 1024:.0f} MiB = {peak_kib * 1024 / (params * 4):.2f}x the float32 weights")


if __name__ == "__main__":
    main()
