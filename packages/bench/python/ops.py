"""PyTorch timings for the `ops` suite of @atelier/bench.

Reads {"cases": [{"name", "spec"}], "protocol": {"warmup", "runs", "budgetMs", "minTimeMs"},
"threads"} as JSON on stdin, prints {"torch", "threads", "ms": {name: median}} on
stdout and "done <name>" on stderr after each case. Same protocol as the JavaScript
side: warm-up runs, then timed runs (fewer if they would overrun the budget, more for
fast cases until they fill minTimeMs), median.
Shapes in the specs are NHWC; PyTorch runs its native NCHW layout.
`--device cuda` runs every case on the GPU (each timed run ends with a synchronize),
as the GPU bundle's run.sh asks when PyTorch there has CUDA; the default is the CPU.
"""

import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


MAX_RUNS = 200


def parse_device():
    """The torch device of `--device cpu|cuda`; exits with a message when CUDA is missing."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    name = parser.parse_args().device
    if name == "cuda" and not torch.cuda.is_available():
        sys.exit(f"--device cuda: this PyTorch {torch.__version__} has no CUDA device")
    return torch.device(name)


def device_text(device):
    """What the report names: the GPU's name under CUDA, else 'cpu'."""
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def build(spec, device=torch.device("cpu")):
    n, h, w, c = spec["x"]
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, h, w, generator=gen)
    op = spec["op"]
    if op == "conv2d":
        groups = spec["groups"]
        weight = torch.randn(spec["cout"], c // groups, spec["kernel"], spec["kernel"], generator=gen) * 0.05

        def f(x, weight):
            return F.conv2d(x, weight, stride=spec["stride"], padding=spec["padding"],
                            dilation=spec["dilation"], groups=groups)

        params = [x, weight]
    elif op == "conv_transpose2d":
        weight = torch.randn(c, spec["cout"], spec["kernel"], spec["kernel"], generator=gen) * 0.05

        def f(x, weight):
            return F.conv_transpose2d(x, weight, stride=spec["stride"], padding=spec["padding"],
                                      output_padding=spec["output_padding"])

        params = [x, weight]
    elif op == "instance_norm":
        gamma = 1 + 0.1 * torch.randn(c, generator=gen)
        beta = 0.1 * torch.randn(c, generator=gen)

        def f(x, gamma, beta):
            return F.instance_norm(x, weight=gamma, bias=beta, eps=1e-5)

        params = [x, gamma, beta]
    else:
        raise ValueError(f"unknown op {op!r}")
    params = [p.to(device) for p in params]

    if not spec["backward"]:
        def step():
            with torch.no_grad():
                f(*params)
        return step

    for p in params:
        p.requires_grad_(True)
    with torch.no_grad():
        dy = torch.randn_like(f(*params))

    def step():
        y = f(*params)
        torch.autograd.grad(y, params, dy)
    return step


def time_once(step, device):
    start = time.perf_counter()
    step()
    # CUDA runs asynchronously: a run ends when the GPU has finished its work.
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (time.perf_counter() - start) * 1000


def measure(step, protocol, device=torch.device("cpu")):
    estimate = 0.0
    for _ in range(protocol["warmup"]):
        estimate = time_once(step, device)
    affordable = int(protocol["budgetMs"] // estimate) if estimate > 0 else protocol["runs"]
    runs = max(1, min(protocol["runs"], affordable))
    # As the JavaScript side: fast cases keep being timed until they fill minTimeMs.
    samples = []
    while len(samples) < runs or (sum(samples) < protocol.get("minTimeMs", 0) and len(samples) < MAX_RUNS):
        samples.append(time_once(step, device))
    return statistics.median(samples)


def main():
    device = parse_device()
    job = json.load(sys.stdin)
    torch.set_num_threads(int(job["threads"]))
    out = {}
    for case in job["cases"]:
        out[case["name"]] = measure(build(case["spec"], device), job["protocol"], device)
        print(f"done {case['name']}", file=sys.stderr, flush=True)
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(),
               "device": device_text(device), "ms": out}, sys.stdout)


if __name__ == "__main__":
    main()
