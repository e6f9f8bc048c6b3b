"""Reference values for @atelier/datasets (packages/datasets/src/image/*.ts).

- resample.json: PIL's Image.resize (what torchvision's Resize and junyanz's preprocessing
  call) on a small deterministic image, up and down, bicubic / bilinear / nearest, plus
  junyanz's resize -> crop -> flip chain through torchvision.transforms.functional; and
  on seeded noise (every tap's weight matters, values clip), resizes up and down with
  many taps, and convert('L') (PIL's fixed-point luma).
- aligned.jpg + aligned.json: an aligned pair written by PIL as JPEG, and what junyanz's
  AlignedDataset makes of it (decode, split, resize 72 -> crop 64 -> flip) for fixed crops,
  as bytes: with libjpeg-turbo decoding, the loader must give the same.
- lab.json: scikit-image's rgb2lab / lab2rgb on primaries, greys and random colours.

Run: /usr/bin/python3 tools/parity/datasets_reference.py
"""
import json
import os

import numpy as np
import skimage.color
import torchvision.transforms.functional as TF
from PIL import Image

OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "../../packages/datasets/test/fixtures"))


def source_image():
    # A smooth ramp with a sharp edge and a bright dot, so filters differ visibly.
    h, w = 10, 13
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 19 + y * 3) % 256
    g = np.where(x < 6, 30, 220) + y * 2
    b = ((x - 6) ** 2 + (y - 5) ** 2) * 6 % 256
    img = np.stack([r, g, b], axis=-1).astype(np.uint8)
    img[4, 9] = [255, 255, 255]
    return img


def aligned_pair():
    # Smooth colour fields with noise and hard edges: JPEG keeps detail, resizing clips.
    h, w = 64, 128
    y, x = np.mgrid[0:h, 0:w]
    noise = np.random.default_rng(2).integers(-40, 41, (h, w, 3))
    base = np.stack([x * 2, 255 - y * 3, np.where((x // 16 + y // 16) % 2 == 0, 40, 210)], axis=-1)
    img = np.clip(base + noise, 0, 255).astype(np.uint8)
    path = os.path.join(OUT, "aligned.jpg")
    Image.fromarray(img).save(path, quality=90)
    ab = Image.open(path).convert("RGB")
    w2 = ab.size[0] // 2
    halves = {"A": ab.crop((0, 0, w2, h)), "B": ab.crop((w2, 0, ab.size[0], h))}
    load, crop = 72, 64
    cases = []
    for x0, y0, flip in [(5, 3, True), (0, 8, False), (8, 0, True)]:
        case = {"x": x0, "y": y0, "flip": flip}
        for name, im in halves.items():
            im = im.resize((load, load), Image.BICUBIC).crop((x0, y0, x0 + crop, y0 + crop))
            if flip:
                im = im.transpose(Image.FLIP_LEFT_RIGHT)
            case[name] = np.asarray(im).reshape(-1).tolist()
        cases.append(case)
    with open(os.path.join(OUT, "aligned.json"), "w") as f:
        json.dump({"loadSize": load, "cropSize": crop, "decoded": np.asarray(ab).reshape(-1).tolist(),
                   "cases": cases}, f)


def main():
    os.makedirs(OUT, exist_ok=True)
    src = source_image()
    pil = Image.fromarray(src)
    methods = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "nearest": Image.NEAREST}
    cases = []
    for name, method in methods.items():
        for size in [(17, 15), (5, 4), (13, 7), (26, 20)]:
            out = np.asarray(pil.resize(size, method))
            cases.append({"interpolation": name, "width": size[0], "height": size[1], "pixels": out.reshape(-1).tolist()})
    grey = pil.convert("L")
    grey_case = {
        "pixels_in": np.asarray(grey).reshape(-1).tolist(),
        "width": 9,
        "height": 6,
        "pixels": np.asarray(grey.resize((9, 6), Image.BICUBIC)).reshape(-1).tolist(),
    }
    # junyanz's resize_and_crop with load 16, crop 11 at (x=3, y=2), then a flip.
    chain = TF.hflip(TF.crop(pil.resize((16, 16), Image.BICUBIC), 2, 3, 11, 11))
    resize_crop_flip = {"load": 16, "crop": 11, "x": 3, "y": 2, "pixels": np.asarray(chain).reshape(-1).tolist()}
    noise = np.random.default_rng(1).integers(0, 256, (40, 52, 3), dtype=np.uint8)
    noisy = Image.fromarray(noise)
    noise_cases = []
    for name, method in methods.items():
        for size in [(61, 47), (17, 11), (52, 23), (7, 40)]:
            out = np.asarray(noisy.resize(size, method))
            noise_cases.append({"interpolation": name, "width": size[0], "height": size[1],
                                "pixels": out.reshape(-1).tolist()})
    noise_case = {"height": 40, "width": 52, "pixels": noise.reshape(-1).tolist(), "cases": noise_cases,
                  "luma": np.asarray(noisy.convert("L")).reshape(-1).tolist()}
    with open(os.path.join(OUT, "resample.json"), "w") as f:
        json.dump({"source": {"height": 10, "width": 13, "pixels": src.reshape(-1).tolist()}, "cases": cases,
                   "grey": grey_case, "resizeCropFlip": resize_crop_flip, "noise": noise_case}, f)

    aligned_pair()

    rng = np.random.default_rng(0)
    colours = np.concatenate([
        np.array([[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1], [1, 0, 1]], float),
        np.linspace(0, 1, 9)[:, None].repeat(3, axis=1),
        np.array([[0.01, 0.02, 0.03], [0.002, 0.004, 0.001]]),  # the linear segments of both curves
        rng.random((40, 3)),
    ])
    lab = skimage.color.rgb2lab(colours[None])[0]
    lab_in = np.array([[50, 0, 0], [75, 20, -30], [30, -40, 25], [90, 5, 60], [5, 1, -2], [60, 10, 10]], float)
    rgb_back = skimage.color.lab2rgb(lab_in[None])[0]
    with open(os.path.join(OUT, "lab.json"), "w") as f:
        json.dump({"rgb": colours.tolist(), "lab": lab.tolist(), "labIn": lab_in.tolist(), "rgbOut": rgb_back.tolist(),
                   "note": "scikit-image rgb2lab/lab2rgb (D65, 2 degree observer)"}, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
