"""Writes packages/core/test/fixtures/ops/conv.json: PyTorch's conv2d, conv_transpose2d
and depthwise convolution on tiny seeded inputs, over the grid of strides, dilations,
groups and paddings that @atelier/core's ops.conv2d / conv2dTranspose / depthwiseConv2d
must reproduce.

Run with Debian's PyTorch: /usr/bin/python3 tools/parity/conv_ops.py
Everything is stored in Atelier's layouts, flattened with its shape: images NHWC,
conv2d filters [kh, kw, Cin/groups, Cout] (PyTorch's weight permuted (2, 3, 1, 0)),
transposed-conv filters [kh, kw, Cout/groups, Cin] (PyTorch's (Cin, Cout/groups, kh, kw)
permuted (2, 3, 1, 0)). Values are rounded to float32 before computing, in float64.
"""

import json
import math
import pathlib

import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parents[2] / "packages/core/test/fixtures/ops/conv.json"
gen = torch.Generator().manual_seed(7)


def rand(*shape):
    return (torch.randn(*shape, generator=gen, dtype=torch.float64) * 0.5).float().double()


def flat(t):
    # 8 significant digits: float32 needs at most 9, the tests compare at 1e-4.
    return {"shape": list(t.shape), "data": [float(f"{v:.8g}") for v in t.reshape(-1).tolist()]}


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()


def hwio(w):
    return w.permute(2, 3, 1, 0).contiguous()


def tf_same(size, kernel, stride, dilation):
    """TensorFlow's 'same' padding along one axis: ceil(size/stride) outputs, odd pixel after."""
    effective = dilation * (kernel - 1) + 1
    out = math.ceil(size / stride)
    total = max(0, (out - 1) * stride + effective - size)
    return total // 2, total - total // 2


def padded(x, padding, mode, k, stride, dilation):
    """x padded as Atelier's padding option means; returns (x, padding description)."""
    h, w = x.shape[2], x.shape[3]
    if padding == "valid":
        t = b = l = r = 0
    elif padding == "same":
        t, b = tf_same(h, k, stride, dilation)
        l, r = tf_same(w, k, stride, dilation)
    elif isinstance(padding, int):
        t = b = l = r = padding
    else:
        t, b, l, r = padding
    torch_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate"}[mode]
    return F.pad(x, (l, r, t, b), mode=torch_mode)


x_base = rand(1, 4, 7, 6)
x_batch = rand(2, 4, 7, 6)
x_small = rand(2, 4, 5, 4)
# Inputs are stored once; each case names its input.
inputs = {"x_base": flat(nhwc(x_base)), "x_batch": flat(nhwc(x_batch)), "x_small": flat(nhwc(x_small))}
cases = []

# conv2d: stride x dilation x groups x padding kinds (and padding modes).
paddings = [("valid", "zeros"), (1, "zeros"), ([2, 0, 1, 3], "zeros"), ("same", "zeros"),
            (1, "reflect"), ([1, 2, 2, 1], "replicate")]
for stride in (1, 2):
    for dilation in (1, 2):
        for groups in (1, 2, 4):
            for padding, mode in paddings:
                cout = 8 if groups == 4 else 4
                w = rand(cout, 4 // groups, 3, 3)
                bias = rand(cout)
                xp = padded(x_base, padding, mode, 3, stride, dilation)
                y = F.conv2d(xp, w, bias, stride=stride, dilation=dilation, groups=groups)
                cases.append({
                    "op": "conv2d",
                    "options": {"stride": stride, "dilation": dilation, "groups": groups,
                                "padding": padding, "padMode": mode},
                    "x": "x_base", "w": flat(hwio(w)), "bias": flat(bias), "y": flat(nhwc(y)),
                })

# A few anisotropic ones: [h, w] strides and dilations, 2x1 and 1x3 filters.
for stride, dilation, k in (([2, 1], [1, 2], (3, 2)), ([1, 3], [2, 1], (2, 3)), ([2, 2], [3, 1], (3, 3))):
    w = rand(4, 2, *k)
    y = F.conv2d(F.pad(x_batch, (1, 1, 2, 0)), w, None, stride=stride, dilation=dilation, groups=2)
    cases.append({
        "op": "conv2d",
        "options": {"stride": stride, "dilation": dilation, "groups": 2, "padding": [2, 0, 1, 1]},
        "x": "x_batch", "w": flat(hwio(w)), "y": flat(nhwc(y)),
    })

# conv_transpose2d: pix2pix's k4 s2 p1, ResNet generator's k3 s2 p1 op1, and more.
for k, stride, padding, output_padding, dilation, groups in (
        (4, 2, 1, 0, 1, 1), (3, 2, 1, 1, 1, 1), (3, 1, 0, 0, 1, 1), (3, 2, 0, 0, 2, 1),
        (4, 2, 1, 0, 1, 2), (3, 3, 2, 2, 1, 4), (2, 2, 0, 1, 2, 2)):
    cout = 6 if groups != 4 else 8
    w = rand(4, cout // groups, k, k)
    bias = rand(cout)
    y = F.conv_transpose2d(x_small, w, bias, stride=stride, padding=padding,
                           output_padding=output_padding, dilation=dilation, groups=groups)
    cases.append({
        "op": "conv2dTranspose",
        "options": {"stride": stride, "padding": padding, "outputPadding": output_padding,
                    "dilation": dilation, "groups": groups},
        "x": "x_small", "w": flat(w.permute(2, 3, 1, 0).contiguous()), "bias": flat(bias),
        "y": flat(nhwc(y)),
    })

# depthwise: channel multiplier 1 and 2, with stride, dilation, padding.
for multiplier, stride, dilation, padding in ((1, 1, 1, 1), (2, 2, 1, 1), (2, 1, 2, 2), (1, 2, 2, "same")):
    w = rand(4 * multiplier, 1, 3, 3)
    xp = padded(x_batch, padding, "zeros", 3, stride, dilation)
    y = F.conv2d(xp, w, None, stride=stride, dilation=dilation, groups=4)
    # Atelier's depthwise filter [kh, kw, C, M]: output channel c*M + m.
    w_dw = w.reshape(4, multiplier, 3, 3).permute(2, 3, 0, 1).contiguous()
    cases.append({
        "op": "depthwiseConv2d",
        "options": {"stride": stride, "dilation": dilation, "padding": padding},
        "x": "x_batch", "w": flat(w_dw), "y": flat(nhwc(y)),
    })

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({"torch": torch.__version__, "inputs": inputs, "cases": cases}, separators=(",", ":")))
print(f"wrote {len(cases)} cases to {OUT} ({OUT.stat().st_size} bytes)")
