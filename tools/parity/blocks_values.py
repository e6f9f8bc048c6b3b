"""Writes packages/blocks/test/fixtures/blocks-values.safetensors: PyTorch reference
outputs of the course's blocks that layers.safetensors does not cover (CBAM,
squeeze-excitation, depthwise-separable convolution, dilated stacks, the plain ResNet
bottleneck, the generic UNet, ConvNormAct, PixelNorm, ProGAN's minibatch standard
deviation and the simple activations), so
that a wrong forward pass fails a test.

Each reference below is written from its paper and the common PyTorch implementation it
names, not from the TypeScript code; only the state-dict key names are chosen to match
@atelier/blocks'. The file has the layout of layers.safetensors (see blocks_layers.py):
c/state/<key>, c/input, c/output (NCHW), c/after/<key> for training-mode cases, and
the metadata `configs` with the options the TypeScript test builds each case with.
Parameters and running statistics are random, so every piece is exercised.

Run: /usr/bin/python3 tools/parity/blocks_values.py
"""

import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import Bottleneck

import safetensors_spec as st
from blocks_layers import randomise

OUT = os.path.join(
    os.path.dirname(__file__), "../../packages/blocks/test/fixtures/blocks-values.safetensors"
)


class ConvNormAct(nn.Module):
    """timm's ConvNormAct: conv (bias only without a norm) -> norm -> activation."""

    def __init__(self, cin, cout, k=3, stride=1, dilation=1, groups=1, padding_mode="zeros",
                 norm="batch", act=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, dilation * (k - 1) // 2, dilation, groups,
                              bias=norm == "none", padding_mode=padding_mode)
        self.bn = {"batch": lambda: nn.BatchNorm2d(cout), "instance": lambda: nn.InstanceNorm2d(cout),
                   "none": nn.Identity}[norm]()
        self.act = nn.ReLU() if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class ChannelAttn(nn.Module):
    """CBAM's channel attention (Woo et al. 2018, eq. 2; timm's ChannelAttn): one shared
    MLP on the average- and the max-pooled descriptor, summed, sigmoid."""

    def __init__(self, c, rd):
        super().__init__()
        self.fc1 = nn.Conv2d(c, rd, 1)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(rd, c, 1)

    def forward(self, x):
        avg = self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True))))
        mx = self.fc2(self.act(self.fc1(x.amax((2, 3), keepdim=True))))
        return x * torch.sigmoid(avg + mx)


class SpatialAttn(nn.Module):
    """CBAM's spatial attention (eq. 3; timm's SpatialAttn): [average, max] over the
    channels, a 7x7 conv without bias, batch norm, sigmoid."""

    def __init__(self, k=7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, k, padding=(k - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(1)

    def forward(self, x):
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.bn(self.conv(pooled)))


class Cbam(nn.Module):
    def __init__(self, c, rd, k=7):
        super().__init__()
        self.channel = ChannelAttn(c, rd)
        self.spatial = SpatialAttn(k)

    def forward(self, x):
        return self.spatial(self.channel(x))


class SE(nn.Module):
    """Squeeze-and-excitation (Hu et al.; timm's SEModule)."""

    def __init__(self, c, rd):
        super().__init__()
        self.fc1 = nn.Conv2d(c, rd, 1)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(rd, c, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True)))))


class SeparableConv(nn.Module):
    """timm's DepthwiseSeparableConv without its residual: depthwise k x k (groups = in),
    norm, act, pointwise 1x1, norm, act."""

    def __init__(self, cin, cout, k=3, stride=1, dilation=1, multiplier=1, norm="batch"):
        super().__init__()
        mid = cin * multiplier
        plain = norm == "none"
        self.conv_dw = nn.Conv2d(cin, mid, k, stride, dilation * (k - 1) // 2, dilation, groups=cin,
                                 bias=plain)
        self.bn1 = nn.Identity() if plain else nn.BatchNorm2d(mid)
        self.conv_pw = nn.Conv2d(mid, cout, 1, bias=plain)
        self.bn2 = nn.Identity() if plain else nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv_dw(x)))
        return F.relu(self.bn2(self.conv_pw(x)))


class DilatedStack(nn.Module):
    """Yu & Koltun's context module shape: 3x3 convs dilated d_i, padded d_i, ReLU."""

    def __init__(self, c, dilations, norm="none", padding_mode="zeros"):
        super().__init__()
        self.layers = nn.ModuleList(
            ConvNormAct(c, c, 3, dilation=d, norm=norm, padding_mode=padding_mode) for d in dilations
        )

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class SEBottleneck(Bottleneck):
    """torchvision's Bottleneck with timm's attention placement: after bn3, before the
    residual sum."""

    def __init__(self, inplanes, planes, rd, **kwargs):
        super().__init__(inplanes, planes, **kwargs)
        self.se = SE(planes * 4, rd)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.se(self.bn3(self.conv3(out)))
        return self.relu(out + identity)


class UpConv(nn.Module):
    def __init__(self, mode, cin, cout):
        super().__init__()
        self.mode = mode
        self.conv = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        if self.mode == "bilinear":
            return self.conv(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class UNet(nn.Module):
    """Ronneberger et al.'s UNet at any depth: two 3x3 conv-norm-ReLU per level, a
    downsampling between levels, and in the decoder an upsampling, the encoder's output
    of the same level concatenated (skip first, as pix2pix), two convs again; a 1x1 head."""

    def __init__(self, cin, cout, ch, down="maxpool", up="transpose", norm="batch"):
        super().__init__()
        depth = len(ch) - 1
        self.depth = depth

        def block(i, o):
            return nn.Sequential(ConvNormAct(i, o, norm=norm), ConvNormAct(o, o, norm=norm))

        self.encoders = nn.ModuleList(block(cin if l == 0 else ch[l - 1], ch[l]) for l in range(depth + 1))
        self.downs = nn.ModuleList(
            nn.MaxPool2d(2) if down == "maxpool" else ConvNormAct(ch[i], ch[i], stride=2, norm=norm)
            for i in range(depth)
        )
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(ch[l + 1], ch[l], 2, stride=2) if up == "transpose" else UpConv(up, ch[l + 1], ch[l])
            for l in range(depth)
        )
        self.decoders = nn.ModuleList(block(2 * ch[l], ch[l]) for l in range(depth))
        self.head = nn.Conv2d(ch[0], cout, 1)

    def forward(self, x):
        skips = []
        for level in range(self.depth + 1):
            if level > 0:
                x = self.downs[level - 1](x)
            x = self.encoders[level](x)
            skips.append(x)
        for level in reversed(range(self.depth)):
            x = self.decoders[level](torch.cat([skips[level], self.ups[level](x)], 1))
        return self.head(x)


class PixelNorm(nn.Module):
    """ProGAN's pixelwise feature vector normalisation (Karras et al. 2018, eq. 1), over
    the channel axis (dim 1)."""

    def forward(self, x):
        return x * torch.rsqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


def minibatch_stddev(x, group_size=4):
    """ProGAN's minibatch standard deviation (Karras et al. 2018; networks.py
    minibatch_stddev_layer) in NCHW: groups of min(group_size, N) samples interleaved as
    the reshape [G, N / G, ...] makes them, the std over the group, averaged over C, H, W,
    appended to every sample of the group as one more channel."""
    n, c, h, w = x.shape
    g = min(group_size, n)
    y = x.reshape(g, -1, c, h, w)
    y = y - y.mean(0, keepdim=True)
    y = torch.sqrt((y ** 2).mean(0) + 1e-8)
    y = y.mean(dim=[1, 2, 3], keepdim=True)
    y = y.repeat(g, 1, h, w)
    return torch.cat([x, y], 1)


class MinibatchStddev(nn.Module):
    def __init__(self, group_size=4):
        super().__init__()
        self.group_size = group_size

    def forward(self, x):
        return minibatch_stddev(x, self.group_size)


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(4321)
    entries = []
    configs = {}

    def put(name, tensor):
        entries.extend(st.torch_entries({name: tensor}))

    def case(name, module, x, config, train=False):
        randomise(module, gen)
        for key, value in module.state_dict().items():
            put(f"{name}/state/{key}", value)
        module.train(train)
        with torch.no_grad():
            y = module(x)
        put(f"{name}/input", x)
        put(f"{name}/output", y)
        if train:
            for key, value in module.state_dict().items():
                if "running" in key or "num_batches" in key:
                    put(f"{name}/after/{key}", value)
        configs[name] = config

    randn = lambda *shape: torch.randn(*shape, generator=gen)  # noqa: E731

    # --- Attention
    case("cbam", Cbam(8, 2), randn(2, 8, 5, 6), {"channels": 8, "reduction": 4})
    case("cbam_train", Cbam(6, 3, k=3), randn(3, 6, 4, 5),
         {"channels": 6, "rdChannels": 3, "spatialKernelSize": 3}, train=True)
    case("se", SE(8, 2), randn(2, 8, 3, 4), {"channels": 8, "reduction": 4})

    # --- Depthwise-separable convolution
    case("separable_bn", SeparableConv(3, 5, multiplier=2), randn(2, 3, 5, 6),
         {"inChannels": 3, "outChannels": 5, "depthMultiplier": 2})
    case("separable_plain", SeparableConv(4, 3, k=3, stride=2, dilation=2, norm="none"), randn(1, 4, 9, 8),
         {"inChannels": 4, "outChannels": 3, "stride": 2, "dilation": 2, "norm": "none"})

    # --- Dilated stacks
    case("dilated_plain", DilatedStack(3, [1, 2, 4]), randn(1, 3, 9, 10), {"channels": 3})
    case("dilated_bn_reflect", DilatedStack(2, [1, 3], norm="batch", padding_mode="reflect"), randn(2, 2, 8, 7),
         {"channels": 2, "dilations": [1, 3], "norm": "batch", "paddingMode": "reflect"})

    # --- ResNet's bottleneck (torchvision's keys)
    down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
    case("bottleneck_down", Bottleneck(8, 4, stride=2, downsample=down), randn(2, 8, 6, 5),
         {"inChannels": 8, "planes": 4, "stride": 2})
    case("bottleneck_identity", Bottleneck(16, 4), randn(1, 16, 4, 4), {"inChannels": 16, "planes": 4})
    down = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16))
    case("bottleneck_se", SEBottleneck(8, 4, 1, downsample=down), randn(1, 8, 4, 3),
         {"inChannels": 8, "planes": 4, "attention": "se"})

    # --- Conv -> norm -> act
    case("convnormact_instance", ConvNormAct(4, 6, 3, stride=2, groups=2, norm="instance"), randn(2, 4, 7, 6),
         {"inChannels": 4, "outChannels": 6, "stride": 2, "groups": 2, "norm": "instance"})

    # --- Generic UNet
    case("unet_default", UNet(2, 3, [2, 3, 4]), randn(2, 2, 8, 8),
         {"inChannels": 2, "outChannels": 3, "depth": 2, "channels": [2, 3, 4]})
    case("unet_stride_bilinear", UNet(2, 1, [3, 4, 2], down="stride", up="bilinear"), randn(1, 2, 8, 12),
         {"inChannels": 2, "outChannels": 1, "depth": 2, "channels": [3, 4, 2], "down": "stride", "up": "bilinear"})
    case("unet_nearest_instance", UNet(3, 2, [2, 4], up="nearest", norm="instance"), randn(1, 3, 6, 4),
         {"inChannels": 3, "outChannels": 2, "depth": 1, "channels": 2, "up": "nearest", "norm": "instance"})
    case("unet_train", UNet(1, 2, [2, 3]), randn(3, 1, 4, 4),
         {"inChannels": 1, "outChannels": 2, "depth": 1, "channels": [2, 3]}, train=True)

    # --- PixelNorm: NCHW feature maps and [N, C] latent codes
    case("pixelnorm_maps", PixelNorm(), randn(2, 4, 3, 3) * 3, {})
    case("pixelnorm_latent", PixelNorm(), randn(3, 5), {})

    # --- Activations not in layers.safetensors (PyTorch's defaults)
    a = torch.linspace(-4, 4, 33)
    case("act_relu", nn.ReLU(), a, {"name": "relu"})
    case("act_tanh", nn.Tanh(), a, {"name": "tanh"})
    case("act_sigmoid", nn.Sigmoid(), a, {"name": "sigmoid"})
    case("act_leaky_default", nn.LeakyReLU(), a, {"name": "leakyRelu"})
    case("act_elu_default", nn.ELU(), a, {"name": "elu"})

    # --- Minibatch standard deviation (ProGAN): groups of 4 in a batch of 8, and of 2.
    case("mbstd_g4", MinibatchStddev(4), randn(8, 3, 2, 3), {"groupSize": 4})
    case("mbstd_g2", MinibatchStddev(2), randn(4, 2, 3, 2) * 2, {"groupSize": 2})

    st.write(OUT, entries, metadata={"configs": json.dumps(configs)})
    print(f"wrote {len(entries)} tensors, {os.path.getsize(OUT)} bytes to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
