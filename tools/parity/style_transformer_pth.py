"""Writes packages/style/test/fixtures/transformer-legacy.pth and
transformer-legacy-output.safetensors: a pytorch/examples fast_neural_style
TransformerNet state dict saved by torch.save (zip format), the way the pretrained
candy/mosaic/rain_princess/udnie files hold it, with the legacy `in*.running_mean` and
`running_var` keys old PyTorch versions wrote for the instance norms; and the reference
network's output for a small input with those weights. transformer-legacy-0x.pth
holds the same weights the way the 2017 files themselves are stored: torch.save's
legacy (pre-zip) format, tensors pickled as torch 0.x did (_rebuild_tensor).

To keep the file small every tensor is an overlapping strided view (as_strided with
strides (1, 1, ...)) of its own short random storage, which torch.save stores as the
storage plus strides: 1.68M weights in ~30 kB, each tensor still varied. The output
fixture holds `input` and `output` in NCHW, RGB in [0, 255].

Run: /usr/bin/python3 tools/parity/style_transformer_pth.py
"""

import os

import numpy as np
import torch

import reference_nets as R
import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/style/test/fixtures")

torch.manual_seed(0)
model = R.TransformerNet()
state = {}
for name, p in model.state_dict().items():
    shape = list(p.shape)
    length = sum(shape) - len(shape) + 1
    if p.dim() > 1:
        fan_in = int(np.prod(shape[1:]))
        storage = torch.randn(length) * (1.0 / np.sqrt(fan_in))
    elif name.endswith("weight"):
        storage = 1.0 + 0.2 * torch.randn(length)
    else:
        storage = 0.1 * torch.randn(length)
    state[name] = torch.as_strided(storage, shape, [1] * len(shape))

legacy = dict(state)
for name in list(state):
    if name.startswith("in") and name.endswith(".weight") or (".in" in name and name.endswith(".weight")):
        base = name[: -len(".weight")]
        c = state[name].shape[0]
        legacy[f"{base}.running_mean"] = torch.zeros(c)
        legacy[f"{base}.running_var"] = torch.ones(c)

torch.save(legacy, os.path.join(OUT, "transformer-legacy.pth"))

reduce_ex = torch.Tensor.__reduce_ex__
torch.Tensor.__reduce_ex__ = lambda self, protocol: (
    torch._utils._rebuild_tensor,
    (self.storage(), self.storage_offset(), tuple(self.size()), self.stride()),
)
try:
    old_path = os.path.join(OUT, "transformer-legacy-0x.pth")
    torch.save(legacy, old_path, _use_new_zipfile_serialization=False)
finally:
    torch.Tensor.__reduce_ex__ = reduce_ex
assert all(torch.equal(torch.load(old_path)[k], v) for k, v in legacy.items())

# The reference drops the legacy keys before load_state_dict (neural_style.py stylize).
import re

clean = {k: v for k, v in legacy.items() if not re.search(r"in\d+\.running_(mean|var)$", k)}
model.load_state_dict({k: v.contiguous() for k, v in clean.items()})
model.eval()
g = torch.Generator().manual_seed(1)
x = torch.rand(1, 3, 20, 28, generator=g) * 255
with torch.no_grad():
    y = model(x)
st.write(
    os.path.join(OUT, "transformer-legacy-output.safetensors"),
    [st.entry("input", x.numpy()), st.entry("output", y.numpy())],
    metadata={"legacy_keys": str(len(legacy) - len(clean))},
)
print("keys", len(legacy), "legacy", len(legacy) - len(clean), "output", tuple(y.shape), float(y.abs().max()))
print("pth bytes", os.path.getsize(os.path.join(OUT, "transformer-legacy.pth")))
