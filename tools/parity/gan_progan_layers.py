"""Writes packages/gan/test/fixtures/progan-layers.json: ProGAN's minibatch standard
deviation layer (networks.py minibatch_stddev_layer, group size 4, as PyTorch ports
write it on NCHW) and the fade-in blend of two toRGB outputs (lerp_clip with
t = 1 - alpha), on seeded inputs, with the input gradient of a weighted sum through
the layer. An independent reference for @atelier/blocks' MinibatchStddev and
@atelier/gan's fade.

Run: /usr/bin/python3 tools/parity/gan_progan_layers.py
"""

import json
import os

import torch


def minibatch_stddev(x, group_size=4):
    # x NCHW; the reference's reshape [G, M, C, H, W]: sample g*M + m is in group m.
    g = min(group_size, x.shape[0])
    s = x.shape
    y = x.reshape(g, -1, s[1], s[2], s[3])
    y = y - y.mean(dim=0, keepdim=True)
    y = (y ** 2).mean(dim=0)
    y = torch.sqrt(y + 1e-8)
    y = y.mean(dim=[1, 2, 3])
    y = y.reshape(-1, 1, 1, 1).repeat(g, 1, s[2], s[3])
    return torch.cat([x, y], dim=1)


gen = torch.Generator().manual_seed(3)
x = torch.randn(8, 3, 4, 4, generator=gen, dtype=torch.float64).round(decimals=4).requires_grad_(True)
w = torch.randn(8, 4, 4, 4, generator=gen, dtype=torch.float64).round(decimals=4)
out = minibatch_stddev(x)
(out * w).sum().backward()

old = torch.randn(2, 3, 8, 8, generator=gen, dtype=torch.float64).round(decimals=4)
new = torch.randn(2, 3, 8, 8, generator=gen, dtype=torch.float64).round(decimals=4)
alpha = 0.3
t = 1 - alpha
faded = new + (old - new) * t  # tflib.lerp_clip(new, old, t)

nhwc = lambda a: a.detach().permute(0, 2, 3, 1).contiguous().flatten().tolist()
fixture = {
    "mbstd": {
        "x": nhwc(x),
        "xShape": [8, 4, 4, 3],
        "w": nhwc(w),
        "out": nhwc(out),
        "outShape": [8, 4, 4, 4],
        "grad": nhwc(x.grad),
    },
    "fade": {"old": nhwc(old), "new": nhwc(new), "shape": [2, 8, 8, 3], "alpha": alpha, "out": nhwc(faded)},
}
path = os.path.join(os.path.dirname(__file__), "../../packages/gan/test/fixtures/progan-layers.json")
with open(path, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(path))
