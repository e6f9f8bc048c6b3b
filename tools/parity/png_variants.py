"""PNG fixtures of every colour type, bit depth, row filter and interlace method, for
@atelier/core's PNG decoder (packages/core/src/io/image-png-*.ts).

Each file is written here by a PNG writer of its own (filters applied per row, cycling
through all five, Adam7 passes built in Python), from seeded random samples. The
expected RGBA bytes come from those samples by the PNG specification's rules (16 bit as
round(v * 255 / 65535), lower depths scaled exactly, palette looked up, tRNS making alpha
0 and keeping the colour), and are checked against what Pillow decodes wherever Pillow
reads the samples at full precision (8 bits and below). Writes
packages/core/test/fixtures/images/png-variants/ and its expected.json.

Run: /usr/bin/python3 tools/parity/png_variants.py
"""
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = os.path.normpath(
    os.path.join(os.path.dirname(__file__), "../../packages/core/test/fixtures/images/png-variants")
)
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
DEPTHS = {0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pack_row(samples, depth):
    """One row of samples (ints) as bytes at the given bit depth, MSB first."""
    if depth == 16:
        return b"".join(struct.pack(">H", int(v)) for v in samples)
    if depth == 8:
        return bytes(int(v) for v in samples)
    out = bytearray((len(samples) * depth + 7) // 8)
    for i, v in enumerate(samples):
        bit = i * depth
        out[bit // 8] |= int(v) << (8 - depth - bit % 8)
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filter_row(kind, row, prior, bpp):
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i] if prior is not None else 0
        c = prior[i - bpp] if prior is not None and i >= bpp else 0
        predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out[i] = (x - predictor) & 0xFF
    return bytes([kind]) + bytes(out)


def image_data(samples, depth, interlaced, first_filter):
    """The filtered rows of every pass, filters cycling 0..4 from `first_filter`."""
    h, w, c = samples.shape
    bpp = max(1, c * depth // 8)
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    raw = b""
    k = first_filter
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prior = None
        for row in sub:
            packed = pack_row(row.reshape(-1), depth)
            raw += filter_row(k % 5, packed, prior, bpp)
            prior = packed
            k += 1
    return raw


def write_png(path, samples, color_type, depth, interlaced, palette=None, trns=None, first_filter=0):
    h, w, _ = samples.shape
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlaced else 0)
    body = chunk(b"IHDR", ihdr)
    if palette is not None:
        body += chunk(b"PLTE", bytes(palette.reshape(-1).tolist()))
    if trns is not None:
        body += chunk(b"tRNS", trns)
    data = zlib.compress(image_data(samples, depth, interlaced, first_filter), 9)
    # Split the stream over several IDAT chunks, as large files are.
    third = max(1, len(data) // 3)
    for i in range(0, len(data), third):
        body += chunk(b"IDAT", data[i:i + third])
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b""))


def scale(values, depth):
    v = values.astype(np.float64)
    if depth == 16:
        return np.floor(v * 255 / 65535 + 0.5).astype(np.uint8)
    return (v * (255 // (2 ** depth - 1))).astype(np.uint8)


def expected_rgba(samples, color_type, depth, palette_rgba, transparent):
    h, w, _ = samples.shape
    if color_type == 3:
        return palette_rgba[samples[:, :, 0]]
    rgba = np.zeros((h, w, 4), np.uint8)
    grey = color_type in (0, 4)
    colour = samples[:, :, :1].repeat(3, axis=2) if grey else samples[:, :, :3]
    rgba[:, :, :3] = scale(colour, depth)
    if color_type in (4, 6):
        rgba[:, :, 3] = scale(samples[:, :, -1], depth)
    else:
        rgba[:, :, 3] = 255
        if transparent is not None:
            match = (samples[:, :, : len(transparent)] == np.array(transparent)).all(axis=2)
            rgba[:, :, 3][match] = 0
    return rgba


def variant(rng, h, w, color_type, depth, interlaced, with_trns):
    c = CHANNELS[color_type]
    top = 2 ** depth
    palette = palette_rgba = trns = transparent = None
    if color_type == 3:
        entries = min(top, 13)
        samples = rng.integers(0, entries, (h, w, 1))
        palette = rng.integers(0, 256, (entries, 3))
        palette_rgba = np.concatenate([palette, np.full((entries, 1), 255)], axis=1).astype(np.uint8)
        if with_trns:
            alphas = rng.integers(0, 256, entries - 1)
            palette_rgba[: entries - 1, 3] = alphas
            trns = bytes(alphas.tolist())
    else:
        samples = rng.integers(0, top, (h, w, c))
        if with_trns:
            # A value that occurs: the colour of pixel (1, 2), plus a second pixel set to it.
            transparent = [int(v) for v in samples[1, 2]]
            samples[h - 1, 0] = samples[1, 2]
            trns = b"".join(struct.pack(">H", v) for v in transparent)
    return samples, palette, palette_rgba, trns, transparent


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20)
    expected = {}
    cases = []
    for color_type, depths in DEPTHS.items():
        for depth in depths:
            for interlaced in (False, True):
                cases.append((color_type, depth, interlaced, False, 7, 11))
    # tRNS, and sizes where Adam7 leaves passes empty.
    cases += [(0, 2, False, True, 7, 11), (0, 8, True, True, 7, 11), (0, 16, False, True, 7, 11)]
    cases += [(2, 8, False, True, 7, 11), (2, 16, True, True, 7, 11), (3, 4, False, True, 7, 11)]
    cases += [(3, 8, True, True, 7, 11), (6, 8, True, False, 1, 1), (2, 8, True, False, 3, 2)]
    cases += [(0, 1, True, False, 5, 1), (4, 16, True, False, 1, 9)]
    for n, (color_type, depth, interlaced, with_trns, h, w) in enumerate(cases):
        samples, palette, palette_rgba, trns, transparent = variant(
            rng, h, w, color_type, depth, interlaced, with_trns
        )
        name = f"type{color_type}-{depth}bit{'-adam7' if interlaced else ''}{'-trns' if with_trns else ''}-{w}x{h}.png"
        write_png(os.path.join(OUT, name), samples, color_type, depth, interlaced, palette, trns, n % 5)
        rgba = expected_rgba(samples, color_type, depth, palette_rgba, transparent)
        if depth <= 8:
            pil = np.asarray(Image.open(os.path.join(OUT, name)).convert("RGBA"))
            assert (pil == rgba).all(), f"Pillow reads {name} differently"
        expected[name] = {"width": w, "height": h, "rgba": rgba.reshape(-1).tobytes().hex()}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", len(expected), "PNGs to", OUT)


if __name__ == "__main__":
    main()
