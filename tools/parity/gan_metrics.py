"""Writes packages/gan/test/fixtures/metrics.json: feature sets and their Fréchet
distance as pytorch-fid computes it (calculate_frechet_distance: scipy.linalg.sqrtm of
sigma1 @ sigma2, real part) and their KID as torch-fidelity computes one subset of the
whole sets (unbiased MMD^2, kernel (x.y / d + 1)^3). An independent reference for the
metrics of @atelier/gan.

Run: /usr/bin/python3 tools/parity/gan_metrics.py
"""

import json
import os

import numpy as np
from scipy import linalg


def frechet(mu1, sigma1, mu2, sigma2):
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def kid(x, y):
    d = x.shape[1]
    m = x.shape[0]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return float(
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / (m * m)
    )


rng = np.random.default_rng(7)
cases = []
for n, d in [(200, 6), (300, 16)]:
    a = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
    b = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) * 0.7 + rng.normal(size=d)
    # Rounded before anything is computed, so the JSON holds the exact inputs.
    a, b = np.round(a, 4), np.round(b, 4)
    cases.append(
        {
            "real": a.tolist(),
            "fake": b.tolist(),
            "fid": frechet(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)),
            "kid": kid(a, b),
        }
    )

out = os.path.join(os.path.dirname(__file__), "../../packages/gan/test/fixtures/metrics.json")
with open(out, "w") as f:
    json.dump({"cases": cases}, f)
print("wrote", os.path.normpath(out), [(c["fid"], c["kid"]) for c in cases])
