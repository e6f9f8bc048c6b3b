"""Writes packages/blocks/test/fixtures/nets/<case>.safetensors: reference outputs of the
papers' networks (reference_nets.py) at small widths, for parity tests of
@atelier/blocks' nets.

Each file holds `input` and `output` (NCHW, as PyTorch computes them; VGG writes one
`output.<layer>` per requested layer), and the network's state dict in PyTorch layout
under `state.<key>`, exactly as `model.state_dict()` names it. The metadata `config`
is the constructor's options as JSON. Weights are seeded random (not the references'
N(0, 0.02) init, whose tiny outputs would make a weak test); batch norms get
non-trivial running statistics and affine parameters; everything runs in eval mode.
TransformerNet and VGG store float16 weights (to keep the fixtures small): the
reference output is computed with exactly those rounded weights.

Run: /usr/bin/python3 tools/parity/nets.py
"""

import json
import os

import numpy as np
import torch

import reference_nets as R
import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/blocks/test/fixtures/nets")


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 1
            scale = 1.0 / np.sqrt(fan_in) if p.dim() > 1 else 0.5
            p.copy_(torch.randn(p.shape, generator=g) * scale + (1.0 if name.endswith("weight") and p.dim() == 1 else 0.0))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
            elif name.endswith("num_batches_tracked"):
                b.fill_(7)


def half_round(model):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())


def state_entries(model, half=False):
    out = []
    for key, t in model.state_dict().items():
        a = t.detach().cpu().numpy()
        if a.dtype == np.float32 and half:
            a = a.astype(np.float16)
        out.append(st.entry(f"state.{key}", a))
    return out


def write_case(name, model, x, config, seed, half=False, outputs=None):
    randomise(model, seed)
    if half:
        half_round(model)
    model.eval()
    with torch.no_grad():
        y = model(x.clone()) if outputs is None else None
    entries = [st.entry("input", x.numpy())]
    if outputs is None:
        entries.append(st.entry("output", y.numpy()))
    else:
        with torch.no_grad():
            for layer, value in outputs(model, x).items():
                entries.append(st.entry(f"output.{layer}", value.numpy()))
    entries += state_entries(model, half)
    path = os.path.join(OUT, f"{name}.safetensors")
    st.write(path, entries, metadata={"config": json.dumps(config)})
    print(f"{name}: {os.path.getsize(path)} bytes, {len(model.state_dict())} keys")


def vgg_outputs(layers):
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def run(model, x):
        h = (x - mean) / std
        out = {}
        for i, module in enumerate(model):
            h = module(h)
            if i in layers:
                out[layers[i]] = h.clone()
        return out

    return run


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    signed = lambda *shape: torch.rand(*shape, generator=torch.Generator().manual_seed(sum(shape))) * 2 - 1

    for norm in ["batch", "instance"]:
        cfg = dict(inChannels=3, outChannels=2, numDowns=6, ngf=4, norm=norm, dropout=True)
        write_case(f"unet-{norm}", R.UnetGenerator(3, 2, 6, ngf=4, norm=norm, use_dropout=True), signed(1, 3, 64, 64), cfg, 11)
        cfg = dict(inChannels=3, outChannels=3, ngf=4, norm=norm, nBlocks=2, dropout=False)
        write_case(f"resnet-{norm}", R.ResnetGenerator(3, 3, ngf=4, norm=norm, n_blocks=2), signed(1, 3, 32, 32), cfg, 12)
        cfg = dict(inChannels=6, ndf=4, nLayers=3, norm=norm)
        write_case(f"patch-{norm}", R.NLayerDiscriminator(6, ndf=4, n_layers=3, norm=norm), signed(2, 6, 64, 64), cfg, 13)
        cfg = dict(inChannels=6, ndf=4, norm=norm)
        write_case(f"pixel-{norm}", R.PixelDiscriminator(6, ndf=4, norm=norm), signed(1, 6, 8, 8), cfg, 14)
    # ResNet generator with dropout: the second conv of each block moves to conv_block.6.
    cfg = dict(inChannels=3, outChannels=3, ngf=4, norm="instance", nBlocks=1, dropout=True)
    write_case("resnet-dropout", R.ResnetGenerator(3, 3, ngf=4, norm="instance", n_blocks=1, use_dropout=True), signed(1, 3, 16, 16), cfg, 15)

    x255 = (signed(1, 3, 32, 32) + 1) * 127.5
    write_case("transformer", R.TransformerNet(), x255, {}, 16, half=True)

    layers19 = {1: "relu1_1", 3: "relu1_2", 6: "relu2_1", 8: "relu2_2", 11: "relu3_1"}
    x01 = (signed(1, 3, 24, 24) + 1) / 2
    cfg = dict(depth=19, layers=list(layers19.values()))
    write_case("vgg19", R.vgg_features(19, 11), x01, cfg, 17, half=True, outputs=vgg_outputs(layers19))


if __name__ == "__main__":
    main()
