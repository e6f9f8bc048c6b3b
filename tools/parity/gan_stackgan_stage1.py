"""Writes packages/gan/test/fixtures/stackgan-stage1.json: StackGAN's stage-I generator
as hanzhanggit/StackGAN-Pytorch builds it (code/model.py STAGE1_G), at a small size:
CA_NET (fc, ReLU, mu / logvar, c = eps * exp(logvar / 2) + mu), cat(noise, c) ->
Linear(bias=False) -> BatchNorm1d(ngf * 4 * 4) -> ReLU -> view(-1, ngf, 4, 4) ->
upBlocks (nearest x2, conv3x3 without bias, BatchNorm2d, ReLU) -> conv3x3 -> Tanh.
Two up blocks (a 16 px image) instead of four; the batch norms in training mode (batch
statistics), with random affine parameters so that per-feature and per-channel
normalisation differ. Weights, inputs and the image are written out (PyTorch layouts).

Run: /usr/bin/python3 tools/parity/gan_stackgan_stage1.py
"""

import json
import os

import torch
import torch.nn as nn

torch.manual_seed(11)
t_dim, c_dim, z_dim, ngf, n = 6, 3, 4, 16, 5


def conv3x3(i, o):
    return nn.Conv2d(i, o, kernel_size=3, stride=1, padding=1, bias=False)


def up_block(i, o):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), conv3x3(i, o), nn.BatchNorm2d(o), nn.ReLU(True))


ca_fc = nn.Linear(t_dim, c_dim * 2, bias=True)
fc = nn.Sequential(nn.Linear(z_dim + c_dim, ngf * 4 * 4, bias=False), nn.BatchNorm1d(ngf * 4 * 4), nn.ReLU(True))
ups = nn.Sequential(up_block(ngf, ngf // 2), up_block(ngf // 2, ngf // 4))
img = nn.Sequential(conv3x3(ngf // 4, 3), nn.Tanh())
for m in [fc[1], ups[0][2], ups[1][2]]:
    nn.init.normal_(m.weight, 1.0, 0.3)
    nn.init.normal_(m.bias, 0.0, 0.3)

text = torch.randn(n, t_dim)
noise = torch.randn(n, z_dim)
eps = torch.randn(n, c_dim)
x = torch.relu(ca_fc(text))
mu, logvar = x[:, :c_dim], x[:, c_dim:]
c = eps * torch.exp(logvar * 0.5) + mu
h = fc(torch.cat((noise, c), 1)).view(-1, ngf, 4, 4)
image = img(ups(h))

L = lambda t: t.detach().flatten().tolist()
weights = {
    'ca.fc.weight': ca_fc.weight, 'ca.fc.bias': ca_fc.bias,
    'fc.weight': fc[0].weight, 'fcNorm.weight': fc[1].weight, 'fcNorm.bias': fc[1].bias,
    'ups.0.1.weight': ups[0][1].weight, 'ups.0.2.weight': ups[0][2].weight, 'ups.0.2.bias': ups[0][2].bias,
    'ups.1.1.weight': ups[1][1].weight, 'ups.1.2.weight': ups[1][2].weight, 'ups.1.2.bias': ups[1][2].bias,
    'img.weight': img[0].weight,
}
out = {
    'tDim': t_dim, 'cDim': c_dim, 'zDim': z_dim, 'gf': ngf // 8, 'n': n, 'size': 16,
    'weights': {k: {'shape': list(v.shape), 'values': L(v)} for k, v in weights.items()},
    'text': L(text), 'noise': L(noise), 'eps': L(eps),
    # NCHW -> NHWC for the image.
    'image': L(image.permute(0, 2, 3, 1)),
    # The running statistics after this one training-mode batch.
    'fcNormRunningMean': L(fc[1].running_mean), 'fcNormRunningVar': L(fc[1].running_var),
}
path = os.path.join(os.path.dirname(__file__), '../../packages/gan/test/fixtures/stackgan-stage1.json')
with open(path, 'w') as f:
    json.dump(out, f)
    f.write('\n')
print('wrote', os.path.normpath(path))
