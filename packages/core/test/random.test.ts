import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, init, rng, ShapeError, tf } from '../src/index.js';
import { childKey, keyFromSeed, splitMix64 } from '../src/random/seeding.js';
import { Xoshiro128 } from '../src/random/xoshiro128.js';
import { describeBackends } from '../src/testing/index.js';

// Written by tools/parity/rng_reference.py, an independent Python implementation.
const reference = JSON.parse(
  readFileSync(new URL('./fixtures/rng/reference.json', import.meta.url), 'utf8'),
) as Record<string, number[]>;

function draws(n: number, next: () => number): number[] {
  return Array.from({ length: n }, next);
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 erf, error < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Kolmogorov-Smirnov distance between a sample and a CDF. */
function ksDistance(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  return d;
}

function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / (values.length - 1)) };
}

function correlation(a: number[], b: number[]): number {
  const ma = meanStd(a);
  const mb = meanStd(b);
  let c = 0;
  for (let i = 0; i < a.length; i++) c += (a[i]! - ma.mean) * (b[i]! - mb.mean);
  return c / (a.length - 1) / (ma.std * mb.std);
}

/** Pearson's chi-square statistic of counts against equal expected counts. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

describe('the generators behind rng', () => {
  it('SplitMix64 matches its published outputs for seed 0', () => {
    const hex = splitMix64(0n, 3).map((v) => v.toString(16).padStart(16, '0'));
    expect(hex).toEqual(['e220a8397b1dcdaf', '6e789e6aa1b965f4', '06c45d188009454f']);
  });

  it('xoshiro128** matches the C reference implementation', () => {
    // Test data generated from prng.di.unimi.it/xoshiro128starstar.c (edorfaus/xoshiro-6502).
    const g = new Xoshiro128([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]);
    expect(draws(4, () => g.next())).toEqual([0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70]);
  });

  it('matches the independent Python implementation', () => {
    const r42 = rng(42);
    expect(draws(8, () => r42.uint32())).toEqual(reference.seed42_uint32);
    const r3 = rng(3);
    expect(draws(4, () => r3.float())).toEqual(reference.seed3_float);
    const i3 = rng(3);
    expect(draws(16, () => i3.int(10))).toEqual(reference.seed3_int10);
    expect([rng(2 ** 53 - 1).uint32()]).toEqual(reference.seed_max_uint32);
    const m5 = rng(-5);
    expect(draws(4, () => m5.uint32())).toEqual(reference.seed_minus5_uint32);
    const child = rng(42).fork('encoder').fork('worker-1');
    expect(draws(4, () => child.uint32())).toEqual(reference.seed42_encoder_worker1_uint32);
    expect(rng(11).permutation(10)).toEqual(reference.seed11_permutation10);
  });
});

describeBackends('rng tensors', () => {
  it('gives the reference float32 values bit for bit, one tensor each', async () => {
    const before = tf.memory().numTensors;
    const u = rng(7).uniform([2, 4], 2, 5);
    const n = rng(7).normal([8], 1, 0.5);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(u.dtype).toBe('float32');
    expect(u.shape).toEqual([2, 4]);
    expect(Array.from(await u.data())).toEqual(reference.seed7_uniform_2_5);
    expect(Array.from(await n.data())).toEqual(reference.seed7_normal_1_half);
    tf.dispose([u, n]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes the same tensors from a seed as plain JavaScript draws', async () => {
    const t = rng(5).truncatedNormal([3, 5], -1, 2);
    const b = rng(5).bernoulli(0.5, [16]);
    const tValues = await t.data();
    // Replay the same stream on the CPU alone.
    await tf.ready();
    expect(Array.from(tValues)).toEqual(Array.from(rng(5).truncatedNormal([15], -1, 2).dataSync()));
    const replay = rng(5);
    expect(Array.from(await b.data())).toEqual(draws(16, () => (replay.float() < 0.5 ? 1 : 0)));
    tf.dispose([t, b]);
  });
});

describe('rng', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it('repeats itself for one seed and differs between seeds', () => {
    const a = rng(1234);
    const b = rng(1234);
    expect(draws(100, () => a.uint32())).toEqual(draws(100, () => b.uint32()));
    const c = rng(1235);
    const d = rng(1234);
    expect(draws(100, () => c.uint32())).not.toEqual(draws(100, () => d.uint32()));
    // Neighbouring seeds are unrelated streams, not shifted copies.
    const s0 = rng(0);
    const s1 = rng(1);
    expect(
      Math.abs(
        correlation(
          draws(20000, () => s0.float()),
          draws(20000, () => s1.float()),
        ),
      ),
    ).toBeLessThan(5 / Math.sqrt(20000));
  });

  it('resumes exactly from a JSON round trip of its state', () => {
    const a = rng(99);
    a.normal([7]).dispose();
    a.int(1000);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const expected = [draws(20, () => a.float()), Array.from(a.normal([5]).dataSync())];
    const b = rng(1);
    b.setState(saved);
    expect([draws(20, () => b.float()), Array.from(b.normal([5]).dataSync())]).toEqual(expected);
    expect(b.state()).toEqual(a.state());
    // The key travels too: forks of the restored generator match the original's.
    expect(b.fork('d').uint32()).toBe(a.fork('d').uint32());
  });

  it('draws normals with mean 0, std 1 and a normal distribution', () => {
    const n = 100_000;
    const values = rng(2024).normal([n]).dataSync();
    const { mean, std } = meanStd(values);
    // Five standard errors: 1/sqrt(n) for the mean, 1/sqrt(2n) for the std.
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(std - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
    // KS critical value at the 0.1% level is 1.95/sqrt(n).
    expect(ksDistance(values, normalCdf)).toBeLessThan(1.95 / Math.sqrt(n));
    const shifted = meanStd(rng(2024).normal([n], 3, 0.25).dataSync());
    expect(Math.abs(shifted.mean - 3)).toBeLessThan(5 * (0.25 / Math.sqrt(n)));
    expect(Math.abs(shifted.std - 0.25)).toBeLessThan(5 * (0.25 / Math.sqrt(2 * n)));
  });

  it('truncates normals at two standard deviations', () => {
    const n = 100_000;
    const values = rng(8).truncatedNormal([n], 1, 3).dataSync();
    let inside = true;
    for (const v of values) inside &&= Math.abs(v - 1) <= 6 + 1e-6;
    expect(inside).toBe(true);
    // Closed form: variance of N(0,1) cut to [-2, 2] is 1 - 4 phi(2) / (2 Phi(2) - 1).
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const cutStd = Math.sqrt(1 - (4 * phi2) / (2 * normalCdf(2) - 1));
    expect(cutStd).toBeCloseTo(0.8796, 3);
    const { mean, std } = meanStd(values);
    expect(Math.abs(mean - 1)).toBeLessThan(5 * ((3 * cutStd) / Math.sqrt(n)));
    expect(Math.abs(std - 3 * cutStd)).toBeLessThan(0.02);
    const cutCdf = (x: number) =>
      (normalCdf((x - 1) / 3) - normalCdf(-2)) / (normalCdf(2) - normalCdf(-2));
    expect(ksDistance(values, cutCdf)).toBeLessThan(1.95 / Math.sqrt(n));
  });

  it('draws uniforms that pass a KS bound and stay inside [min, max)', () => {
    const n = 100_000;
    const values = rng(77).uniform([n], -2, 6).dataSync();
    expect(ksDistance(values, (x) => Math.min(1, Math.max(0, (x + 2) / 8)))).toBeLessThan(
      1.95 / Math.sqrt(n),
    );
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(-2);
    expect(max).toBeLessThan(6);
    const doubles = rng(77);
    expect(
      ksDistance(
        draws(n, () => doubles.float()),
        (x) => x,
      ),
    ).toBeLessThan(1.95 / Math.sqrt(n));
  });

  it('never rounds a uniform up to max or below min in float32', () => {
    // [1, 1 + 3 ulp): a draw above 1 + 2.5 ulp rounds to max in float32 and must be pulled back.
    const ulp = 2 ** -23;
    const narrow = Array.from(
      rng(3)
        .uniform([4000], 1, 1 + 3 * ulp)
        .dataSync(),
    );
    expect(new Set(narrow)).toEqual(new Set([1, 1 + ulp, 1 + 2 * ulp]));
    // 0.7 is not a float32; its nearest float32 lies below it.
    expect(Math.fround(0.7)).toBeLessThan(0.7);
    const above = rng(3)
      .uniform([4000], 0.7, 0.7 + 4e-7)
      .dataSync();
    for (const v of above) expect(v).toBeGreaterThanOrEqual(0.7);
  });

  it('draws unbiased integers below any bound up to 2^53', () => {
    const r = rng(5);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(7)]++;
    // Chi-square with 6 degrees of freedom: 22.46 at the 0.1% level.
    expect(chiSquare(counts)).toBeLessThan(22.46);
    const big = 2 ** 40 + 3;
    const bigDraws = draws(20_000, () => r.int(big));
    expect(bigDraws.every((v) => Number.isInteger(v) && v >= 0 && v < big)).toBe(true);
    const { mean } = meanStd(bigDraws);
    expect(Math.abs(mean - big / 2)).toBeLessThan(5 * (big / Math.sqrt(12 * 20_000)));
    expect(draws(100, () => r.int(2 ** 32)).some((v) => v >= 2 ** 31)).toBe(true);
    expect(draws(50, () => r.int(1)).every((v) => v === 0)).toBe(true);
  });

  it('shuffles in place into uniformly random permutations', () => {
    const r = rng(31);
    const array = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(r.shuffle(array)).toBe(array);
    expect([...array].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const typed = Int32Array.from({ length: 50 }, (_, i) => i);
    r.shuffle(typed);
    expect(Array.from(typed).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(r.permutation(0)).toEqual([]);

    // All 24 orders of four items equally often (catches off-by-one Fisher-Yates).
    const orders = new Map<string, number>();
    for (let i = 0; i < 24_000; i++) {
      const key = r.shuffle([0, 1, 2, 3]).join('');
      orders.set(key, (orders.get(key) ?? 0) + 1);
    }
    expect(orders.size).toBe(24);
    // Chi-square with 23 degrees of freedom: 49.73 at the 0.1% level.
    expect(chiSquare([...orders.values()])).toBeLessThan(49.73);

    // Each value lands in each of 10 positions about 1/10 of the time.
    const n = 10;
    const trials = 20_000;
    const at = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let t = 0; t < trials; t++) {
      r.permutation(n).forEach((v, pos) => {
        at[pos]![v]++;
      });
    }
    const sd = Math.sqrt(trials * 0.1 * 0.9);
    for (const row of at)
      for (const c of row) expect(Math.abs(c - trials / n)).toBeLessThan(5 * sd);
  });

  it('draws Bernoulli values with probability p', () => {
    const r = rng(12);
    const n = 100_000;
    const hits = draws(n, () => (r.bernoulli(0.3) ? 1 : 0)).reduce((a, b) => a + b, 0);
    expect(Math.abs(hits / n - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / n));
    const mask = r.bernoulli(0.8, [n]).dataSync();
    expect(mask.every((v) => v === 0 || v === 1)).toBe(true);
    expect(Math.abs(meanStd(mask).mean - 0.8)).toBeLessThan(5 * Math.sqrt(0.16 / n));
    expect(Array.from({ length: 100 }, () => r.bernoulli(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => r.bernoulli(1)).every(Boolean)).toBe(true);
  });

  it('forks independent streams without disturbing the parent', () => {
    const parent = rng(42);
    const untouched = rng(42);
    const a = parent.fork('generator');
    const b = parent.fork('discriminator');
    const n = 20_000;
    const fa = draws(n, () => a.float());
    const fb = draws(n, () => b.float());
    const fp = draws(n, () => parent.float());
    // Forking and drawing from forks leaves the parent's sequence as it was.
    expect(fp).toEqual(draws(n, () => untouched.float()));
    const bound = 5 / Math.sqrt(n);
    expect(Math.abs(correlation(fa, fb))).toBeLessThan(bound);
    expect(Math.abs(correlation(fa, fp))).toBeLessThan(bound);
    // Lagged correlation: a fork is not the parent shifted by a few draws.
    expect(Math.abs(correlation(fa.slice(1), fp.slice(0, -1)))).toBeLessThan(bound);
    // The same label on the same stream is the same stream; paths are ordered.
    const again = rng(42);
    again.float();
    expect(again.fork('generator').uint32()).toBe(rng(42).fork('generator').uint32());
    expect(rng(42).fork('a').fork('b').uint32()).not.toBe(rng(42).fork('b').fork('a').uint32());
    expect(rng(42).fork('a').uint32()).not.toBe(rng(43).fork('a').uint32());
    expect(childKey(keyFromSeed(42), '')).not.toBe(keyFromSeed(42));
  });

  // Bad arguments get typed errors; one test per kind, so a failure names it.
  it('refuses seeds that are not safe integers', () => {
    expect(() => rng(1.5)).toThrow(ArgumentError);
    expect(() => rng(Number.NaN)).toThrow(ArgumentError);
    expect(() => rng(2 ** 60)).toThrow(ArgumentError);
  });

  it('refuses bad shapes and distribution parameters of tensor draws', () => {
    const r = rng(0);
    expect(() => r.uniform([2, -1])).toThrow(ShapeError);
    expect(() => r.normal([2.5])).toThrow(ShapeError);
    expect(() => r.normal('3' as unknown as number[])).toThrow(ShapeError);
    expect(() => r.uniform([2], 1, 1)).toThrow(/min < max/);
    expect(() => r.uniform([2], 0, Number.POSITIVE_INFINITY)).toThrow(ArgumentError);
    expect(() => r.uniform([2], -1e39, 0)).toThrow(/float32/);
    expect(() => r.normal([2], 0, -1)).toThrow(/std >= 0/);
    expect(() => r.truncatedNormal([2], Number.NaN)).toThrow(ArgumentError);
  });

  it('refuses bad arguments of int, bernoulli, permutation, shuffle and fork', () => {
    const r = rng(0);
    expect(() => r.int(0)).toThrow(ArgumentError);
    expect(() => r.int(2.5)).toThrow(ArgumentError);
    expect(() => r.int(2 ** 53 + 2)).toThrow(ArgumentError);
    expect(() => r.bernoulli(1.5)).toThrow(/p in \[0, 1\]/);
    expect(() => r.permutation(-1)).toThrow(ArgumentError);
    expect(() => r.shuffle('abc' as unknown as string[])).toThrow(ArgumentError);
    expect(() => r.fork(3 as unknown as string)).toThrow(ArgumentError);
  });

  it('refuses a damaged state and stays where it was', () => {
    const r = rng(0);
    const good = r.state();
    expect(() => r.setState(null as never)).toThrow(ArgumentError);
    expect(() => r.setState({ ...good, algorithm: 'pcg32' as never })).toThrow(/algorithm/);
    expect(() => r.setState({ ...good, key: 'xyz' })).toThrow(/key/);
    expect(() => r.setState({ ...good, words: [1, 2, 3] as never })).toThrow(/words/);
    expect(() => r.setState({ ...good, words: [0, 0, 0, 0] })).toThrow(/all zero/);
    expect(() => r.setState({ ...good, words: [1, 2, 3, 2 ** 32] })).toThrow(/words/);
    expect(r.state()).toEqual(good);
  });
});
