"""Writes packages/cli/test/fixtures/translate/: a tiny junyanz UnetGenerator (unet_32,
ngf 2, batch norm) saved as its `latest_net_G.pth` would be (a plain state dict),
an input image, and the image junyanz's test.py makes of it: the network in training
mode (test.py without --eval), input ToTensor + Normalize(0.5, 0.5), output
tensor2im ((x + 1) / 2 * 255, truncated to uint8). For `atelier translate --weights`.

Run: /usr/bin/python3 tools/parity/gan_translate.py
"""

import os

import numpy as np
import torch
from PIL import Image

import reference_nets as R

OUT = os.path.join(os.path.dirname(__file__), "../../packages/cli/test/fixtures/translate")
os.makedirs(OUT, exist_ok=True)

torch.manual_seed(0)
G = R.UnetGenerator(3, 3, 5, ngf=2, norm="batch", use_dropout=False)
with torch.no_grad():
    for name, p in G.named_parameters():
        if p.dim() > 1:
            p.copy_(torch.randn(p.shape) / np.sqrt(p[0].numel()))
        elif name.endswith("weight"):
            p.copy_(1 + 0.1 * torch.randn(p.shape))
        else:
            p.copy_(0.1 * torch.randn(p.shape))
torch.save(G.state_dict(), os.path.join(OUT, "latest_net_G.pth"))

rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:32, 0:32]
image = np.stack([xx * 8, yy * 8, (xx + yy) * 4], -1) + rng.integers(0, 20, size=(32, 32, 3))
image = np.clip(image, 0, 255).astype(np.uint8)
Image.fromarray(image).save(os.path.join(OUT, "input.png"))

x = torch.from_numpy(image.astype(np.float32) / 255.0).permute(2, 0, 1)[None] * 2 - 1
G.train()
with torch.no_grad():
    y = G(x)[0].permute(1, 2, 0).numpy()
Image.fromarray(((y + 1) / 2.0 * 255.0).astype(np.uint8)).save(os.path.join(OUT, "expected.png"))
print("wrote", os.path.normpath(OUT), sorted(os.listdir(OUT)))
