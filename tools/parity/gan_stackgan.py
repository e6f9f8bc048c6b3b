"""Writes packages/gan/test/fixtures/stackgan.json: StackGAN's conditioning augmentation
and losses as hanzhanggit/StackGAN-Pytorch computes them (code/model.py CA_NET: fc,
ReLU, split into mu and logvar, c = eps * exp(logvar / 2) + mu; code/miscc/utils.py
KL_loss: -1/2 mean(1 + logvar - mu^2 - exp(logvar)); compute_discriminator_loss with
nn.BCELoss on sigmoid probabilities: stage I real + (wrong + fake) / 2, with the
unconditional head (real + uncond real) / 2 + (fake + wrong + uncond fake) / 3).
eps and the logits are drawn here and written out.

Run: /usr/bin/python3 tools/parity/gan_stackgan.py
"""

import json
import os

import torch
import torch.nn as nn

torch.manual_seed(5)
t_dim, c_dim, n = 6, 3, 4
fc = nn.Linear(t_dim, c_dim * 2, bias=True)
text = torch.randn(n, t_dim)
eps = torch.randn(n, c_dim)
x = torch.relu(fc(text))
mu, logvar = x[:, :c_dim], x[:, c_dim:]
c = eps * torch.exp(logvar * 0.5) + mu
kl = torch.mean(mu.pow(2).add_(logvar.exp()).mul_(-1).add_(1).add_(logvar)).mul_(-0.5)

bce = nn.BCELoss()
real, wrong, fake = torch.randn(n), torch.randn(n - 1), torch.randn(n)
u_real, u_fake = torch.randn(n), torch.randn(n)
ones, zeros = torch.ones(n), torch.zeros(n)
e_real = bce(torch.sigmoid(real), ones)
e_wrong = bce(torch.sigmoid(wrong), zeros[1:])
e_fake = bce(torch.sigmoid(fake), zeros)
stage1 = e_real + (e_wrong + e_fake) * 0.5
e_ureal = bce(torch.sigmoid(u_real), ones)
e_ufake = bce(torch.sigmoid(u_fake), zeros)
stage2 = (e_real + e_ureal) / 2.0 + (e_fake + e_wrong + e_ufake) / 3.0

L = lambda t: t.detach().flatten().tolist()
out = {
    'tDim': t_dim, 'cDim': c_dim, 'n': n,
    'weight': L(fc.weight), 'bias': L(fc.bias), 'text': L(text), 'eps': L(eps),
    'mu': L(mu), 'logvar': L(logvar), 'c': L(c), 'kl': kl.item(),
    'logits': {'real': L(real), 'wrong': L(wrong), 'fake': L(fake), 'uncondReal': L(u_real), 'uncondFake': L(u_fake)},
    'stage1': stage1.item(), 'stage2': stage2.item(),
}
path = os.path.join(os.path.dirname(__file__), '../../packages/gan/test/fixtures/stackgan.json')
with open(path, 'w') as f:
    json.dump(out, f)
    f.write('\n')
print('wrote', os.path.normpath(path))
