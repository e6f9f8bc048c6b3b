import { readFileSync } from 'node:fs';
import { MinibatchStddev } from '@atelier/blocks';
import { ArgumentError, rng, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  downscale2d,
  fade,
  harnessData,
  ProganDiscriminator,
  ProganGenerator,
  type ProganOptions,
  phaseReals,
  progan,
  progressivePhase,
  renderReport,
  train,
  upscale2d,
} from '../src/index.js';

/** 4 -> 8 -> 16 px with a handful of feature maps: every phase in a few steps. */
const TINY: ProganOptions = {
  size: 16,
  latentDim: 8,
  fmapBase: 32,
  fmapMax: 8,
  stableImages: 8,
  fadeImages: 8,
  seed: 1,
};
const NETS = { size: 16, fmapBase: 32, fmapMax: 8 };
/** Read asynchronously: WebGPU in Node has no synchronous reads. */
const maxDiff = async (a: tf.Tensor, b: tf.Tensor) => {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const value = (await d.data())[0]!;
  d.dispose();
  return value;
};

it('the schedule: stable, then a linear fade by images shown, until the target stays', () => {
  const s = { levels: 2, stableImages: 100, fadeImages: 50 };
  const at = (n: number) => {
    const p = progressivePhase(n, s);
    return [p.resolution, Number(p.alpha.toFixed(4)), p.kind];
  };
  expect(at(0)).toEqual([4, 1, 'stable']);
  expect(at(99)).toEqual([4, 1, 'stable']);
  expect(at(100)).toEqual([4, 1, 'stable']);
  expect(at(101)).toEqual([8, 0.02, 'fade']);
  expect(at(125)).toEqual([8, 0.5, 'fade']);
  expect(at(150)).toEqual([8, 1, 'stable']);
  expect(at(275)).toEqual([16, 0.5, 'fade']);
  expect(at(300)).toEqual([16, 1, 'stable']);
  expect(at(10_000)).toEqual([16, 1, 'stable']);
  // Adam is reset where the reference resets it: the start and the end of each fade.
  const keys = [0, 100, 101, 149, 150, 251, 300].map((n) => progressivePhase(n, s).key);
  expect(keys).toEqual(['0-0', '0-0', '0-1', '0-1', '1-1', '1-2', '2-2']);
  expect(() => progressivePhase(-1, s)).toThrow(ArgumentError);
});

it('the report draws the α curve apart from the losses and a sample grid per resolution', () => {
  const line = (step: number, alpha: number, resolution: number) => ({
    step,
    epoch: 0,
    elapsed: step,
    lr: { G: 1e-3 },
    losses: { G: -step, alpha, resolution },
  });
  const html = renderReport({
    harness: 'progan',
    status: 'running',
    step: 6,
    totalSteps: 6,
    checkpointStep: undefined,
    groups: { G: ['G'], logged: ['alpha', 'resolution'] },
    metrics: [
      line(1, 1, 4),
      line(2, 1, 4),
      line(3, 0.5, 8),
      line(4, 1, 8),
      line(5, 0.5, 16),
      line(6, 1, 16),
    ],
    samples: [0, 2, 4, 6].map((step) => ({ step, file: `samples/step-${step}.png` })),
    config: {},
    columns: [],
    updated: 'now',
  });
  expect(html).toContain('fade-in α');
  expect(html).not.toContain('logged losses');
  const perResolution = html.slice(html.indexOf('Per resolution'));
  expect(perResolution).toContain('4×4 · step 2');
  expect(perResolution).toContain('8×8 · step 4');
  expect(perResolution).toContain('16×16 · step 6');
});

describeBackends('progan', () => {
  it('minibatch stddev: per interleaved group, sqrt(var + 1e-8) averaged, one more map', async () => {
    const x = rng(2).normal([8, 2, 2, 3]) as tf.Tensor4D;
    const out = new MinibatchStddev({ groupSize: 4 }).forward(x);
    expect(out.shape).toEqual([8, 2, 2, 4]);
    const v = (await x.array()) as number[][][][];
    // Groups of the reference's reshape [4, 2, ...]: {0, 2, 4, 6} and {1, 3, 5, 7}.
    const expected = [0, 1].map((m) => {
      let total = 0;
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++)
          for (let c = 0; c < 3; c++) {
            const g = [0, 1, 2, 3].map((k) => v[k * 2 + m]![i]![j]![c]!);
            const mean = g.reduce((a, b) => a + b, 0) / 4;
            total += Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / 4 + 1e-8);
          }
      return total / 12;
    });
    const maps = await tf.slice(out, [0, 0, 0, 3], [8, 1, 1, 1]).data();
    for (let n = 0; n < 8; n++) expect(maps[n]).toBeCloseTo(expected[n % 2]!, 5);
    expect(await maxDiff(tf.slice(out, [0, 0, 0, 0], [8, 2, 2, 3]), x)).toBe(0);
    expect(() => new MinibatchStddev().forward(tf.zeros([6, 2, 2, 1]))).toThrow(ShapeError);
    tf.dispose([x, out]);
  });

  it('minibatch stddev (output and input gradient) and the fade match PyTorch (tools/parity)', async () => {
    const f = JSON.parse(
      readFileSync(new URL('./fixtures/progan-layers.json', import.meta.url), 'utf8'),
    );
    const m = f.mbstd;
    const x = tf.tensor4d(m.x, m.xShape);
    const w = tf.tensor4d(m.w, m.outShape);
    const layer = new MinibatchStddev();
    const out = layer.forward(x);
    expect(await maxDiff(out, tf.tensor4d(m.out, m.outShape))).toBeLessThan(1e-5);
    const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.forward(v), w)))(x);
    expect(await maxDiff(grad, tf.tensor4d(m.grad, m.xShape))).toBeLessThan(1e-4);
    const d = f.fade;
    const faded = fade(tf.tensor4d(d.old, d.shape), tf.tensor4d(d.new, d.shape), d.alpha);
    expect(await maxDiff(faded, tf.tensor4d(d.out, d.shape))).toBeLessThan(1e-5);
    tf.dispose([x, w, out, grad, faded]);
  });

  it('minibatch stddev, resampling and the fade: input gradients match central differences', async () => {
    const layer = new MinibatchStddev({ groupSize: 2 });
    const x0 = rng(11).normal([4, 4, 4, 2]) as tf.Tensor4D;
    const other = rng(12).normal([4, 4, 4, 2]) as tf.Tensor4D;
    const fns: [string, (x: tf.Tensor4D) => tf.Tensor][] = [
      ['mbstd', (x) => layer.forward(x)],
      ['resample+fade', (x) => fade(upscale2d(downscale2d(x)), tf.mul(x, other), 0.3)],
    ];
    for (const [name, f] of fns) {
      const w = rng(13).normal(tf.tidy(() => f(x0).shape));
      const loss = (x: tf.Tensor4D) => tf.sum(tf.mul(f(x), w)) as tf.Scalar;
      const analytic = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor4D))(x0);
      const a = await analytic.data();
      const base = await x0.data();
      let worst = 0;
      for (let i = 0; i < base.length; i += 3) {
        const at = async (d: number) => {
          const moved = Float32Array.from(base);
          moved[i] = base[i]! + d;
          const value = tf.tidy(() => loss(tf.tensor4d(moved, x0.shape)));
          const out = (await value.data())[0]!;
          value.dispose();
          return out;
        };
        const numeric = ((await at(1e-2)) - (await at(-1e-2))) / 2e-2;
        worst = Math.max(worst, Math.abs(a[i]! - numeric) / (2e-3 + 2e-2 * Math.abs(numeric)));
      }
      expect(worst, name).toBeLessThanOrEqual(1);
      tf.dispose([w, analytic]);
    }
    tf.dispose([x0, other]);
  });

  it('fade α 0 is the previous level exactly; α 1 the new one alone; shapes by level', async () => {
    const G = new ProganGenerator({ ...NETS, latentDim: 8, seed: 3 });
    const D = new ProganDiscriminator({ ...NETS, seed: 4 });
    const z = rng(5).normal([4, 8]);
    const x = rng(6).normal([4, 16, 16, 3]) as tf.Tensor4D;
    for (const level of [0, 1, 2]) {
      const side = 4 * 2 ** level;
      const img = G.forward(z, { level, alpha: 1 });
      expect(img.shape).toEqual([4, side, side, 3]);
      const input = downscale2d(x, 16 / side);
      expect(D.forward(input, { level, alpha: 1 }).shape).toEqual([4, 1]);
      if (level > 0) {
        const previous = G.forward(z, { level: level - 1, alpha: 1 });
        expect(await maxDiff(G.forward(z, { level, alpha: 0 }), upscale2d(previous))).toBeLessThan(
          1e-6,
        );
        const dPrevious = D.forward(downscale2d(input), { level: level - 1, alpha: 1 });
        expect(await maxDiff(D.forward(input, { level, alpha: 0 }), dPrevious)).toBeLessThan(1e-5);
        // Halfway is halfway between the two paths (G's output is linear in α).
        const half = G.forward(z, { level, alpha: 0.5 });
        const mid = tf.div(tf.add(img, upscale2d(previous)), 2);
        expect(await maxDiff(half, mid)).toBeLessThan(1e-5);
      }
    }
    expect(() => G.forward(z, { level: 3, alpha: 1 })).toThrow(ArgumentError);
    expect(() => D.forward(x, { level: 1, alpha: 1 })).toThrow(ShapeError);
    tf.dispose([z, x]);
    G.dispose();
    D.dispose();
  });

  it('reals fade as the outputs do: α 0 is the coarser level upsampled', async () => {
    const x = rng(7).normal([2, 16, 16, 3]) as tf.Tensor4D;
    const coarse = upscale2d(downscale2d(x));
    expect(await maxDiff(phaseReals(x, { level: 2, alpha: 0 }), coarse)).toBeLessThan(1e-6);
    expect(await maxDiff(phaseReals(x, { level: 2, alpha: 1 }), x)).toBe(0);
    tf.dispose([x, coarse]);
  });

  it('trains through every phase, resets Adam at each change, leaks no tensor per step', async () => {
    const data = await harnessData('progan', { size: 16, count: 8, seed: 1 });
    const harness = progan(TINY);
    const counts: number[] = [];
    const alphas: number[] = [];
    const adam = harness.optimizers.G!.optimizer as unknown as { iterations: number };
    const iterations: number[] = [];
    const result = await train(harness, {
      data: data.dataset,
      batch: 4,
      steps: 10,
      logEvery: 1,
      onProgress: (p) => {
        if (p.phase !== 'step') return;
        counts.push(tf.memory().numTensors);
        alphas.push(p.losses.alpha!);
        iterations.push(adam.iterations);
      },
    });
    expect(Object.keys(result.losses).sort()).toEqual([
      'D',
      'D_GP',
      'D_drift',
      'G',
      'alpha',
      'resolution',
    ]);
    for (const v of Object.values(result.losses)) expect(Number.isFinite(v)).toBe(true);
    // 4 images a step (images 0, 4, 8, ...): 4 px to image 8, the 8 px fade (α 0.5 at
    // image 12), 8 px from 16, the 16 px fade (α 0.5 at 28), 16 px from 32.
    expect(alphas).toEqual([1, 1, 1, 0.5, 1, 1, 1, 0.5, 1, 1]);
    expect(result.losses.resolution).toBe(16);
    // Adam starts over at the start and the end of each fade (steps 4, 5, 8, 9).
    expect(iterations).toEqual([1, 2, 3, 1, 1, 2, 3, 1, 1, 2]);
    expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
    expect(harness.phase()).toMatchObject({ images: 40, resolution: 16, alpha: 1 });
    harness.dispose();
  });

  it('typed errors for a size that is not 4·2^k, odd options and wrong batches', async () => {
    expect(() => progan({ size: 48 })).toThrow(/4·2\^k/);
    expect(() => progan({ size: 16, fadeImages: -1 })).toThrow(ArgumentError);
    expect(() => progan({ size: 16, sizes: 3 } as never)).toThrow(/unknown option/);
    const harness = progan(TINY);
    const wrong = { image: tf.zeros([4, 32, 32, 3]) };
    expect(() => harness.check(wrong as never)).toThrow(ShapeError);
    const odd = { image: tf.zeros([6, 16, 16, 3]) };
    expect(() => harness.check(odd as never)).toThrow(/multiple of the minibatch-stddev group/);
    expect(() => harness.setState?.({ images: -3, phaseKey: null })).toThrow(/damaged/);
    tf.dispose([wrong.image, odd.image]);
    harness.dispose();
  });
});
