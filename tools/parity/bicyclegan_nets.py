"""Writes packages/gan/test/fixtures/bicyclegan-nets/<case>.safetensors: outputs of
junyanz/BicycleGAN's networks (models/networks.py: G_Unet_add_all, G_Unet_add_input,
E_ResNet, E_NLayers, D_NLayersMulti), rebuilt here as that file defines them, at small
widths with seeded random weights (nets.randomise), instance norm, eval mode.

Each file holds `input` (NCHW), `z` (for G), the outputs (`output` for G; `mu` and
`logvar` for E; `output.<i>` per scale for D), and `state.<key>` as the reference's
state_dict() names it. Metadata `config`: the case's options as JSON.

Run: /usr/bin/python3 tools/parity/bicyclegan_nets.py
"""

import functools
import json
import os

import torch
import torch.nn as nn

import nets
import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/gan/test/fixtures/bicyclegan-nets")
norm_layer = functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
lrelu = functools.partial(nn.LeakyReLU, negative_slope=0.2)


class UnetBlock_with_z(nn.Module):
    def __init__(self, input_nc, outer_nc, inner_nc, nz=0, submodule=None, outermost=False, innermost=False, use_dropout=False):
        super().__init__()
        self.outermost, self.innermost, self.nz = outermost, innermost, nz
        downconv = [nn.Conv2d(input_nc + nz, inner_nc, kernel_size=4, stride=2, padding=1)]
        downrelu, uprelu = nn.LeakyReLU(0.2, True), nn.ReLU(True)
        if outermost:
            upconv = [nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)]
            down, up = downconv, [uprelu] + upconv + [nn.Tanh()]
        elif innermost:
            upconv = [nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1)]
            down, up = [downrelu] + downconv, [uprelu] + upconv + [norm_layer(outer_nc)]
        else:
            upconv = [nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)]
            down = [downrelu] + downconv + [norm_layer(inner_nc)]
            up = [uprelu] + upconv + [norm_layer(outer_nc)]
            if use_dropout:
                up += [nn.Dropout(0.5)]
        self.down, self.submodule, self.up = nn.Sequential(*down), submodule, nn.Sequential(*up)

    def forward(self, x, z):
        if self.nz > 0:
            z_img = z.view(z.size(0), z.size(1), 1, 1).expand(z.size(0), z.size(1), x.size(2), x.size(3))
            x_and_z = torch.cat([x, z_img], 1)
        else:
            x_and_z = x
        if self.outermost:
            return self.up(self.submodule(self.down(x_and_z), z))
        if self.innermost:
            return torch.cat([self.up(self.down(x_and_z)), x], 1)
        return torch.cat([self.up(self.submodule(self.down(x_and_z), z)), x], 1)


class G_Unet_add_all(nn.Module):
    def __init__(self, input_nc, output_nc, nz, num_downs, ngf):
        super().__init__()
        block = UnetBlock_with_z(ngf * 8, ngf * 8, ngf * 8, nz, None, innermost=True)
        block = UnetBlock_with_z(ngf * 8, ngf * 8, ngf * 8, nz, block, use_dropout=True)
        for _ in range(num_downs - 6):
            block = UnetBlock_with_z(ngf * 8, ngf * 8, ngf * 8, nz, block, use_dropout=True)
        block = UnetBlock_with_z(ngf * 4, ngf * 4, ngf * 8, nz, block)
        block = UnetBlock_with_z(ngf * 2, ngf * 2, ngf * 4, nz, block)
        block = UnetBlock_with_z(ngf, ngf, ngf * 2, nz, block)
        self.model = UnetBlock_with_z(input_nc, output_nc, ngf, nz, block, outermost=True)

    def forward(self, x, z):
        return self.model(x, z)


class UnetBlock(nn.Module):
    """The reference's UnetBlock (pix2pix's skip block) with upsample 'basic', zero padding."""

    def __init__(self, input_nc, outer_nc, inner_nc, submodule=None, outermost=False, innermost=False, use_dropout=False):
        super().__init__()
        self.outermost = outermost
        downconv = [nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1)]
        downrelu, uprelu = nn.LeakyReLU(0.2, True), nn.ReLU(True)
        if outermost:
            upconv = [nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)]
            model = downconv + [submodule] + [uprelu] + upconv + [nn.Tanh()]
        elif innermost:
            upconv = [nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1)]
            model = [downrelu] + downconv + [uprelu] + upconv + [norm_layer(outer_nc)]
        else:
            upconv = [nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)]
            down = [downrelu] + downconv + [norm_layer(inner_nc)]
            up = [uprelu] + upconv + [norm_layer(outer_nc)]
            model = down + [submodule] + up + ([nn.Dropout(0.5)] if use_dropout else [])
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([self.model(x), x], 1)


class G_Unet_add_input(nn.Module):
    """z tiled and concatenated to the image input only (--where_add input)."""

    def __init__(self, input_nc, output_nc, nz, num_downs, ngf):
        super().__init__()
        self.nz = nz
        block = UnetBlock(ngf * 8, ngf * 8, ngf * 8, innermost=True)
        for _ in range(num_downs - 5):
            block = UnetBlock(ngf * 8, ngf * 8, ngf * 8, block, use_dropout=True)
        block = UnetBlock(ngf * 4, ngf * 4, ngf * 8, block)
        block = UnetBlock(ngf * 2, ngf * 2, ngf * 4, block)
        block = UnetBlock(ngf, ngf, ngf * 2, block)
        self.model = UnetBlock(input_nc + nz, output_nc, ngf, block, outermost=True)

    def forward(self, x, z):
        z_img = z.view(z.size(0), z.size(1), 1, 1).expand(z.size(0), z.size(1), x.size(2), x.size(3))
        return self.model(torch.cat([x, z_img], 1))


class BasicBlock(nn.Module):
    def __init__(self, inplanes, outplanes):
        super().__init__()
        conv3 = lambda i, o: nn.Conv2d(i, o, kernel_size=3, stride=1, padding=1, bias=True)
        self.conv = nn.Sequential(norm_layer(inplanes), lrelu(), conv3(inplanes, inplanes), norm_layer(inplanes), lrelu(), conv3(inplanes, outplanes), nn.AvgPool2d(2, 2))
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(inplanes, outplanes, kernel_size=1, stride=1, padding=0, bias=True))

    def forward(self, x):
        return self.conv(x) + self.shortcut(x)


class E_ResNet(nn.Module):
    def __init__(self, input_nc, output_nc, ndf, n_blocks):
        super().__init__()
        layers = [nn.Conv2d(input_nc, ndf, kernel_size=4, stride=2, padding=1, bias=True)]
        for n in range(1, n_blocks):
            layers += [BasicBlock(ndf * min(4, n), ndf * min(4, n + 1))]
            output_ndf = ndf * min(4, n + 1)
        layers += [lrelu(), nn.AvgPool2d(8)]
        self.conv = nn.Sequential(*layers)
        self.fc = nn.Sequential(nn.Linear(output_ndf, output_nc))
        self.fcVar = nn.Sequential(nn.Linear(output_ndf, output_nc))

    def forward(self, x):
        flat = self.conv(x).view(x.size(0), -1)
        return self.fc(flat), self.fcVar(flat)


class E_NLayers(nn.Module):
    def __init__(self, input_nc, output_nc, ndf, n_layers):
        super().__init__()
        seq = [nn.Conv2d(input_nc, ndf, kernel_size=4, stride=2, padding=1), lrelu()]
        nf_mult = 1
        for n in range(1, n_layers):
            prev, nf_mult = nf_mult, min(2**n, 4)
            seq += [nn.Conv2d(ndf * prev, ndf * nf_mult, kernel_size=4, stride=2, padding=1), norm_layer(ndf * nf_mult), lrelu()]
        seq += [nn.AvgPool2d(8)]
        self.conv = nn.Sequential(*seq)
        self.fc = nn.Sequential(nn.Linear(ndf * nf_mult, output_nc))
        self.fcVar = nn.Sequential(nn.Linear(ndf * nf_mult, output_nc))

    def forward(self, x):
        flat = self.conv(x).view(x.size(0), -1)
        return self.fc(flat), self.fcVar(flat)


class D_NLayersMulti(nn.Module):
    def __init__(self, input_nc, ndf, n_layers, num_D):
        super().__init__()
        self.num_D = num_D
        for i in range(num_D):
            self.add_module(f"model_{i}", nn.Sequential(*self.get_layers(input_nc, int(round(ndf / (2**i))), n_layers)))
        self.down = nn.AvgPool2d(3, stride=2, padding=[1, 1], count_include_pad=False)

    def get_layers(self, input_nc, ndf, n_layers):
        seq = [nn.Conv2d(input_nc, ndf, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        nf_mult = 1
        for n in range(1, n_layers):
            prev, nf_mult = nf_mult, min(2**n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * nf_mult, kernel_size=4, stride=2, padding=1), norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
        prev, nf_mult = nf_mult, min(2**n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * nf_mult, kernel_size=4, stride=1, padding=1), norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * nf_mult, 1, kernel_size=4, stride=1, padding=1)]
        return seq

    def forward(self, x):
        out, down = [], x
        for i in range(self.num_D):
            out.append(getattr(self, f"model_{i}")(down))
            if i != self.num_D - 1:
                down = self.down(down)
        return out


def signed(*shape):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(sum(shape))) * 2 - 1


def write(name, model, entries, config, outputs):
    path = os.path.join(OUT, f"{name}.safetensors")
    all_entries = entries + [st.entry(k, v.detach().numpy()) for k, v in outputs.items()] + nets.state_entries(model)
    st.write(path, all_entries, metadata={"config": json.dumps(config)})
    print(f"{name}: {os.path.getsize(path)} bytes, {len(model.state_dict())} keys")


def main():
    os.makedirs(OUT, exist_ok=True)
    x, z = signed(2, 3, 32, 32), torch.randn(2, 8, generator=torch.Generator().manual_seed(3))
    # The reference needs num_downs >= 6 (one 8ngf block besides the innermost): 64 px.
    x64 = signed(2, 3, 64, 64)
    g = G_Unet_add_all(3, 3, 8, 6, 2)
    nets.randomise(g, 11)
    g.eval()
    with torch.no_grad():
        write("g-unet-add-all-64", g, [st.entry("input", x64.numpy()), st.entry("z", z.numpy())], dict(inChannels=3, outChannels=3, nz=8, numDowns=6, ngf=2, dropout=True, whereAdd="all"), {"output": g(x64, z)})
    g = G_Unet_add_input(3, 3, 8, 6, 2)
    nets.randomise(g, 14)
    g.eval()
    with torch.no_grad():
        write("g-unet-add-input-64", g, [st.entry("input", x64.numpy()), st.entry("z", z.numpy())], dict(inChannels=3, outChannels=3, nz=8, numDowns=6, ngf=2, dropout=True, whereAdd="input"), {"output": g(x64, z)})
    for kind, model, cfg in [
        ("resnet", E_ResNet(3, 8, 4, 2), dict(nef=4, size=32)),
        ("conv", E_NLayers(3, 8, 4, 2), dict(nef=4, size=32)),
    ]:
        nets.randomise(model, 12)
        model.eval()
        with torch.no_grad():
            mu, logvar = model(x)
        write(f"e-{kind}-32", model, [st.entry("input", x.numpy())], cfg, {"mu": mu, "logvar": logvar})
    d = D_NLayersMulti(3, 8, 2, 2)
    nets.randomise(d, 13)
    d.eval()
    with torch.no_grad():
        outs = d(x)
    write("d-basic-128-multi-32", d, [st.entry("input", x.numpy())], dict(ndf=8, nLayers=2, numD=2), {f"output.{i}": o for i, o in enumerate(outs)})


if __name__ == "__main__":
    main()
