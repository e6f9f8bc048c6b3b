"""Writes packages/gan/test/fixtures/{pix2pix,cyclegan}-steps.safetensors: two training
steps of junyanz's Pix2PixModel and CycleGANModel (models/pix2pix_model.py,
models/cycle_gan_model.py, optimize_parameters) on tiny networks, as a reference for
@atelier/gan's harnesses: the order of the updates, the loss terms and their weights,
GANLoss's targets, Adam's steps, batch-norm statistics and the history pool.

Each file holds the batch (`A`, `B`, NCHW), every network's state before (`init.<net>.<key>`)
and after the two steps (`final.<net>.<key>`), and as metadata `losses` (the logged terms
of each step, as junyanz's get_current_losses names them, before weighting) and `config`.

pix2pix: unet_32 at ngf 2 (num_downs 5, no dropout block at that depth) with batch norm, the 70x70
PatchGAN (n_layers 3, ndf 2) on cat(A, B), vanilla GAN loss, lambda_L1 100, batch 2.
CycleGAN: resnet_6blocks (ngf 2) and PatchGANs (ndf 4) with instance norm, LSGAN, lambda_A = lambda_B = 10,
identity 0.5, pool 50 (still filling: it returns the new fakes), batch 1.
Both: init normal(0, 0.02) as init_weights, Adam lr 2e-4, betas (0.5, 0.999).

Run: /usr/bin/python3 tools/parity/gan_steps.py
"""

import itertools
import json
import os

import torch
import torch.nn as nn

import reference_nets as R
import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/gan/test/fixtures")


def init_weights(net, gain=0.02):
    # junyanz networks.init_weights with init_type 'normal'.
    for m in net.modules():
        name = m.__class__.__name__
        if hasattr(m, "weight") and (name.find("Conv") != -1 or name.find("Linear") != -1):
            nn.init.normal_(m.weight.data, 0.0, gain)
            if getattr(m, "bias", None) is not None:
                nn.init.constant_(m.bias.data, 0.0)
        elif name.find("BatchNorm2d") != -1:
            nn.init.normal_(m.weight.data, 1.0, gain)
            nn.init.constant_(m.bias.data, 0.0)


class GANLoss(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.loss = nn.MSELoss() if mode == "lsgan" else nn.BCEWithLogitsLoss()

    def __call__(self, prediction, target_is_real):
        target = torch.tensor(1.0 if target_is_real else 0.0).expand_as(prediction)
        return self.loss(prediction, target)


class ImagePool:
    """junyanz util/image_pool.py while it fills (no random draws yet)."""

    def __init__(self, size):
        self.size, self.images = size, []

    def query(self, images):
        out = []
        for image in images:
            image = torch.unsqueeze(image.data, 0)
            assert len(self.images) < self.size
            self.images.append(image)
            out.append(image)
        return torch.cat(out, 0)


def adam(params):
    return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))


def set_requires_grad(nets, flag):
    for net in nets:
        for p in net.parameters():
            p.requires_grad = flag


def states(prefix, nets):
    out = []
    for name, net in nets.items():
        for key, t in net.state_dict().items():
            out.append(st.entry(f"{prefix}.{name}.{key}", t.detach().numpy()))
    return out


def pix2pix():
    torch.manual_seed(0)
    G = R.UnetGenerator(3, 3, 5, ngf=2, norm="batch", use_dropout=True)
    D = R.NLayerDiscriminator(6, ndf=2, n_layers=3, norm="batch")
    init_weights(G)
    init_weights(D)
    A = torch.rand(2, 3, 32, 32) * 2 - 1
    B = torch.rand(2, 3, 32, 32) * 2 - 1
    init = states("init", {"G": G, "D": D})
    gan, l1 = GANLoss("vanilla"), nn.L1Loss()
    opt_G, opt_D = adam(G.parameters()), adam(D.parameters())
    losses = []
    for _ in range(2):
        fake_B = G(A)
        set_requires_grad([D], True)
        opt_D.zero_grad()
        pred_fake = D(torch.cat((A, fake_B), 1).detach())
        loss_D_fake = gan(pred_fake, False)
        pred_real = D(torch.cat((A, B), 1))
        loss_D_real = gan(pred_real, True)
        ((loss_D_fake + loss_D_real) * 0.5).backward()
        opt_D.step()
        set_requires_grad([D], False)
        opt_G.zero_grad()
        loss_G_GAN = gan(D(torch.cat((A, fake_B), 1)), True)
        loss_G_L1 = l1(fake_B, B)
        (loss_G_GAN + loss_G_L1 * 100).backward()
        opt_G.step()
        losses.append({"G_GAN": loss_G_GAN.item(), "G_L1": loss_G_L1.item(), "D_real": loss_D_real.item(), "D_fake": loss_D_fake.item()})
    entries = [st.entry("A", A.numpy()), st.entry("B", B.numpy())] + init + states("final", {"G": G, "D": D})
    config = {"netG": "unet_32", "ngf": 2, "ndf": 2, "norm": "batch", "ganMode": "vanilla", "lambdaL1": 100, "batch": 2}
    st.write(os.path.join(OUT, "pix2pix-steps.safetensors"), entries, metadata={"losses": json.dumps(losses), "config": json.dumps(config)})


def cyclegan():
    torch.manual_seed(1)
    G_A = R.ResnetGenerator(3, 3, ngf=2, norm="instance", use_dropout=False, n_blocks=6)
    G_B = R.ResnetGenerator(3, 3, ngf=2, norm="instance", use_dropout=False, n_blocks=6)
    D_A = R.NLayerDiscriminator(3, ndf=4, n_layers=3, norm="instance")
    D_B = R.NLayerDiscriminator(3, ndf=4, n_layers=3, norm="instance")
    for net in (G_A, G_B, D_A, D_B):
        init_weights(net)
    A = torch.rand(1, 3, 32, 32) * 2 - 1
    B = torch.rand(1, 3, 32, 32) * 2 - 1
    nets = {"G_A": G_A, "G_B": G_B, "D_A": D_A, "D_B": D_B}
    init = states("init", nets)
    gan, l1 = GANLoss("lsgan"), nn.L1Loss()
    lam_A = lam_B = 10.0
    lam_idt = 0.5
    pool_A, pool_B = ImagePool(50), ImagePool(50)
    opt_G = adam(itertools.chain(G_A.parameters(), G_B.parameters()))
    opt_D = adam(itertools.chain(D_A.parameters(), D_B.parameters()))
    losses = []
    for _ in range(2):
        fake_B = G_A(A)
        rec_A = G_B(fake_B)
        fake_A = G_B(B)
        rec_B = G_A(fake_A)
        set_requires_grad([D_A, D_B], False)
        opt_G.zero_grad()
        idt_A = G_A(B)
        loss_idt_A = l1(idt_A, B)
        idt_B = G_B(A)
        loss_idt_B = l1(idt_B, A)
        loss_G_A = gan(D_A(fake_B), True)
        loss_G_B = gan(D_B(fake_A), True)
        loss_cycle_A = l1(rec_A, A)
        loss_cycle_B = l1(rec_B, B)
        (loss_G_A + loss_G_B + loss_cycle_A * lam_A + loss_cycle_B * lam_B + loss_idt_A * lam_B * lam_idt + loss_idt_B * lam_A * lam_idt).backward()
        opt_G.step()
        set_requires_grad([D_A, D_B], True)
        opt_D.zero_grad()

        def backward_D(D, real, fake):
            loss = (gan(D(real), True) + gan(D(fake.detach()), False)) * 0.5
            loss.backward()
            return loss

        loss_D_A = backward_D(D_A, B, pool_B.query(fake_B))
        loss_D_B = backward_D(D_B, A, pool_A.query(fake_A))
        opt_D.step()
        losses.append(
            {
                "D_A": loss_D_A.item(), "G_A": loss_G_A.item(), "cycle_A": loss_cycle_A.item(), "idt_A": loss_idt_A.item(),
                "D_B": loss_D_B.item(), "G_B": loss_G_B.item(), "cycle_B": loss_cycle_B.item(), "idt_B": loss_idt_B.item(),
            }
        )
    entries = [st.entry("A", A.numpy()), st.entry("B", B.numpy())] + init + states("final", nets)
    config = {"netG": "resnet_6blocks", "ngf": 2, "ndf": 4, "norm": "instance", "ganMode": "lsgan", "poolSize": 50}
    st.write(os.path.join(OUT, "cyclegan-steps.safetensors"), entries, metadata={"losses": json.dumps(losses), "config": json.dumps(config)})


if __name__ == "__main__":
    pix2pix()
    cyclegan()
    for name in ("pix2pix", "cyclegan"):
        path = os.path.join(OUT, f"{name}-steps.safetensors")
        print(path, os.path.getsize(path), "bytes")
