"""Reference values for @atelier/core's seeded generator (packages/core/src/random).

An independent Python implementation of the published algorithms: SplitMix64 and
xoshiro128** (prng.di.unimi.it), FNV-1a 64, Box-Muller, with numpy's float32 rounding.
Writes packages/core/test/fixtures/rng/reference.json.

Run: /usr/bin/python3 tools/parity/rng_reference.py
"""
import json
import math
import os

import numpy as np

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def splitmix64(key, count):
    out, x = [], key & M64
    for _ in range(count):
        x = (x + GOLDEN) & M64
        out.append(mix64(x))
    return out


def fnv1a64(label):
    h = 0xCBF29CE484222325
    for b in label.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def child_key(parent, label):
    return mix64((mix64(parent ^ GOLDEN) + fnv1a64(label)) & M64)


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Xoshiro128ss:
    def __init__(self, key):
        a, b = splitmix64(key, 2)
        self.s = [a & M32, a >> 32, b & M32, b >> 32]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    def float53(self):
        a = self.next() >> 5
        b = self.next() >> 6
        return (a * 67108864.0 + b) / 9007199254740992.0

    def uniform24(self):
        return (self.next() >> 8) / 16777216.0

    def int_below(self, n):
        limit = (1 << 32) - ((1 << 32) % n)
        while True:
            r = self.next()
            if r < limit:
                return r % n

    def gaussian_pair(self):
        u1 = 1.0 - self.float53()
        u2 = self.float53()
        r = math.sqrt(-2.0 * math.log(u1))
        theta = 2.0 * math.pi * u2
        return r * math.cos(theta), r * math.sin(theta)


def f32(values):
    return [float(v) for v in np.asarray(values, dtype=np.float64).astype(np.float32)]


def main():
    out = {}
    g = Xoshiro128ss(42)
    out["seed42_uint32"] = [g.next() for _ in range(8)]

    g = Xoshiro128ss(7)
    out["seed7_uniform_2_5"] = f32([2 + 3 * g.uniform24() for _ in range(8)])

    g = Xoshiro128ss(7)
    zs = []
    for _ in range(4):
        zs.extend(g.gaussian_pair())
    out["seed7_normal_1_half"] = f32([1 + 0.5 * z for z in zs])

    g = Xoshiro128ss(3)
    out["seed3_float"] = [g.float53() for _ in range(4)]

    g = Xoshiro128ss(3)
    out["seed3_int10"] = [g.int_below(10) for _ in range(16)]

    big = (1 << 53) - 1
    out["seed_max_uint32"] = [Xoshiro128ss(big).next() for _ in range(1)]
    g = Xoshiro128ss((-5) & M64)
    out["seed_minus5_uint32"] = [g.next() for _ in range(4)]

    g = Xoshiro128ss(child_key(child_key(42, "encoder"), "worker-1"))
    out["seed42_encoder_worker1_uint32"] = [g.next() for _ in range(4)]

    # Fisher-Yates from the top, j = int(i + 1), as Rng.shuffle does.
    g = Xoshiro128ss(11)
    perm = list(range(10))
    for i in range(9, 0, -1):
        j = g.int_below(i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    out["seed11_permutation10"] = perm

    path = os.path.join(os.path.dirname(__file__), "../../packages/core/test/fixtures/rng/reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
