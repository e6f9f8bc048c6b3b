"""PyTorch timings for the `conv-grad` suite of @atelier/bench.

Reads {"cases": [{"name", "spec"}], "protocol", "threads"} as JSON on stdin, prints
{"torch", "threads", "ms": {name: median}} on stdout and "done <name>" on stderr after
each case. A spec names one part of a 3x3, stride-1, padding-1 convolution's passes:
the forward (F.conv2d), the input gradient (torch.nn.grad.conv2d_input, the kernel
autograd runs) or the weight gradient (torch.nn.grad.conv2d_weight). Shapes are NCHW.
"""

import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

MAX_RUNS = 200


def build(spec):
    n, c, h, w = spec["x"]
    k = spec["kernel"]
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, h, w, generator=gen)
    weight = torch.randn(spec["cout"], c, k, k, generator=gen) * 0.05
    dy = torch.randn(n, spec["cout"], h, w, generator=gen)
    op = spec["op"]
    if op == "forward":
        return lambda: F.conv2d(x, weight, padding=k // 2)
    if op == "input-grad":
        return lambda: torch.nn.grad.conv2d_input(x.shape, weight, dy, padding=k // 2)
    if op == "weight-grad":
        return lambda: torch.nn.grad.conv2d_weight(x, weight.shape, dy, padding=k // 2)
    raise ValueError(f"unknown op {op!r}")


def time_once(step):
    start = time.perf_counter()
    with torch.no_grad():
        step()
    return (time.perf_counter() - start) * 1000


def measure(step, protocol):
    estimate = 0.0
    for _ in range(protocol["warmup"]):
        estimate = time_once(step)
    affordable = int(protocol["budgetMs"] // estimate) if estimate > 0 else protocol["runs"]
    runs = max(1, min(protocol["runs"], affordable))
    samples = []
    while len(samples) < runs or (sum(samples) < protocol.get("minTimeMs", 0) and len(samples) < MAX_RUNS):
        samples.append(time_once(step))
    return statistics.median(samples)


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(int(job["threads"]))
    out = {}
    for case in job["cases"]:
        out[case["name"]] = measure(build(case["spec"]), job["protocol"])
        print(f"done {case['name']}", file=sys.stderr, flush=True)
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": out}, sys.stdout)


if __name__ == "__main__":
    main()
