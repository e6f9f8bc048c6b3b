"""PyTorch timings for the `gan` suite of @atelier/bench: one training step of junyanz's
Pix2PixModel and CycleGANModel (optimize_parameters: forward, D and G updates with Adam),
at 256x256, batch 1, with their default options: pix2pix unet_256 (dropout on) + the
70x70 PatchGAN on cat(A, B), batch norm, vanilla GAN loss, lambda_L1 100; CycleGAN two
resnet_9blocks + two PatchGANs, instance norm, LSGAN, cycle 10 each way, identity 0.5,
history pools of 50. The networks are tools/parity/reference_nets.py's; init normal
0.02. Same protocol and I/O as ops.py; 2 threads (the CI machine's cores).
"""

import itertools
import json
import os
import random
import sys

import torch
import torch.nn as nn

from ops import device_text, measure, parse_device

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../tools/parity"))
import reference_nets as R  # noqa: E402

THREADS = 2


def init_weights(net, gain=0.02):
    for m in net.modules():
        name = m.__class__.__name__
        if hasattr(m, "weight") and (name.find("Conv") != -1 or name.find("Linear") != -1):
            nn.init.normal_(m.weight.data, 0.0, gain)
            if getattr(m, "bias", None) is not None:
                nn.init.constant_(m.bias.data, 0.0)
        elif name.find("BatchNorm2d") != -1:
            nn.init.normal_(m.weight.data, 1.0, gain)
            nn.init.constant_(m.bias.data, 0.0)
    return net


class GANLoss(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.loss = nn.MSELoss() if mode == "lsgan" else nn.BCEWithLogitsLoss()

    def __call__(self, prediction, real):
        target = torch.tensor(1.0 if real else 0.0, device=prediction.device)
        return self.loss(prediction, target.expand_as(prediction))


class ImagePool:
    def __init__(self, size):
        self.size, self.images = size, []

    def query(self, images):
        out = []
        for image in images:
            image = torch.unsqueeze(image.data, 0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                i = random.randint(0, self.size - 1)
                out.append(self.images[i].clone())
                self.images[i] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


def set_requires_grad(nets, flag):
    for net in nets:
        for p in net.parameters():
            p.requires_grad = flag


def adam(params):
    return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))


def pix2pix(size, device, ngf=64):
    # unet_<size>: as many downsamplings as halve the image to 1x1 (8 at 256).
    downs = size.bit_length() - 1
    G = init_weights(R.UnetGenerator(3, 3, downs, ngf=ngf, norm="batch", use_dropout=True)).to(device)
    D = init_weights(R.NLayerDiscriminator(6, ndf=ngf, n_layers=3, norm="batch")).to(device)
    gen = torch.Generator().manual_seed(0)
    A = (torch.rand(1, 3, size, size, generator=gen) * 2 - 1).to(device)
    B = (torch.rand(1, 3, size, size, generator=gen) * 2 - 1).to(device)
    gan, l1 = GANLoss("vanilla"), nn.L1Loss()
    opt_G, opt_D = adam(G.parameters()), adam(D.parameters())

    def step():
        fake_B = G(A)
        set_requires_grad([D], True)
        opt_D.zero_grad()
        loss_D = (gan(D(torch.cat((A, fake_B), 1).detach()), False) + gan(D(torch.cat((A, B), 1)), True)) * 0.5
        loss_D.backward()
        opt_D.step()
        set_requires_grad([D], False)
        opt_G.zero_grad()
        (gan(D(torch.cat((A, fake_B), 1)), True) + l1(fake_B, B) * 100).backward()
        opt_G.step()

    return step


def cyclegan(size, device, ngf=64):
    G_A = init_weights(R.ResnetGenerator(3, 3, ngf=ngf, norm="instance", use_dropout=False, n_blocks=9)).to(device)
    G_B = init_weights(R.ResnetGenerator(3, 3, ngf=ngf, norm="instance", use_dropout=False, n_blocks=9)).to(device)
    D_A = init_weights(R.NLayerDiscriminator(3, ndf=ngf, n_layers=3, norm="instance")).to(device)
    D_B = init_weights(R.NLayerDiscriminator(3, ndf=ngf, n_layers=3, norm="instance")).to(device)
    gen = torch.Generator().manual_seed(0)
    A = (torch.rand(1, 3, size, size, generator=gen) * 2 - 1).to(device)
    B = (torch.rand(1, 3, size, size, generator=gen) * 2 - 1).to(device)
    gan, l1 = GANLoss("lsgan"), nn.L1Loss()
    pool_A, pool_B = ImagePool(50), ImagePool(50)
    opt_G = adam(itertools.chain(G_A.parameters(), G_B.parameters()))
    opt_D = adam(itertools.chain(D_A.parameters(), D_B.parameters()))

    def step():
        fake_B = G_A(A)
        rec_A = G_B(fake_B)
        fake_A = G_B(B)
        rec_B = G_A(fake_A)
        set_requires_grad([D_A, D_B], False)
        opt_G.zero_grad()
        loss = (
            gan(D_A(fake_B), True)
            + gan(D_B(fake_A), True)
            + l1(rec_A, A) * 10
            + l1(rec_B, B) * 10
            + l1(G_A(B), B) * 5
            + l1(G_B(A), A) * 5
        )
        loss.backward()
        opt_G.step()
        set_requires_grad([D_A, D_B], True)
        opt_D.zero_grad()
        for D, real, fake in ((D_A, B, pool_B.query(fake_B)), (D_B, A, pool_A.query(fake_A))):
            ((gan(D(real), True) + gan(D(fake.detach()), False)) * 0.5).backward()
        opt_D.step()

    return step


def main():
    device = parse_device()
    job = json.load(sys.stdin)
    torch.set_num_threads(THREADS)
    out = {}
    for case in job["cases"]:
        spec = case["spec"]
        step = (pix2pix if spec["harness"] == "pix2pix" else cyclegan)(spec["size"], device, spec.get("ngf", 64))
        out[case["name"]] = measure(step, job["protocol"], device)
        print(f"done {case['name']}", file=sys.stderr, flush=True)
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(),
               "device": device_text(device), "ms": out}, sys.stdout)


if __name__ == "__main__":
    main()
