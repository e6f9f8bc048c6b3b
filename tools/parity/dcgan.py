"""Writes packages/blocks/test/fixtures/nets/dcgan-{generator,discriminator}-{32,64}.safetensors:
the DCGAN of Radford et al. as the PyTorch DCGAN tutorial builds it (`main` an
nn.Sequential, so keys `main.0.weight`, `main.1.running_mean`, ...), at 64x64 exactly
as the tutorial, and at 32x32 with one stride-2 layer fewer on each side. The
discriminator stops at the logit (the tutorial's final Sigmoid, which holds no state,
is left out: losses take logits). Same file layout as nets.py: `input`, `output`
(NCHW), `state.<key>`, metadata `config`.

Run: /usr/bin/python3 tools/parity/dcgan.py
"""

import torch
import torch.nn as nn

import nets


class Generator(nn.Module):
    def __init__(self, nz, ngf, nc, size):
        super().__init__()
        mult = size // 8
        layers = [nn.ConvTranspose2d(nz, ngf * mult, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * mult), nn.ReLU(True)]
        while mult > 1:
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * mult // 2), nn.ReLU(True)]
            mult //= 2
        layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, nc, ndf, size):
        super().__init__()
        layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        mult = 1
        while mult < size // 8:
            layers += [nn.Conv2d(ndf * mult, ndf * mult * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * mult * 2), nn.LeakyReLU(0.2, inplace=True)]
            mult *= 2
        layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 0, bias=False)]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


def main():
    signed = lambda *shape: torch.rand(*shape, generator=torch.Generator().manual_seed(sum(shape))) * 2 - 1
    for size in (32, 64):
        cfg = dict(latentDim=8, ngf=4, outChannels=3, size=size)
        nets.write_case(f"dcgan-generator-{size}", Generator(8, 4, 3, size), signed(2, 8, 1, 1), cfg, 20 + size)
        cfg = dict(inChannels=3, ndf=4, size=size)
        nets.write_case(f"dcgan-discriminator-{size}", Discriminator(3, 4, size), signed(2, 3, size, size), cfg, 21 + size)


if __name__ == "__main__":
    main()
