"""Writes packages/core/test/fixtures/module-state-dict.safetensors: the state dict of a
small PyTorch network that nests the ways the papers' networks do (a sub-module with a
conv and a batch norm, an nn.Sequential with activations between layers, a depthwise
conv, a linear head), a seeded NCHW input and the network's output in eval mode. The
test builds the same network from Atelier modules, loads the dict with
`from: 'torch'` (strict: every key must match by name) and must reproduce the output.

Run: /usr/bin/python3 tools/parity/module_state_dict.py
"""

import os

import torch
import torch.nn as nn

import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/core/test/fixtures/module-state-dict.safetensors")


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.norm = nn.BatchNorm2d(4)

    def forward(self, x):
        return torch.relu(self.norm(self.conv(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1 = Block()
        # Index 0 and 2 hold no weights; the ConvTranspose keeps index 1.
        self.model = nn.Sequential(nn.LeakyReLU(0.2), nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1), nn.ReLU())
        self.dw = nn.Conv2d(2, 4, 3, padding=1, groups=2)  # depthwise, multiplier 2
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        x = self.dw(self.model(self.down1(x)))
        return self.head(x.mean(dim=(2, 3)))


def main():
    torch.manual_seed(0)
    net = Net()
    # A few training passes give the batch norm running statistics other than 0 and 1
    # and a num_batches_tracked of 3 (int64 in the file).
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(4, 3, 6, 6) * 2 + 0.5)
    net.eval()
    x = torch.randn(2, 3, 6, 5)
    with torch.no_grad():
        y = net(x)
    state = dict(net.state_dict())
    entries = st.torch_entries(state)
    entries.append(st.entry("input", x.numpy()))
    entries.append(st.entry("output", y.numpy()))
    st.write(OUT, entries, {"writer": "tools/parity/module_state_dict.py", "torch": torch.__version__, "keys": ",".join(state)})


if __name__ == "__main__":
    main()
