"""Writes packages/core/test/fixtures/instance_norm.json: PyTorch InstanceNorm2d on a
tiny input (affine and not), with the gradients of a fixed weighted sum of the output.

Run with Debian's PyTorch: /usr/bin/python3 tools/parity/instance_norm.py
Tensors are stored NHWC (Atelier's layout), flattened, with their shapes.
"""

import json
import pathlib

import torch

torch.manual_seed(3)
N, C, H, W = 2, 3, 5, 4
EPS = 1e-5

# An offset and per-channel scales: the variance is not near 1 and the mean not near 0.
x = (torch.randn(N, C, H, W, dtype=torch.float64) * torch.tensor([0.5, 2.0, 7.0]).view(1, C, 1, 1)
     + torch.tensor([3.0, -1.0, 40.0]).view(1, C, 1, 1))
weight = torch.tensor([1.5, -0.7, 0.3], dtype=torch.float64)
bias = torch.tensor([0.2, 0.0, -1.1], dtype=torch.float64)
projection = torch.randn(N, C, H, W, dtype=torch.float64)
# Values exactly representable in float32, so both sides start from the same input.
x, weight, bias, projection = (t.float().double() for t in (x, weight, bias, projection))


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def case(affine):
    norm = torch.nn.InstanceNorm2d(C, eps=EPS, affine=affine).double()
    if affine:
        with torch.no_grad():
            norm.weight.copy_(weight)
            norm.bias.copy_(bias)
    xi = x.clone().requires_grad_(True)
    y = norm(xi)
    (y * projection).sum().backward()
    out = {"y": flat(nhwc(y.detach())), "dx": flat(nhwc(xi.grad))}
    if affine:
        out["dgamma"] = flat(norm.weight.grad)
        out["dbeta"] = flat(norm.bias.grad)
    return out


fixture = {
    "torch": torch.__version__,
    "epsilon": EPS,
    "shape": [N, H, W, C],
    "x": flat(nhwc(x)),
    "gamma": flat(weight),
    "beta": flat(bias),
    "projection": flat(nhwc(projection)),
    "plain": case(False),
    "affine": case(True),
}
out = pathlib.Path(__file__).resolve().parents[2] / "packages/core/test/fixtures/instance_norm.json"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(fixture) + "\n")
print(f"wrote {out}")
