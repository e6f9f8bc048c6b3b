"""Writes packages/tasks/test/fixtures/vgg16-tiny.pth and vgg16-relu2_2.safetensors:
torchvision vgg16's convolutional state dict (all thirteen convs, features.0 to
features.28) saved by torch.save as a user's vgg16-397923af.pth holds them (its
classifier.N keys are left out: as strided views their 102M-element matrices exceed
what the checkpoint reader accepts beyond a storage), and torchvision's
`features[:9]` (up to relu2_2) on a small ImageNet-normalised input with those weights:
what the transfer task's frozen VGG encoder must reproduce.

To keep the file small every tensor is an overlapping strided view (as_strided with
strides (1, 1, ...)) of its own short random storage, which torch.save stores as the
storage plus strides (14.7M weights in ~55 kB). No weights are downloaded
(`vgg16(weights=None)` builds the architecture only).

Run: /usr/bin/python3 tools/parity/tasks_vgg_encoder.py
"""

import os

import numpy as np
import torch
import torchvision

import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/tasks/test/fixtures")
os.makedirs(OUT, exist_ok=True)

torch.manual_seed(0)
model = torchvision.models.vgg16(weights=None)
state = {}
for name, p in model.state_dict().items():
    if not name.startswith("features."):
        continue
    shape = list(p.shape)
    length = sum(shape) - len(shape) + 1
    if p.dim() > 1:
        fan_in = int(np.prod(shape[1:]))
        storage = torch.randn(length) * np.sqrt(2.0 / fan_in)
    else:
        storage = 0.1 * torch.randn(length)
    state[name] = torch.as_strided(storage, shape, [1] * len(shape))

path = os.path.join(OUT, "vgg16-tiny.pth")
torch.save(state, path)
model.features.load_state_dict({k[len("features."):]: v.contiguous() for k, v in state.items()})
model.eval()

g = torch.Generator().manual_seed(1)
x = torch.rand(2, 3, 8, 8, generator=g)
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
with torch.no_grad():
    y = model.features[:9]((x - mean) / std)
st.write(
    os.path.join(OUT, "vgg16-relu2_2.safetensors"),
    [st.entry("input", x.numpy()), st.entry("relu2_2", y.numpy())],
)
print("keys", len(state), "relu2_2", tuple(y.shape), float(y.abs().max()))
print("pth bytes", os.path.getsize(path))
