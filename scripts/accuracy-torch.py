# Per-op accuracy study for docs/NUMERICS.md, torch side. Draws seeded inputs, computes each op with
# torch 1.13.1 in float32 (the result Diffusers gets) and in float64 on the same float32 inputs (the
# reference), and writes inputs, float64 references and torch's results to OUT/accuracy.safetensors.
# scripts/accuracy-ours.mjs then runs reprodiff's reference backend on the same inputs and prints both.
# Usage: /usr/bin/python3 scripts/accuracy-torch.py OUT_DIR
import json
import math
import struct
import sys

import torch

F = torch.nn.functional
torch.manual_seed(0)
tensors = {}


def put(name, t):
    tensors[name] = t.detach().contiguous()


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def both(name, fn, *inputs):
    """Stores fn on float32 inputs (torch) and on float64 copies (reference)."""
    put(f"{name}.torch", fn(*inputs).float())
    put(f"{name}.f64", fn(*[i.double() for i in inputs]))


def attention(q, k, v):
    # Diffusers' classic AttnProcessor on torch 1.13: baddbmm with beta 0, softmax, bmm.
    b, h, l, d = q.shape
    q3, k3, v3 = (t.reshape(b * h, -1, t.shape[-1]) for t in (q, k, v))
    empty = torch.empty(q3.shape[0], q3.shape[1], k3.shape[1], dtype=q.dtype)
    scores = torch.baddbmm(empty, q3, k3.transpose(-1, -2), beta=0, alpha=1 / math.sqrt(d))
    return torch.bmm(scores.softmax(dim=-1), v3).reshape(b, h, l, -1)


def timestep(ts, dtype):
    half = 160
    exponent = -math.log(10000) * torch.arange(0, half, dtype=dtype) / half
    emb = ts[:, None].to(dtype) * torch.exp(exponent)[None, :]
    return torch.cat([torch.cos(emb), torch.sin(emb)], dim=-1)


x = randn(1, 64, 32, 32)
w = randn(64, 64, 3, 3) * 0.05
bias = randn(64) * 0.1
put("conv.x", x), put("conv.w", w), put("conv.b", bias)
both("conv3x3", lambda x, w, b: F.conv2d(x, w, b, padding=1), x, w, bias)
both("conv3x3s2", lambda x, w, b: F.conv2d(F.pad(x, (0, 1, 0, 1)), w, b, stride=2), x, w, bias)
lx, lw, lb = randn(256, 1280), randn(1280, 1280) * 0.03, randn(1280) * 0.1
put("linear.x", lx), put("linear.w", lw), put("linear.b", lb)
both("linear", F.linear, lx, lw, lb)
ma, mb = randn(8, 64, 300), randn(8, 300, 77)
put("matmul.a", ma), put("matmul.b", mb)
both("matmul", torch.matmul, ma, mb)
gx = randn(2, 128, 16, 16) * 3 + 1
gw, gb = randn(128), randn(128)
put("norm.x", gx), put("norm.w", gw), put("norm.b", gb)
both("groupNorm", lambda x, w, b: F.group_norm(x, 32, w, b, 1e-6), gx, gw, gb)
lnx = randn(64, 768) * 2 + 0.5
lnw, lnb = randn(768), randn(768)
put("ln.x", lnx), put("ln.w", lnw), put("ln.b", lnb)
both("layerNorm", lambda x, w, b: F.layer_norm(x, (768,), w, b, 1e-5), lnx, lnw, lnb)
sx = randn(64, 1024) * 4
put("softmax.x", sx)
both("softmax", lambda x: x.softmax(dim=-1), sx)
q, k, v = randn(1, 8, 256, 40), randn(1, 8, 77, 40), randn(1, 8, 77, 40)
put("attn.q", q), put("attn.k", k), put("attn.v", v)
both("attention", attention, q, k, v)
ax = randn(65536) * 3
put("act.x", ax)
both("silu", F.silu, ax)
both("gelu", F.gelu, ax)
both("geluTanh", lambda x: F.gelu(x, approximate="tanh"), ax)
both("quickGelu", lambda x: x * torch.sigmoid(1.702 * x), ax)
gg = randn(64, 2 * 640)
put("geglu.x", gg)
both("geglu", lambda x: x[:, :640] * F.gelu(x[:, 640:]), gg)
ea, eb = randn(4, 64, 32, 32), randn(4, 64, 1, 1) + 3
put("elem.a", ea), put("elem.b", eb)
both("add", torch.add, ea, eb)
both("mul", torch.mul, ea, eb)
both("div", torch.div, ea, eb)
both("affine", lambda x: x * 0.18215 + 0.5, ea)
both("avgPool2x2", lambda x: F.avg_pool2d(x, 2), ea)
ts = torch.tensor([0, 1, 10, 100, 500, 999], dtype=torch.float32)
put("timestep.t", ts)
put("timestepEmbedding.torch", timestep(ts, torch.float32))
put("timestepEmbedding.f64", timestep(ts, torch.float64))

out = sys.argv[1]
header, chunks, offset = {}, [], 0
for name, t in tensors.items():
    data = t.numpy().tobytes()
    header[name] = {"dtype": "F64" if t.dtype == torch.float64 else "F32", "shape": list(t.shape),
                    "data_offsets": [offset, offset + len(data)]}
    chunks.append(data)
    offset += len(data)
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(f"{out}/accuracy.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))
print("torch", torch.__version__, "threads", torch.get_num_threads(), "tensors", len(tensors))
