"""Image fixtures for @atelier/core's image io (packages/core/src/io/image*.ts).

Makes small copies of the sample images in /work/shared/data/images (resized, in the
PNG and JPEG variants the decoder must handle), then records what scikit-image (and,
for the grid, torchvision) reads or computes from them: shape, mean per channel and a
few pixels. Writes packages/core/test/fixtures/images/.

Run: /usr/bin/python3 tools/parity/image_reference.py
"""
import json
import os
import struct
import zlib

import numpy as np
import skimage.io
import torch
import torchvision.utils
from PIL import Image

SOURCE = "/work/shared/data/images"
OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "../../packages/core/test/fixtures/images"))


def write_png16(path, pixels):
    """A minimal 16-bit PNG writer (Pillow cannot write 16-bit RGB): IHDR, IDAT, IEND."""
    h, w = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = pixels.reshape(h, w * channels).astype(">u2").tobytes()
    stride = w * channels * 2
    raw = b"".join(b"\x00" + rows[y * stride:(y + 1) * stride] for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# Fixed sample positions (y, x) as fractions of the size: corners, centre, and a few more.
POSITIONS = [(0, 0), (0, 1), (1, 0), (1, 1), (0.5, 0.5), (0.25, 0.7), (0.8, 0.3), (0.37, 0.13)]


def describe(pixels):
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    h, w, c = pixels.shape
    samples = []
    for fy, fx in POSITIONS:
        y, x = round(fy * (h - 1)), round(fx * (w - 1))
        samples.append({"y": y, "x": x, "value": [float(v) for v in pixels[y, x]]})
    mean = [float(pixels[:, :, i].astype(np.float64).mean()) for i in range(c)]
    return {"shape": [h, w, c], "mean": mean, "pixels": samples}


def main():
    os.makedirs(OUT, exist_ok=True)
    chelsea = Image.open(os.path.join(SOURCE, "chelsea.png")).convert("RGB").resize((64, 43), Image.LANCZOS)
    rocket = Image.open(os.path.join(SOURCE, "rocket.jpg")).convert("RGB").resize((64, 43), Image.LANCZOS)
    brick = Image.open(os.path.join(SOURCE, "brick.png")).convert("L").resize((48, 48), Image.LANCZOS)

    files = {}

    def save(name, image, **options):
        image.save(os.path.join(OUT, name), **options)

    save("chelsea-64.png", chelsea)
    rgba = chelsea.copy()
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 64).round().astype(np.uint8), (43, 1))))
    save("chelsea-64-rgba.png", rgba)
    palette = chelsea.quantize(colors=32, method=Image.MEDIANCUT, dither=Image.NONE)
    save("chelsea-64-palette.png", palette)
    save("chelsea-64-palette-trns.png", palette, transparency=0)
    save("brick-48-grey.png", brick)
    grey_alpha = brick.convert("LA")
    grey_alpha.putalpha(Image.fromarray(np.tile(np.linspace(255, 0, 48).round().astype(np.uint8)[:, None], (1, 48))))
    save("brick-48-grey-alpha.png", grey_alpha)
    save("rocket-64.jpg", rocket, quality=90)
    save("rocket-64-progressive.jpg", rocket, quality=90, progressive=True)
    save("brick-48-grey.jpg", brick, quality=90)

    # What scikit-image reads (imageio + Pillow, libjpeg for JPEG).
    for name in [
        "chelsea-64.png",
        "chelsea-64-rgba.png",
        "chelsea-64-palette.png",
        "chelsea-64-palette-trns.png",
        "brick-48-grey.png",
        "brick-48-grey-alpha.png",
        "rocket-64.jpg",
        "rocket-64-progressive.jpg",
        "brick-48-grey.jpg",
    ]:
        pixels = skimage.io.imread(os.path.join(OUT, name))
        files[name] = describe(pixels)
        if name.endswith(".jpg"):
            # libjpeg's pixels in full, stored losslessly, for whole-image comparisons.
            Image.fromarray(pixels).save(os.path.join(OUT, name + ".libjpeg.png"))

    # 16 bit: Pillow reads 16-bit RGB as 8 bit by dropping the low byte, so the expected
    # 8-bit values come from the written samples, scaled as round(v * 255 / 65535).
    base = np.asarray(chelsea).astype(np.uint16)
    yy, xx = np.mgrid[0:43, 0:64]
    low = ((yy * 7 + xx * 13)[:, :, None] + np.arange(3)[None, None, :] * 50) % 256
    rgb16 = (base << 8) | low.astype(np.uint16)
    write_png16(os.path.join(OUT, "chelsea-64-16bit.png"), rgb16)
    files["chelsea-64-16bit.png"] = describe(np.floor(rgb16.astype(np.float64) * 255 / 65535 + 0.5))
    grey16 = (np.asarray(brick).astype(np.uint16) * 257) ^ (np.arange(48, dtype=np.uint16)[None, :] * 3)
    write_png16(os.path.join(OUT, "brick-48-grey-16bit.png"), grey16)
    files["brick-48-grey-16bit.png"] = describe(np.floor(grey16.astype(np.float64) * 255 / 65535 + 0.5))
    assert (skimage.io.imread(os.path.join(OUT, "brick-48-grey-16bit.png")) == grey16).all()

    # Pillow's grey conversion (ITU-R 601-2 luma, rounded to integers).
    luma = describe(np.asarray(chelsea.convert("L")))

    # torchvision's make_grid: 5 images of 4x5x3 in 3 columns, padding 2, pad value 0.5.
    n, h, w, c = 5, 4, 5, 3
    images = (np.arange(n * h * w * c, dtype=np.float32).reshape(n, h, w, c) * 0.37) % 1
    grid = torchvision.utils.make_grid(torch.from_numpy(images).permute(0, 3, 1, 2), nrow=3, padding=2, pad_value=0.5)

    reference = {
        "files": files,
        "chelsea-64.png luma": luma,
        "grid": {
            "images": images.reshape(-1).tolist(),
            "shape": [n, h, w, c],
            "cols": 3,
            "pad": 2,
            "padValue": 0.5,
            "grid": grid.permute(1, 2, 0).numpy().reshape(-1).tolist(),
            "gridShape": list(grid.permute(1, 2, 0).shape),
        },
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    print("wrote", OUT, sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
