"""Writes small PyTorch checkpoints (torch.save's zip format) under
packages/core/test/fixtures/torch/, each beside `<name>.expected.safetensors` holding
what readTorchCheckpoint must return: every tensor, contiguous, under its dotted key
(floats as float32, integers as int32, bool as bool), written by safetensors_spec.py.

  sequential.pth  the state dict of a tiny Sequential (conv, batch norm after one
                  training step so its running stats and int64 counter are set, linear)
  shared.pth      views of one storage at different offsets, one non-contiguous
  strided.pth     a transposed, a permuted and an expanded (stride 0) tensor
  dtypes.pth      float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool
                  (pickle protocol 4: SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE, FRAME)
  nested.pth      {'state_dict': ..., 'epoch': 3, ...} with non-tensor leaves, lists,
                  an optimizer state dict with int keys (protocol 4)
  int64-overflow.pth  an int64 value outside int32: must be refused
  malicious.pth   a pickle whose __reduce__ calls os.system: must be refused, never run
  legacy.pth      sequential.pth's state dict in the legacy format (torch < 1.6, or
                  _use_new_zipfile_serialization=False)
  legacy-v1.pth   the legacy format as torch < 0.4 wrote it (pytorch/examples' pretrained
                  fast_neural_style models): tensors rebuilt by _rebuild_tensor, views of
                  one storage at different offsets

Run: /usr/bin/python3 tools/parity/torch_checkpoints.py
"""

import collections
import os

import numpy as np
import torch

import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/core/test/fixtures/torch")


def expected_entries(flat):
    entries = []
    for name, tensor in flat.items():
        t = tensor.detach().contiguous()
        if t.dtype in (torch.float16, torch.bfloat16, torch.float64, torch.float32):
            array = t.float().numpy()
        elif t.dtype == torch.bool:
            array = t.numpy()
        else:
            array = t.to(torch.int64).numpy().astype(np.int32)
        entries.append(st.entry(name, array))
    return entries


def save(name, obj, flat, protocol=2, legacy=False):
    torch.save(
        obj,
        os.path.join(OUT, f"{name}.pth"),
        pickle_protocol=protocol,
        _use_new_zipfile_serialization=not legacy,
    )
    if flat is not None:
        st.write(os.path.join(OUT, f"{name}.expected.safetensors"), expected_entries(flat))


class Evil:
    """Unpickling this runs os.system: a reader that executes pickles would print."""

    def __reduce__(self):
        return (os.system, ("echo this-checkpoint-ran-code",))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    model = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3),
        torch.nn.BatchNorm2d(3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(12, 2),
    )
    model.train()
    model(torch.randn(2, 2, 4, 4))  # one step: running stats and num_batches_tracked move
    sd = model.state_dict()
    save("sequential", sd, dict(sd))

    base = torch.arange(24, dtype=torch.float32) * 0.5
    grid = base.view(4, 6)
    shared = {"base": base, "slice": base[5:9], "block": grid[1:3, 2:5], "row": grid[3]}
    assert shared["block"].storage().data_ptr() == base.storage().data_ptr()
    save("shared", shared, shared)

    strided = {
        "transposed": torch.randn(3, 4).t(),
        "permuted": torch.randn(2, 3, 4).permute(2, 0, 1),
        "expanded": torch.randn(3, 1).expand(3, 4),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    assert not strided["transposed"].is_contiguous() and strided["expanded"].stride() == (1, 0)
    save("strided", strided, strided)

    dtypes = {
        "f16": torch.tensor([1.0, -2.5, 65504.0, 2.0**-24, 0.1], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16),
        "f64": torch.tensor([[0.1, -1e-3], [12345.678901234, 1e-300]], dtype=torch.float64),
        "i64": torch.tensor([-(2**31), 2**31 - 1, -1, 0], dtype=torch.int64),
        "i32": torch.tensor([7, -7], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 200, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
    }
    save("dtypes", dtypes, dtypes, protocol=4)

    linear = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    linear(torch.randn(4, 3)).sum().backward()
    opt.step()
    checkpoint = {
        "state_dict": linear.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "lr": 1e-3,
        "big": 2**70,
        "negative": -(2**40),
        "name": "tiny",
        "flags": [True, None, b"bytes"],
        "history": (torch.tensor([1.0, 2.0]), torch.tensor([3], dtype=torch.int64)),
    }
    flat = {f"state_dict.{k}": v for k, v in linear.state_dict().items()}
    for index, state in opt.state_dict()["state"].items():
        flat[f"optimizer.state.{index}.momentum_buffer"] = state["momentum_buffer"]
    flat["history.0"] = checkpoint["history"][0]
    flat["history.1"] = checkpoint["history"][1]
    save("nested", checkpoint, flat, protocol=4)

    save("int64-overflow", {"ok": torch.tensor([1]), "big": torch.tensor([3, 2**40])}, None)
    save("malicious", {"weight": torch.ones(2), "payload": Evil()}, None)

    save("legacy", sd, dict(sd), legacy=True)
    # torch < 0.4 pickled tensors as _rebuild_tensor(storage, offset, size, stride).
    reduce_ex = torch.Tensor.__reduce_ex__

    def rebuild_v1(self, protocol):
        return (
            torch._utils._rebuild_tensor,
            (self.storage(), self.storage_offset(), tuple(self.size()), self.stride()),
        )

    torch.Tensor.__reduce_ex__ = rebuild_v1
    try:
        old = {"in1.weight": torch.randn(4), "in1.running_mean": torch.zeros(4)}
        old.update({"base": base, "slice": base[5:9], "block": grid[1:3, 2:5]})
        save("legacy-v1", collections.OrderedDict(old), old, legacy=True)
    finally:
        torch.Tensor.__reduce_ex__ = reduce_ex
    loaded = torch.load(os.path.join(OUT, "legacy-v1.pth"))
    assert all(torch.equal(loaded[k], v) for k, v in old.items())


if __name__ == "__main__":
    main()
