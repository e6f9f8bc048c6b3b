"""Non-local means (scikit-image) on the denoising evaluation set of @atelier/tasks.

The set is written by `node packages/tasks/dist/results.js --export-denoise DIR` (the
same images and noise as `npm run results -w @atelier/tasks denoise`). h is tuned on the
128 training images over a grid of multiples of sigma, as the Gaussian blur is; the
held-out PSNR and SSIM (skimage.metrics, SSIM with a Gaussian window of sigma 1.5 and
population covariance, as @atelier/losses' ssim) go to
packages/tasks/results/reference/denoise-nl-means.json as result rows.

Run: /usr/bin/python3 tools/reference/denoise_nl_means.py DIR
"""

import json
import os
import sys

import numpy as np
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.restoration import denoise_nl_means

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'packages', 'tasks', 'results', 'reference', 'denoise-nl-means.json')
FACTORS = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2]


def load(folder, name, shape):
    return np.fromfile(os.path.join(folder, name + '.f32'), dtype=np.float32).reshape(shape)


def denoise(images, sigma, h):
    return np.stack([
        denoise_nl_means(img.astype(np.float64), h=h, sigma=sigma, patch_size=5, patch_distance=6,
                         fast_mode=True, channel_axis=-1)
        for img in images
    ])


def mean_psnr(images, clean):
    return float(np.mean([peak_signal_noise_ratio(c, np.clip(x, 0, 1), data_range=1)
                          for x, c in zip(images, clean)]))


def mean_ssim(images, clean):
    return float(np.mean([
        structural_similarity(c, np.clip(x, 0, 1), data_range=1, channel_axis=-1,
                              gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
        for x, c in zip(images, clean)]))


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, 'shapes.json')) as f:
        meta = json.load(f)
    shapes = meta['shapes']
    sigma = meta['sigma'] / 255
    data = {k: load(folder, k, v).astype(np.float64) for k, v in shapes.items()}
    best = None
    for k in FACTORS:
        score = mean_psnr(denoise(data['tuneNoisy'], sigma, k * sigma), data['tuneClean'])
        if best is None or score > best[1]:
            best = (k, score)
    h = best[0] * sigma
    out = denoise(data['noisy'], sigma, h)
    method = f'non-local means, h = {best[0]}σ (scikit-image {skimage.__version__}, tuned on training images)'
    budget = '128 training images (reference script)'
    rows = [
        {'task': 'denoise', 'method': method, 'metric': 'held-out PSNR (dB), σ 25',
         'value': mean_psnr(out, data['clean']), 'higherIsBetter': True, 'baseline': True, 'budget': budget},
        {'task': 'denoise', 'method': method, 'metric': 'held-out SSIM, σ 25',
         'value': mean_ssim(out, data['clean']), 'higherIsBetter': True, 'baseline': True, 'budget': budget},
    ]
    # The same metrics on the noisy input: a check that both sides score alike.
    print('noisy input, skimage:', mean_psnr(data['noisy'], data['clean']), mean_ssim(data['noisy'], data['clean']))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(rows, f, indent=2)
        f.write('\n')
    print(json.dumps(rows, indent=2))


if __name__ == '__main__':
    main()
