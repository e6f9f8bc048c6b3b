"""Writes packages/core/test/fixtures/torch-layouts.safetensors: PyTorch weights in
their own layouts (OIHW conv, (in, out, kh, kw) transposed conv, (out, in) linear),
a seeded input to each layer and PyTorch's output, all NCHW float32. The test converts
the weights to tfjs layouts and must reproduce the outputs.

Run: /usr/bin/python3 tools/parity/torch_layouts.py
"""

import os

import torch
import torch.nn.functional as F

import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/core/test/fixtures/torch-layouts.safetensors")


def main():
    torch.manual_seed(0)
    state = {}

    def record(name, layer, x, y):
        state[f"{name}.weight"] = layer.weight
        if layer.bias is not None:
            state[f"{name}.bias"] = layer.bias
        state[f"{name}.input"] = x
        state[f"{name}.output"] = y

    with torch.no_grad():
        # Conv 3 -> 4, k3 s1 p1 (tfjs 'same'), non-square input.
        conv = torch.nn.Conv2d(3, 4, 3, stride=1, padding=1)
        x = torch.randn(2, 3, 6, 5)
        record("conv", conv, x, F.conv2d(x, conv.weight, conv.bias, stride=1, padding=1))

        # Grouped conv 4 -> 6 in 2 groups: weight (6, 2, 3, 3).
        grouped = torch.nn.Conv2d(4, 6, 3, padding=1, groups=2)
        x = torch.randn(1, 4, 5, 5)
        record("grouped", grouped, x, F.conv2d(x, grouped.weight, grouped.bias, padding=1, groups=2))

        # Depthwise conv, 3 channels, multiplier 2: weight (6, 1, 3, 3).
        depthwise = torch.nn.Conv2d(3, 6, 3, padding=1, groups=3)
        x = torch.randn(1, 3, 4, 5)
        record("depthwise", depthwise, x, F.conv2d(x, depthwise.weight, depthwise.bias, padding=1, groups=3))

        # Transposed conv 4 -> 3, k4 s2 p1 (tfjs 'same'): weight (4, 3, 4, 4).
        convt = torch.nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1)
        x = torch.randn(1, 4, 3, 5)
        record("convt", convt, x, F.conv_transpose2d(x, convt.weight, convt.bias, stride=2, padding=1))

        # Linear 5 -> 3: weight (3, 5).
        linear = torch.nn.Linear(5, 3)
        x = torch.randn(4, 5)
        record("linear", linear, x, F.linear(x, linear.weight, linear.bias))

    st.write(OUT, st.torch_entries(state), {"writer": "tools/parity/torch_layouts.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
