"""PyTorch timings for the `nets` suite of @atelier/bench.

Same protocol and I/O as ops.py (JSON job on stdin, {"torch", "threads", "ms"} on
stdout, "done <name>" on stderr). The networks are tools/parity/reference_nets.py's,
the same definitions the parity fixtures come from, with PyTorch's default random
weights, in eval mode under no_grad, on a batch of one NCHW image. PyTorch runs on 2
threads (the CI machine's cores), whatever this machine has.
"""

import json
import os
import sys

import torch

from ops import device_text, measure, parse_device

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../tools/parity"))
import reference_nets as R  # noqa: E402

THREADS = 2


def build(spec, device):
    net, size = spec["net"], spec["size"]
    gen = torch.Generator().manual_seed(0)
    if net == "unet256":
        model = R.UnetGenerator(3, 3, 8, ngf=64, norm="batch")
        x = torch.rand(1, 3, size, size, generator=gen) * 2 - 1
    elif net == "resnet9":
        model = R.ResnetGenerator(3, 3, ngf=64, norm="instance", n_blocks=9)
        x = torch.rand(1, 3, size, size, generator=gen) * 2 - 1
    elif net == "transformer":
        model = R.TransformerNet()
        x = torch.rand(1, 3, size, size, generator=gen) * 255
    else:
        raise ValueError(f"unknown net {net!r}")
    model.eval().to(device)
    x = x.to(device)

    def step():
        with torch.no_grad():
            model(x)

    return step


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
