"""Writes packages/gan/test/fixtures/swd.json: ProGAN's sliced Wasserstein distance
computed as tkarras/progressive_growing_of_gans metrics/sliced_wasserstein.py does
(Laplacian pyramid with scipy.ndimage.convolve 'mirror' and the 5x5 binomial filter,
7x7 patches indexed (channel, row, column) from NCHW arrays, per-channel normalisation
with numpy's std, directions normalised per column, mean |sort - sort| per repeat then
over repeats, x1e3). The random patch centres and directions are drawn here and
written out, so @atelier/gan's swd takes the same ones and both compute the same value.

Run: /usr/bin/python3 tools/parity/gan_swd.py
"""

import base64
import json
import os

import numpy as np
import scipy.ndimage

gaussian_filter = np.float32([
    [1, 4, 6, 4, 1],
    [4, 16, 24, 16, 4],
    [6, 24, 36, 24, 6],
    [4, 16, 24, 16, 4],
    [1, 4, 6, 4, 1]]) / 256.0


def pyr_down(minibatch):  # matches cv2.pyrDown()
    return scipy.ndimage.convolve(minibatch, gaussian_filter[np.newaxis, np.newaxis, :, :], mode='mirror')[:, :, ::2, ::2]


def pyr_up(minibatch):  # matches cv2.pyrUp()
    s = minibatch.shape
    res = np.zeros((s[0], s[1], s[2] * 2, s[3] * 2), minibatch.dtype)
    res[:, :, ::2, ::2] = minibatch
    return scipy.ndimage.convolve(res, gaussian_filter[np.newaxis, np.newaxis, :, :] * 4.0, mode='mirror')


def generate_laplacian_pyramid(minibatch, num_levels):
    pyramid = [np.float32(minibatch)]
    for _ in range(1, num_levels):
        pyramid.append(pyr_down(pyramid[-1]))
        pyramid[-2] -= pyr_up(pyramid[-1])
    return pyramid


def get_descriptors(minibatch, nhood_size, image, ys, xs):
    # The reference's get_descriptors_for_minibatch with its randint centres given.
    s = minibatch.shape
    h = nhood_size // 2
    n = len(image)
    nhood, chan, x, y = np.ogrid[0:n, 0:s[1], -h:h + 1, -h:h + 1]
    img = np.asarray(image).reshape(n, 1, 1, 1)
    x = x + np.asarray(xs).reshape(n, 1, 1, 1)
    y = y + np.asarray(ys).reshape(n, 1, 1, 1)
    idx = ((img * s[1] + chan) * s[2] + y) * s[3] + x
    return minibatch.flat[idx]


def finalize_descriptors(desc):
    desc = desc - np.mean(desc, axis=(0, 2, 3), keepdims=True)
    desc /= np.std(desc, axis=(0, 2, 3), keepdims=True)
    return desc.reshape(desc.shape[0], -1)


def sliced_wasserstein(a, b, dirs, repeats):
    results = []
    for d in np.split(dirs, repeats, axis=1):
        proj_a = np.sort(np.matmul(a, d), axis=0)
        proj_b = np.sort(np.matmul(b, d), axis=0)
        results.append(np.mean(np.abs(proj_a - proj_b)))
    return np.mean(results)


def b64(array, dtype):
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode()


rng = np.random.RandomState(5)
n, side, c = 4, 32, 3
nhood, per_image, repeats, per_repeat = 7, 16, 2, 16
levels = 2  # 32 and 16 px
# Real: smooth blobs with noise; fake: the same with stronger noise and a colour cast.
yy, xx = np.mgrid[0:side, 0:side] / side
base = np.stack([np.sin(6 * xx + k) * np.cos(4 * yy - k) for k in range(c)], -1)
real = np.clip(128 + 90 * base[None] + rng.normal(0, 20, (n, side, side, c)), 0, 255).astype(np.uint8)
fake = np.clip(100 + 60 * base[None] + rng.normal(0, 45, (n, side, side, c)), 0, 255).astype(np.uint8)

out_levels = []
pyr = [generate_laplacian_pyramid(x.transpose(0, 3, 1, 2).astype(np.float32), levels) for x in (real, fake)]
for lod in range(levels):
    s = side >> lod
    h = nhood // 2
    centres = []
    descs = []
    for which in range(2):
        image = np.repeat(np.arange(n), per_image)
        xs = rng.randint(h, s - h, size=n * per_image)
        ys = rng.randint(h, s - h, size=n * per_image)
        centres.append({"image": image.tolist(), "y": ys.tolist(), "x": xs.tolist()})
        descs.append(finalize_descriptors(get_descriptors(pyr[which][lod], nhood, image, ys, xs)))
    dirs = np.concatenate(
        [(lambda d: d / np.sqrt(np.sum(np.square(d), axis=0, keepdims=True)))(rng.randn(c * nhood * nhood, per_repeat))
         for _ in range(repeats)], axis=1).astype(np.float32)
    swd = float(sliced_wasserstein(descs[0], descs[1], dirs, repeats) * 1e3)
    out_levels.append({
        "resolution": s,
        "centres": {"real": centres[0], "fake": centres[1]},
        "directions": b64(dirs, np.float32),
        "directionShape": list(dirs.shape),
        # The real set's pyramid level, NHWC, to check the pyramid on its own.
        "realLevel": b64(pyr[0][lod].transpose(0, 2, 3, 1), np.float32),
        "swd": swd,
    })

fixture = {
    "shape": [n, side, side, c],
    "nhoodSize": nhood,
    "real": b64(real, np.uint8),
    "fake": b64(fake, np.uint8),
    "levels": out_levels,
    "average": float(np.mean([lv["swd"] for lv in out_levels])),
}
out = os.path.join(os.path.dirname(__file__), "../../packages/gan/test/fixtures/swd.json")
with open(out, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(out), [lv["swd"] for lv in out_levels], fixture["average"])
