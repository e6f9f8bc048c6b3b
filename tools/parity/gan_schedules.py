"""Writes packages/gan/test/fixtures/schedules.json: the learning rates PyTorch's
schedulers give epoch by epoch, configured as junyanz's `get_scheduler` does
(models/networks.py): `linear` is LambdaLR with
1 - max(0, epoch + epoch_count - n_epochs) / (n_epochs_decay + 1); `step` StepLR;
`plateau` ReduceLROnPlateau(mode='min', factor=0.2, threshold=0.01, patience=5) fed a
fixed metric sequence; `cosine` CosineAnnealingLR(T_max=n_epochs, eta_min=0). Each
list holds the rate of epoch 0, 1, ...: the optimizer's rate before each epoch, then
scheduler.step() at the epoch's end.

Run: /usr/bin/python3 tools/parity/gan_schedules.py
"""

import json
import math
import os

import torch
from torch.optim import lr_scheduler

BASE = 2e-4
EPOCHS = 40


def rates(make, metric=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=BASE, betas=(0.5, 0.999))
    sched = make(opt)
    out = []
    for e in range(EPOCHS):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if metric is None:
            sched.step()
        else:
            sched.step(metric[e])
    return out


def linear(n_epochs, n_epochs_decay, epoch_count):
    def rule(epoch):
        return 1.0 - max(0, epoch + epoch_count - n_epochs) / float(n_epochs_decay + 1)

    return lambda opt: lr_scheduler.LambdaLR(opt, lr_lambda=rule)


# A loss that improves, stalls, improves a little (below the threshold), then drops.
metric = [1.0 / (1 + e) if e < 8 else 0.125 * (1 - 0.002 * (e - 8)) if e < 25 else 0.05 for e in range(EPOCHS)]

fixture = {
    "base": BASE,
    "epochs": EPOCHS,
    "metric": metric,
    "linear": {"options": {"nEpochs": 10, "nEpochsDecay": 20, "epochCount": 1}, "rates": rates(linear(10, 20, 1))},
    "linear_epoch_count": {"options": {"nEpochs": 5, "nEpochsDecay": 30, "epochCount": 3}, "rates": rates(linear(5, 30, 3))},
    "step": {"options": {"stepSize": 7, "gamma": 0.1}, "rates": rates(lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.1))},
    "plateau": {
        "options": {"factor": 0.2, "patience": 5, "threshold": 0.01},
        "rates": rates(lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="min", factor=0.2, threshold=0.01, patience=5), metric),
    },
    "cosine": {"options": {"tMax": 15}, "rates": rates(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=15, eta_min=0))},
}

out = os.path.join(os.path.dirname(__file__), "../../packages/gan/test/fixtures/schedules.json")
with open(out, "w") as f:
    json.dump(fixture, f, indent=1)
print("wrote", os.path.normpath(out), "torch", torch.__version__)
