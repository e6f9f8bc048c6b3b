"""PyTorch timings for the `style` suite of @atelier/bench.

Same protocol and I/O as ops.py (JSON job on stdin, {"torch", "threads", "ms"} on
stdout, "done <name>" on stderr), on 2 threads (the CI machine's cores).

- gatys: one evaluation of neural-style's objective as the Gatys et al. notebook and
  the PyTorch tutorial compute it: torchvision's VGG-19 features (default random
  init) up to relu5_1 on a 1×3×S×S image, MSE content loss at relu4_2, MSE of Gram
  matrices (divided by C·H·W) at relu1_1 … relu5_1, squared TV, and backward to the image.
- transformer: tools/parity's TransformerNet (fast_neural_style) inference, eval,
  no_grad, then the clamp to [0, 255] of its `stylize`.
"""

import json
import os
import sys

import torch
import torchvision

from ops import device_text, measure, parse_device

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../tools/parity"))
import reference_nets as R  # noqa: E402

THREADS = 2
CONTENT = 22  # relu4_2
STYLE = [1, 6, 11, 20, 29]  # relu1_1 ... relu5_1


def gram(f):
    n, c, h, w = f.shape
    flat = f.view(n, c, h * w)
    return flat.bmm(flat.transpose(1, 2)) / (c * h * w)


def features(net, x):
    out = {}
    for i, layer in enumerate(net):
        x = layer(x)
        if i in STYLE or i == CONTENT:
            out[i] = x
        if i >= max(STYLE + [CONTENT]):
            break
    return out


def build(spec, device):
    kind, size = spec["kind"], spec["size"]
    gen = torch.Generator().manual_seed(0)
    if kind == "gatys":
        vgg = torchvision.models.vgg19().features[:30].eval().to(device)
        for layer in vgg:
            if isinstance(layer, torch.nn.ReLU):
                layer.inplace = False
        for p in vgg.parameters():
            p.requires_grad_(False)
        mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1)
        content = torch.rand(1, 3, size, size, generator=gen).to(device)
        style = torch.rand(1, 3, size, size, generator=gen).to(device)
        with torch.no_grad():
            fc = features(vgg, (content - mean) / std)
            fs = features(vgg, (style - mean) / std)
            targets = {i: gram(fs[i]) for i in STYLE}
        x = content.clone().requires_grad_(True)

        def step():
            x.grad = None
            f = features(vgg, (x - mean) / std)
            loss = torch.nn.functional.mse_loss(f[CONTENT], fc[CONTENT])
            for i in STYLE:
                loss = loss + 1e6 * torch.nn.functional.mse_loss(gram(f[i]), targets[i])
            tv = ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum() + ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum()
            loss = loss + 1e-3 * tv
            loss.backward()

        return step
    if kind == "transformer":
        model = R.TransformerNet().eval().to(device)
        x = (torch.rand(1, 3, size, size, generator=gen) * 255).to(device)

        def step():
            with torch.no_grad():
                model(x).clamp(0, 255)

        return step
    raise ValueError(f"unknown kind {kind!r}")


def main():
    device = parse_device()
    job = json.load(sys.stdin)
    torch.set_num_threads(THREADS)
    out = {}
    for case in job["cases"]:
        out[case["name"]] = measure(build(case["spec"], device), job["protocol"], device)
        print(f"done {case['name']}", file=sys.stderr, flush=True)
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(),
               "device": device_text(device), "ms": out}, sys.stdout)


if __name__ == "__main__":
    main()
