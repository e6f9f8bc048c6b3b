"""A safetensors writer written from the format's specification with struct and json.

Debian's torch 1.13 ships no `safetensors` package; this writer is independent of the
TypeScript one, so fixtures written with it check the reader against a second reading
of the spec. Layout: u64 little-endian header length N, N bytes of UTF-8 JSON (padded
with spaces to a multiple of 8), then the data section the tensors cover exactly.
"""

import json
import struct

import numpy as np

NUMPY_TO_SAFETENSORS = {
    np.dtype("float64"): "F64",
    np.dtype("float32"): "F32",
    np.dtype("float16"): "F16",
    np.dtype("int64"): "I64",
    np.dtype("uint64"): "U64",
    np.dtype("int32"): "I32",
    np.dtype("uint32"): "U32",
    np.dtype("int16"): "I16",
    np.dtype("uint16"): "U16",
    np.dtype("int8"): "I8",
    np.dtype("uint8"): "U8",
    np.dtype("bool"): "BOOL",
}


def entry(name, array, dtype=None):
    """(name, dtype, shape, little-endian bytes) of a numpy array; `dtype` overrides
    the safetensors dtype for raw bit patterns (BF16 given as uint16 bits)."""
    array = np.array(array, order="C")  # (ascontiguousarray would make a scalar 1-d)
    dtype = dtype or NUMPY_TO_SAFETENSORS[array.dtype]
    raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
    return (name, dtype, list(array.shape), raw)


def encode(entries, metadata=None, header_order=None):
    """Bytes of a safetensors file. `entries` are laid out in the data section in the
    order given; `header_order` (names) orders the JSON keys, by default the same."""
    offsets = {}
    position = 0
    for name, _, _, raw in entries:
        offsets[name] = (position, position + len(raw))
        position += len(raw)
    by_name = {e[0]: e for e in entries}
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in header_order or [e[0] for e in entries]:
        _, dtype, shape, _ = by_name[name]
        begin, end = offsets[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(e[3] for e in entries)


def write(path, entries, metadata=None, header_order=None):
    with open(path, "wb") as f:
        f.write(encode(entries, metadata, header_order))


def torch_entries(state):
    """Entries of a dict name -> torch tensor (float tensors as F32)."""
    out = []
    for name, tensor in state.items():
        array = tensor.detach().contiguous().cpu().numpy()
        if array.dtype in (np.float64, np.float16):
            array = array.astype(np.float32)
        out.append(entry(name, array))
    return out
