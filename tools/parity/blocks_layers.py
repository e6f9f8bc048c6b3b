"""Writes packages/blocks/test/fixtures/layers.safetensors: PyTorch reference outputs of
tiny seeded layers and blocks, for parity tests of @atelier/blocks.

Every case `c` stores
  c/state/<key>   the module's state dict, PyTorch layouts, exactly as state_dict() names it
  c/input         the input (NCHW for images, as PyTorch takes it; tokens as they are)
  c/output        PyTorch's output (same layout)
and some store more: c/after/<key> (buffers after a training-mode forward: batch norm
running statistics, spectral norm u and v), c/input_eval and c/output_eval (an eval-mode
forward after that). The metadata `configs` maps each case to the options the
TypeScript test builds its layer with. Parameters are random (not the layers' default
init) and running statistics non-trivial, so each case tests every piece.

Run: /usr/bin/python3 tools/parity/blocks_layers.py
"""

import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.densenet import _DenseBlock, _Transition
from torchvision.models.googlenet import Inception
from torchvision.models.resnet import BasicBlock, Bottleneck

import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/blocks/test/fixtures/layers.safetensors")


def randomise(module, gen):
    """Random parameters and non-trivial running statistics (num_batches_tracked kept)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("gamma"):
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
            elif name.endswith("weight") and p.dim() == 1:
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=gen) * 0.3)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=gen) + 0.5)


class SelfAttn(nn.Module):
    """SAGAN's self-attention as heykeetae/Self-Attention-GAN writes it (no activation
    argument), returning only the output."""

    def __init__(self, in_dim):
        super().__init__()
        self.query_conv = nn.Conv2d(in_dim, in_dim // 8, 1)
        self.key_conv = nn.Conv2d(in_dim, in_dim // 8, 1)
        self.value_conv = nn.Conv2d(in_dim, in_dim, 1)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        b, c, w, h = x.size()
        q = self.query_conv(x).view(b, -1, w * h).permute(0, 2, 1)
        k = self.key_conv(x).view(b, -1, w * h)
        attention = self.softmax(torch.bmm(q, k))
        v = self.value_conv(x).view(b, -1, w * h)
        out = torch.bmm(v, attention.permute(0, 2, 1)).view(b, c, w, h)
        return self.gamma * out + x


class NonLocal(nn.Module):
    """AlexHex7/Non-local_pytorch's NONLocalBlock2D, embedded Gaussian, bn_layer=True."""

    def __init__(self, c, sub_sample):
        super().__init__()
        inter = c // 2
        self.inter = inter
        self.g = nn.Conv2d(c, inter, 1)
        self.W = nn.Sequential(nn.Conv2d(inter, c, 1), nn.BatchNorm2d(c))
        self.theta = nn.Conv2d(c, inter, 1)
        self.phi = nn.Conv2d(c, inter, 1)
        if sub_sample:
            self.g = nn.Sequential(self.g, nn.MaxPool2d(2))
            self.phi = nn.Sequential(self.phi, nn.MaxPool2d(2))

    def forward(self, x):
        b = x.size(0)
        g_x = self.g(x).view(b, self.inter, -1).permute(0, 2, 1)
        theta_x = self.theta(x).view(b, self.inter, -1).permute(0, 2, 1)
        phi_x = self.phi(x).view(b, self.inter, -1)
        f = F.softmax(torch.matmul(theta_x, phi_x), dim=-1)
        y = torch.matmul(f, g_x).permute(0, 2, 1).contiguous().view(b, self.inter, *x.size()[2:])
        return self.W(y) + x


class MHA(nn.Module):
    """nn.MultiheadAttention as self-attention over tokens (batch first)."""

    def __init__(self, c, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(c, heads, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x, need_weights=False)[0]


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    entries = []
    configs = {}

    def put(name, tensor):
        entries.extend(st.torch_entries({name: tensor}))

    def case(name, module, x, config, train=False, eval_input=None, randomize=True, state_module=None):
        if randomize:
            randomise(module, gen)
        holder = state_module or module
        for key, value in holder.state_dict().items():
            put(f"{name}/state/{key}", value)
        module.train(train)
        with torch.no_grad():
            y = module(x)
        put(f"{name}/input", x)
        put(f"{name}/output", y)
        if train:
            for key, value in holder.state_dict().items():
                if "running" in key or "num_batches" in key or key.endswith("_u") or key.endswith("_v"):
                    put(f"{name}/after/{key}", value)
        if eval_input is not None:
            module.eval()
            with torch.no_grad():
                put(f"{name}/input_eval", eval_input)
                put(f"{name}/output_eval", module(eval_input))
        configs[name] = config

    randn = lambda *shape: torch.randn(*shape, generator=gen)  # noqa: E731

    # --- Convolutions
    case("conv_reflect", nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), randn(2, 3, 5, 6),
         {"inChannels": 3, "outChannels": 4, "kernelSize": 3, "padding": 1, "paddingMode": "reflect"})
    case("conv_replicate", nn.Conv2d(2, 3, 3, stride=2, padding=2, padding_mode="replicate"), randn(1, 2, 7, 6),
         {"inChannels": 2, "outChannels": 3, "kernelSize": 3, "stride": 2, "padding": 2, "paddingMode": "replicate"})
    case("conv_strided", nn.Conv2d(3, 4, 4, stride=2, padding=1), randn(2, 3, 8, 6),
         {"inChannels": 3, "outChannels": 4, "kernelSize": 4, "stride": 2, "padding": 1})
    case("conv_s2p1_k3", nn.Conv2d(3, 2, 3, stride=2, padding=1, bias=False), randn(1, 3, 7, 8),
         {"inChannels": 3, "outChannels": 2, "kernelSize": 3, "stride": 2, "padding": 1, "bias": False})
    case("conv_grouped_dilated", nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2), randn(1, 4, 7, 7),
         {"inChannels": 4, "outChannels": 6, "kernelSize": 3, "padding": 2, "dilation": 2, "groups": 2})
    case("conv_depthwise", nn.Conv2d(3, 6, 3, padding=1, groups=3, bias=False), randn(1, 3, 5, 4),
         {"inChannels": 3, "outChannels": 6, "kernelSize": 3, "padding": 1, "groups": 3, "bias": False})
    case("conv_rect", nn.Conv2d(2, 3, (3, 1), stride=(1, 2), padding=(1, 0)), randn(1, 2, 5, 6),
         {"inChannels": 2, "outChannels": 3, "kernelSize": [3, 1], "stride": [1, 2], "padding": [1, 0]})
    case("convt_outpad", nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), randn(2, 4, 3, 4),
         {"inChannels": 4, "outChannels": 3, "kernelSize": 3, "stride": 2, "padding": 1, "outputPadding": 1})
    case("convt_k4", nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, bias=False), randn(1, 3, 4, 3),
         {"inChannels": 3, "outChannels": 2, "kernelSize": 4, "stride": 2, "padding": 1, "bias": False})
    case("convt_grouped", nn.ConvTranspose2d(4, 6, 3, stride=1, padding=1, groups=2), randn(1, 4, 4, 4),
         {"inChannels": 4, "outChannels": 6, "kernelSize": 3, "padding": 1, "groups": 2})
    case("linear", nn.Linear(5, 3), randn(2, 4, 5), {"inFeatures": 5, "outFeatures": 3})

    # --- Padding modules: PyTorch's (left, right, top, bottom)
    case("pad_reflect", nn.ReflectionPad2d((1, 2, 2, 0)), randn(1, 2, 3, 4), {"padding": [1, 2, 2, 0], "mode": "reflect"})
    case("pad_replicate", nn.ReplicationPad2d((2, 0, 1, 3)), randn(1, 2, 3, 3), {"padding": [2, 0, 1, 3], "mode": "replicate"})
    case("pad_zero", nn.ZeroPad2d(1), randn(1, 1, 2, 3), {"padding": 1, "mode": "zero"})

    # --- Norms
    bn = nn.BatchNorm2d(3, momentum=0.1)
    case("bn_train", bn, randn(4, 3, 3, 2), {"numFeatures": 3, "momentum": 0.1}, train=True,
         eval_input=randn(2, 3, 2, 2))
    bn = nn.BatchNorm2d(3, momentum=None)
    bn.num_batches_tracked.fill_(2)
    case("bn_cumulative", bn, randn(2, 3, 2, 2), {"numFeatures": 3, "momentum": None}, train=True)
    case("bn_eval", nn.BatchNorm2d(4, eps=1e-3), randn(2, 4, 3, 3), {"numFeatures": 4, "eps": 1e-3})
    case("in_affine", nn.InstanceNorm2d(3, affine=True), randn(2, 3, 4, 5), {"numFeatures": 3, "affine": True})
    case("in_plain", nn.InstanceNorm2d(3), randn(2, 3, 4, 4), {"numFeatures": 3})
    case("in_track", nn.InstanceNorm2d(3, track_running_stats=True, affine=True), randn(2, 3, 3, 4),
         {"numFeatures": 3, "trackRunningStats": True, "affine": True}, train=True, eval_input=randn(1, 3, 3, 3))
    case("groupnorm", nn.GroupNorm(2, 4), randn(2, 4, 3, 3), {"numGroups": 2, "numChannels": 4})
    case("layernorm_tokens", nn.LayerNorm(5), randn(2, 3, 5), {"normalizedShape": [5]})

    # Channels-last layer norm: PyTorch normalises the last axis of an NHWC tensor; stored
    # as NHWC input and output (the TypeScript side feeds them unchanged).
    ln = nn.LayerNorm(4)
    randomise(ln, gen)
    x = randn(2, 3, 3, 4)
    for key, value in ln.state_dict().items():
        put(f"layernorm_nhwc/state/{key}", value)
    with torch.no_grad():
        put("layernorm_nhwc/input", x)
        put("layernorm_nhwc/output", ln(x))
    configs["layernorm_nhwc"] = {"normalizedShape": [4], "layout": "nhwc"}

    # --- Spectral norm: one power iteration in training mode, then eval.
    torch.manual_seed(5)
    sn = nn.utils.spectral_norm(nn.Conv2d(3, 4, 3, padding=1))
    randomise(sn, gen)
    case("spectral_conv", sn, randn(2, 3, 4, 4), {"inChannels": 3, "outChannels": 4, "kernelSize": 3, "padding": 1},
         train=True, eval_input=randn(1, 3, 4, 4), randomize=False)
    sn = nn.utils.spectral_norm(nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1))
    randomise(sn, gen)
    case("spectral_convt", sn, randn(1, 4, 3, 3),
         {"inChannels": 4, "outChannels": 2, "kernelSize": 4, "stride": 2, "padding": 1},
         train=True, randomize=False)
    sn = nn.utils.spectral_norm(nn.Linear(6, 5))
    randomise(sn, gen)
    case("spectral_linear", sn, randn(3, 6), {"inFeatures": 6, "outFeatures": 5}, train=True, randomize=False)

    # --- Resampling and pooling
    case("up_bilinear", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), randn(1, 2, 3, 4),
         {"scaleFactor": 2, "mode": "bilinear"})
    case("up_bilinear_size", nn.Upsample(size=(5, 7), mode="bilinear", align_corners=False), randn(1, 2, 3, 4),
         {"size": [5, 7], "mode": "bilinear"})
    case("up_bilinear_corners", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), randn(1, 2, 3, 3),
         {"scaleFactor": 2, "mode": "bilinear", "alignCorners": True})
    case("up_nearest", nn.Upsample(scale_factor=2, mode="nearest"), randn(1, 2, 3, 2),
         {"scaleFactor": 2, "mode": "nearest"})
    case("maxpool", nn.MaxPool2d(3, stride=2, padding=1), randn(1, 2, 5, 6),
         {"kernelSize": 3, "stride": 2, "padding": 1})
    case("avgpool_pad", nn.AvgPool2d(3, stride=2, padding=1), randn(1, 2, 5, 6),
         {"kernelSize": 3, "stride": 2, "padding": 1})
    case("avgpool_nopad", nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), randn(1, 2, 5, 6),
         {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False})
    case("adaptive", nn.AdaptiveAvgPool2d((2, 3)), randn(1, 2, 5, 7), {"outputSize": [2, 3]})

    # --- Activations (elementwise; any layout)
    a = torch.linspace(-4, 4, 33)
    case("act_gelu", nn.GELU(), a, {"name": "gelu"})
    case("act_gelu_tanh", nn.GELU(approximate="tanh"), a, {"name": "gelu", "approximate": "tanh"})
    case("act_elu", nn.ELU(alpha=0.5), a, {"name": "elu", "alpha": 0.5})
    case("act_leaky", nn.LeakyReLU(0.2), a, {"name": "leakyRelu", "alpha": 0.2})
    case("act_swish", nn.SiLU(), a, {"name": "swish"})

    # --- Attention
    sa = SelfAttn(8)
    case("self_attention", sa, randn(2, 8, 3, 2), {"channels": 8})
    case("non_local", NonLocal(4, False), randn(1, 4, 3, 3), {"channels": 4})
    case("non_local_sub", NonLocal(4, True), randn(1, 4, 4, 4), {"channels": 4, "subSample": True})
    mha = MHA(8, 2)
    case("mha", mha, randn(2, 6, 8), {"channels": 8, "numHeads": 2}, state_module=mha.attn)

    # --- Blocks with torchvision's keys (eval mode)
    down = nn.Sequential(nn.Conv2d(4, 6, 1, stride=2, bias=False), nn.BatchNorm2d(6))
    case("basic_block", BasicBlock(4, 6, stride=2, downsample=down), randn(1, 4, 6, 6),
         {"inChannels": 4, "outChannels": 6, "stride": 2})
    down = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16))
    case("resnext_bottleneck", Bottleneck(8, 4, groups=2, base_width=32, downsample=down), randn(1, 8, 4, 4),
         {"inChannels": 8, "planes": 4, "cardinality": 2, "baseWidth": 32})
    case("inception", Inception(4, 2, 2, 3, 2, 3, 2), randn(1, 4, 5, 5),
         {"inChannels": 4, "ch1x1": 2, "ch3x3red": 2, "ch3x3": 3, "ch5x5red": 2, "ch5x5": 3, "poolProj": 2,
          "kernel5x5": 3})
    case("dense_block", _DenseBlock(2, 3, 2, 2, 0.0), randn(1, 3, 4, 4),
         {"numLayers": 2, "inChannels": 3, "bnSize": 2, "growthRate": 2})
    case("transition", _Transition(4, 2), randn(1, 4, 4, 6), {"inChannels": 4, "outChannels": 2})

    st.write(OUT, entries, metadata={"configs": json.dumps(configs)})
    print(f"wrote {len(entries)} tensors, {os.path.getsize(OUT)} bytes to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
