"""Writes packages/core/test/fixtures/safetensors/python-writer.{safetensors,json}.

The .safetensors file is written by hand (safetensors_spec.py) with every dtype the
reader takes; the .json lists the values each tensor must read as (non-finite floats
as the strings "inf", "-inf", "nan"). The data section is deliberately laid out in a
different order from the header's keys, with metadata, a scalar and an empty tensor.

Run: /usr/bin/python3 tools/parity/safetensors_fixture.py
"""

import json
import math
import os

import numpy as np

import safetensors_spec as st

OUT = os.path.join(os.path.dirname(__file__), "../../packages/core/test/fixtures/safetensors")


def to_bf16_bits(values):
    """Round-to-nearest-even float32 -> bfloat16 bit patterns (uint16)."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_value(bits):
    return (np.asarray(bits, dtype=np.uint32) << 16).view(np.float32)


def jsonable(values):
    out = []
    for v in np.asarray(values).reshape(-1).tolist():
        if isinstance(v, float) and not math.isfinite(v):
            out.append("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        elif isinstance(v, bool):
            out.append(int(v))
        else:
            out.append(v)
    return out


def main():
    rng = np.random.default_rng(7)
    f32 = rng.standard_normal((2, 3)).astype(np.float32)
    f32[0, 0] = -0.0
    f32[1, 2] = np.float32(1e-40)  # subnormal
    f16 = np.array([1.0, -2.5, 65504.0, 2.0**-24, np.inf, -np.inf, 0.333251953125, np.nan], dtype=np.float16)
    bf16_source = np.array([[1.0, -3.14159265], [1e30, 2.0**-130]], dtype=np.float32)
    bf16_bits = to_bf16_bits(bf16_source)
    f64 = np.array([0.1, -1e-3, 12345.678901234], dtype=np.float64)
    i64 = np.array([[-(2**31), 2**31 - 1], [-1, 0], [7, -7]], dtype=np.int64)
    u64 = np.array([0, 2**31 - 1], dtype=np.uint64)
    i32 = np.array([-(2**31), 2**31 - 1, 0, 42], dtype=np.int32).reshape(2, 2)
    u32 = np.array([0, 2**31 - 1], dtype=np.uint32)
    i16 = np.array([-32768, 32767], dtype=np.int16)
    u16 = np.array([0, 65535], dtype=np.uint16)
    i8 = np.array([-128, 127, 0], dtype=np.int8)
    u8 = np.array([[0, 1, 128], [200, 254, 255]], dtype=np.uint8)
    boolean = np.array([True, False, False, True], dtype=np.bool_)
    scalar = np.array(3.5, dtype=np.float32)
    empty = np.zeros((0, 3), dtype=np.float32)

    entries = [
        st.entry("bool", boolean),
        st.entry("u8", u8),
        st.entry("i8", i8),
        st.entry("f16", f16),
        st.entry("bf16", bf16_bits, "BF16"),
        st.entry("i16", i16),
        st.entry("u16", u16),
        st.entry("f32", f32),
        st.entry("empty", empty),
        st.entry("scalar", scalar),
        st.entry("i32", i32),
        st.entry("u32", u32),
        st.entry("f64", f64),
        st.entry("i64", i64),
        st.entry("u64", u64),
    ]
    expected = {
        "bool": ("bool", boolean),
        "u8": ("int32", u8),
        "i8": ("int32", i8),
        "f16": ("float32", f16.astype(np.float64)),
        "bf16": ("float32", bf16_value(bf16_bits).astype(np.float64)),
        "i16": ("int32", i16),
        "u16": ("int32", u16),
        "f32": ("float32", f32.astype(np.float64)),
        "empty": ("float32", empty),
        "scalar": ("float32", scalar),
        "i32": ("int32", i32),
        "u32": ("int32", u32),
        "f64": ("float32", f64.astype(np.float32).astype(np.float64)),
        "i64": ("int32", i64),
        "u64": ("int32", u64),
    }
    header_order = sorted(expected, reverse=True)
    metadata = {"format": "pt", "writer": "tools/parity/safetensors_fixture.py", "ünïcode": "✓"}

    os.makedirs(OUT, exist_ok=True)
    st.write(os.path.join(OUT, "python-writer.safetensors"), entries, metadata, header_order)
    described = {
        name: {"dtype": dtype, "shape": list(np.asarray(values).shape), "values": jsonable(values)}
        for name, (dtype, values) in expected.items()
    }
    with open(os.path.join(OUT, "python-writer.json"), "w") as f:
        # One tensor a line: readable diffs, small file.
        f.write('{"metadata": ' + json.dumps(metadata, ensure_ascii=False) + ',\n "tensors": {\n')
        f.write(",\n".join(f"  {json.dumps(n)}: {json.dumps(d)}" for n, d in described.items()))
        f.write("\n }\n}\n")


if __name__ == "__main__":
    main()
