import { ArgumentError, FormatError, rng, ShapeError, tf, writeImage } from '@atelier/core';
import { expect, it } from 'vitest';
import {
  bceWithLogits,
  type CaptionBatch,
  ConditioningAugmentation,
  captionEncoder,
  conditioningKl,
  discriminatorWeights,
  harnessData,
  loadStageOne,
  openStackGanRun,
  parseJsonEmbeddings,
  parseNpyEmbeddings,
  resolveStackGan,
  type StackGanOptions,
  StageOneGenerator,
  stackgan,
  stackganDescriptor,
  train,
} from '../src/index.js';
import { collect } from './helpers/collect.js';

/** Stage I at 8 px, stage II at 32 px, a few channels: every path in a few steps. */
const TINY: StackGanOptions = {
  size: 32,
  latentDim: 8,
  conditionDim: 8,
  gf: 4,
  df: 4,
  rNum: 1,
  seed: 1,
};

it('KL of the augmentation is the closed form ½·mean(σ² + μ² − 1 − log σ²)', () => {
  const mu = [0.3, -1.2, 0, 2];
  const logvar = [0, -0.5, 1.1, 0.2];
  const expected =
    mu.reduce((s, m, i) => s + 0.5 * (Math.exp(logvar[i]!) + m * m - 1 - logvar[i]!), 0) / 4;
  const kl = conditioningKl(tf.tensor2d(mu, [2, 2]), tf.tensor2d(logvar, [2, 2]));
  expect(kl.dataSync()[0]).toBeCloseTo(expected, 6);
  const zero = conditioningKl(tf.zeros([3, 5]), tf.zeros([3, 5]));
  expect(Math.abs(zero.dataSync()[0]!)).toBe(0);
  tf.dispose([kl, zero]);
});

it('the caption encoder is deterministic, unit length, unit RMS, and tells word order apart', () => {
  const e = captionEncoder({ dim: 64, seed: 0 });
  const a = e.encode('a red sphere above a blue cube');
  const norm = Math.hypot(...a);
  expect(norm).toBeCloseTo(8, 4);
  expect(captionEncoder({ dim: 64, seed: 0 }).encode('A red sphere, above a blue cube.')).toEqual(
    a,
  );
  const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0) / 64;
  // Same words, swapped objects: the unigrams agree, the bigrams do not.
  const swapped = e.encode('a blue cube above a red sphere');
  expect(dot(a, swapped)).toBeLessThan(0.9);
  expect(dot(a, swapped)).toBeGreaterThan(0.3);
  expect(dot(a, e.encode('a green cone'))).toBeLessThan(0.7);
  expect(captionEncoder({ dim: 64, seed: 1 }).encode('a red sphere')).not.toEqual(
    e.encode('a red sphere'),
  );
  expect(() => e.encode('  ,. ')).toThrow(ArgumentError);
  expect(() => captionEncoder({ dim: 0 })).toThrow(ArgumentError);
});

it('reads [N, D] embeddings from .npy and JSON, and refuses malformed ones', () => {
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const pad = 64 - ((10 + header.length + 1) % 64);
  const text = `${header}${' '.repeat(pad)}\n`;
  const values = new Float32Array([1, 2, 3, 4, 5, -6.5]);
  const bytes = new Uint8Array(10 + text.length + 24);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, text.length, true);
  bytes.set(new TextEncoder().encode(text), 10);
  bytes.set(new Uint8Array(values.buffer), 10 + text.length);
  const t = parseNpyEmbeddings(bytes);
  expect([t.rows, t.dim, [...t.values]]).toEqual([2, 3, [1, 2, 3, 4, 5, -6.5]]);
  expect(() => parseNpyEmbeddings(bytes.subarray(0, bytes.length - 4))).toThrow(FormatError);
  expect(() => parseNpyEmbeddings(bytes.map((b, i) => (i === 0 ? 0 : b)))).toThrow(FormatError);
  const f8 = bytes.slice();
  f8.set(new TextEncoder().encode("'<i4'"), 10 + 10);
  expect(() => parseNpyEmbeddings(f8)).toThrow(FormatError);
  expect(parseJsonEmbeddings('[[1, 2], [3, 4]]').values).toEqual(new Float32Array([1, 2, 3, 4]));
  expect(() => parseJsonEmbeddings('[[1, 2], [3]]')).toThrow(FormatError);
  expect(() => parseJsonEmbeddings('[[1, null]]')).toThrow(FormatError);
});

async function shapesBatch(
  n: number,
): Promise<{ data: Awaited<ReturnType<typeof harnessData>>; batch: CaptionBatch }> {
  const data = await harnessData('stackgan', { size: 32, count: 8, seed: 2 });
  return { data, batch: await collect<CaptionBatch>(data.dataset, n) };
}

it('stage I trains on captions, logs the matching-aware terms, leaks no tensor per step', async () => {
  const { data } = await shapesBatch(1);
  const harness = stackgan({ ...TINY, textDim: data.textDim! });
  const counts: number[] = [];
  const result = await train(harness, {
    data: data.dataset,
    batch: 4,
    steps: 4,
    logEvery: 1,
    onProgress: (p) => {
      if (p.phase === 'step') counts.push(tf.memory().numTensors);
    },
  });
  expect(Object.keys(result.losses).sort()).toEqual(['D_fake', 'D_real', 'D_wrong', 'G', 'KL']);
  for (const v of Object.values(result.losses)) expect(Number.isFinite(v)).toBe(true);
  expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
  harness.dispose();
});

it('stage II refines a frozen stage I: G1 unchanged, unconditional head trained, no leak', async () => {
  const { data, batch } = await shapesBatch(4);
  const one = stackgan({ ...TINY, textDim: data.textDim! });
  const two = stackgan({ ...TINY, stage: 2, textDim: data.textDim! });
  two.loadStageOne(one.modules.G!.stateDict());
  const before = two.modules.G1!.stateDict();
  const counts: number[] = [];
  const result = await train(two, {
    data: data.dataset,
    batch: 4,
    steps: 3,
    logEvery: 1,
    onProgress: (p) => {
      if (p.phase === 'step') counts.push(tf.memory().numTensors);
    },
  });
  expect(Object.keys(result.losses).sort()).toEqual([
    'D_fake',
    'D_real',
    'D_uncond_fake',
    'D_uncond_real',
    'D_wrong',
    'G',
    'G_uncond',
    'KL',
  ]);
  expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
  const after = two.modules.G1!.stateDict();
  for (const [k, v] of Object.entries(before)) {
    expect(
      tf.tidy(() => tf.max(tf.abs(tf.sub(v, after[k]!))).dataSync()[0]),
      k,
    ).toBe(0);
  }
  // Stage I's image at 8 px, stage II's at 32, from the same text and noise.
  const out = two.generate(batch.embedding, 5);
  expect(out.low.shape).toEqual([4, 8, 8, 3]);
  expect(out.high!.shape).toEqual([4, 32, 32, 3]);
  const lowAlone = one.generate(batch.embedding, 5).low;
  expect(tf.tidy(() => tf.max(tf.abs(tf.sub(lowAlone, out.low))).dataSync()[0])).toBe(0);
  tf.dispose([out.low, out.high!, lowAlone, ...Object.values(before), ...Object.values(after)]);
  tf.dispose(Object.values(batch).filter((v) => v instanceof tf.Tensor));
  one.dispose();
  two.dispose();
});

it('typed errors: sizes, stages, batches without captions, data without captions', async () => {
  expect(() => resolveStackGan({ size: 48 })).toThrow(ArgumentError);
  expect(() => resolveStackGan({ size: 16 })).toThrow(ArgumentError);
  expect(() => resolveStackGan({ stage: 3 as 1 })).toThrow(ArgumentError);
  expect(() => resolveStackGan({ augment: 'yes' as never })).toThrow(ArgumentError);
  expect(() => resolveStackGan({ captions: 1 } as never)).toThrow(ArgumentError);
  const { data, batch } = await shapesBatch(4);
  const h = stackgan({ ...TINY, textDim: data.textDim! });
  expect(() => h.check({ image: batch.image } as CaptionBatch)).toThrow(ShapeError);
  expect(() => h.check({ ...batch, embedding: tf.zeros([4, 7]) as tf.Tensor2D })).toThrow(
    /\[4, 256\]/,
  );
  const one = { image: tf.slice(batch.image, 0, 1), embedding: tf.slice(batch.embedding, 0, 1) };
  expect(() => h.check(one as CaptionBatch)).toThrow(/2 or more/);
  expect(() => h.check({ ...batch, image: tf.zeros([4, 16, 16, 3]) as tf.Tensor4D })).toThrow(
    ShapeError,
  );
  expect(() => h.loadStageOne({})).toThrow(ArgumentError);
  const two = stackgan({ ...TINY, stage: 2, textDim: data.textDim! });
  expect(() => two.loadStageOne({ 'fc.weight': tf.zeros([2, 2]) })).toThrow();
  const shapes = await harnessData('cgan', { size: 32, count: 4, seed: 0 });
  expect(() => stackganDescriptor.fromData({}, shapes, 32)).toThrow(/needs captions/);
  tf.dispose(Object.values(one));
  h.dispose();
  two.dispose();
});

it('noise for generate comes from its seed alone', async () => {
  const e = captionEncoder().encode('a red cube');
  const text = tf.tensor2d([...e, ...e], [2, 256]);
  const h = stackgan({ ...TINY, textDim: 256 });
  const a = h.generate(text, 3).low;
  const b = h.generate(text, 3).low;
  const c = h.generate(text, 4).low;
  expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBe(0);
  expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, c))).dataSync()[0])).toBeGreaterThan(0);
  tf.dispose([a, b, c, text]);
  h.dispose();
  void rng;
});

it('a finished run opens for generation: stage 2 with its stage-I run; typed errors', async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const root = mkdtempSync(join(tmpdir(), 'atelier-stackgan-run-'));
  try {
    const data = await harnessData('stackgan', { size: 32, count: 8, seed: 2 });
    const options = { ...TINY, textDim: data.textDim! };
    const one = stackgan(options);
    await train(one, { data: data.dataset, batch: 4, steps: 2, out: join(root, 's1') });
    const two = stackgan({ ...options, stage: 2, stage1: join(root, 's1') });
    await loadStageOne(two, join(root, 's1'));
    await train(two, { data: data.dataset, batch: 4, steps: 2, out: join(root, 's2') });
    const text = tf.tensor2d(
      Array.from({ length: 2 * 256 }, (_, i) => Math.sin(i)),
      [2, 256],
    );
    const opened = await openStackGanRun(join(root, 's2'));
    const a = two.generate(text, 4);
    const b = opened.generate(text, 4);
    expect(b.high!.shape).toEqual([2, 32, 32, 3]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a.high!, b.high!))).dataSync()[0])).toBeLessThan(
      1e-6,
    );
    tf.dispose([text, a.low, a.high!, b.low, b.high!]);
    for (const h of [one, two, opened]) h.dispose();
    await expect(openStackGanRun(join(root, 'none'))).rejects.toThrow(ArgumentError);
    writeFileSync(join(root, 's1', 'config.json'), '{"harness": "gan", "options": {}}');
    await expect(openStackGanRun(join(root, 's1'))).rejects.toThrow(/expected a stackgan run/);
    writeFileSync(join(root, 's1', 'config.json'), '{');
    await expect(openStackGanRun(join(root, 's1'))).rejects.toThrow(FormatError);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

it('a folder of images takes its embeddings by file name (JSON, filenames.json) or its captions', async () => {
  const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const root = mkdtempSync(join(tmpdir(), 'atelier-stackgan-folder-'));
  try {
    mkdirSync(join(root, 'images'));
    for (const [name, v] of [
      ['b.png', 40],
      ['a.png', 200],
    ] as const) {
      const image = tf.fill([32, 32, 3], v) as tf.Tensor3D;
      await writeImage(join(root, 'images', name), image);
      image.dispose();
    }
    writeFileSync(join(root, 'embeddings.json'), '[[1, 2, 3], [4, 5, 6]]');
    writeFileSync(join(root, 'filenames.json'), '["b.png", "a.png"]');
    const data = await harnessData('stackgan', { data: root, size: 32 });
    expect(data.textDim).toBe(3);
    const rows = await Promise.all([0, 1].map((i) => data.dataset.get(i, 0)));
    const byBrightness = rows
      .map((s) => {
        const { image, embedding } = s as CaptionBatch;
        return [tf.tidy(() => tf.mean(image).dataSync()[0]!), [...embedding.dataSync()]] as const;
      })
      .sort((x, y) => x[0] - y[0]);
    // b.png (dark) is row 0 of the embeddings, a.png (bright) row 1.
    expect(byBrightness.map((r) => r[1])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    rmSync(join(root, 'embeddings.json'));
    rmSync(join(root, 'filenames.json'));
    writeFileSync(join(root, 'captions.txt'), 'a red cube\na blue cone\n');
    const captioned = await harnessData('stackgan', { data: root, size: 32 });
    expect(captioned.textDim).toBe(256);
    const first = (await captioned.dataset.get(0, 0)) as CaptionBatch;
    // Sorted by name: a.png takes the first caption.
    expect([...first.embedding.dataSync()]).toEqual([...captionEncoder().encode('a red cube')]);
    rmSync(join(root, 'captions.txt'));
    await expect(harnessData('stackgan', { data: root, size: 32 })).rejects.toThrow(/no captions/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

it("conditioning augmentation's gradient (c and KL) matches finite differences", () => {
  const r = rng(11);
  const ca = new ConditioningAugmentation(6, 3, r.fork('ca'));
  const text = r.normal([4, 6]) as tf.Tensor2D;
  const eps = r.normal([4, 3]) as tf.Tensor2D;
  const probe = r.normal([4, 3]) as tf.Tensor2D;
  const loss = () =>
    tf.tidy(() => {
      const { c, mu, logvar } = ca.forward(text, eps);
      return tf.add(tf.sum(tf.mul(c, probe)), tf.mul(2, conditioningKl(mu, logvar))) as tf.Scalar;
    });
  const { grads } = tf.variableGrads(loss, [ca.fc.weight, ca.fc.bias!]);
  for (const v of [ca.fc.weight, ca.fc.bias!]) {
    const g = grads[v.name]!.dataSync();
    const values = v.dataSync().slice();
    for (let i = 0; i < values.length; i += 3) {
      const at = (d: number) => {
        const moved = values.slice();
        moved[i]! += d;
        v.assign(tf.tensor(moved, v.shape));
        return tf.tidy(() => loss().dataSync()[0]!);
      };
      const numeric = (at(1e-2) - at(-1e-2)) / 2e-2;
      v.assign(tf.tensor(values, v.shape));
      expect(Math.abs(numeric - g[i]!), `${v.name}[${i}]`).toBeLessThan(
        2e-2 * (1 + Math.abs(numeric)),
      );
    }
  }
  tf.dispose([text, eps, probe, ...Object.values(grads)]);
  ca.dispose();
});

it("CA, KL and the matching-aware D loss reproduce the reference's PyTorch values", async () => {
  const { readFileSync } = await import('node:fs');
  const f = JSON.parse(
    readFileSync(new URL('./fixtures/stackgan.json', import.meta.url), 'utf8'),
  ) as Record<string, any>;
  const ca = new ConditioningAugmentation(f.tDim, f.cDim, rng(0));
  ca.loadStateDict(
    {
      'fc.weight': tf.tensor2d(f.weight, [2 * f.cDim, f.tDim]),
      'fc.bias': tf.tensor1d(f.bias),
    },
    { from: 'torch' },
  );
  const text = tf.tensor2d(f.text, [f.n, f.tDim]);
  const eps = tf.tensor2d(f.eps, [f.n, f.cDim]);
  const { c, mu, logvar } = ca.forward(text, eps);
  const close = (t: tf.Tensor, want: number[]) => {
    const got = t.dataSync();
    want.forEach((w, i) => {
      expect(got[i]).toBeCloseTo(w, 5);
    });
  };
  close(mu, f.mu);
  close(logvar, f.logvar);
  close(c, f.c);
  expect(conditioningKl(mu, logvar).dataSync()[0]).toBeCloseTo(f.kl, 5);
  const l = f.logits;
  const terms: Record<string, number> = {
    D_real: bceWithLogits(tf.tensor1d(l.real), 1).dataSync()[0]!,
    D_wrong: bceWithLogits(tf.tensor1d(l.wrong), 0).dataSync()[0]!,
    D_fake: bceWithLogits(tf.tensor1d(l.fake), 0).dataSync()[0]!,
    D_uncond_real: bceWithLogits(tf.tensor1d(l.uncondReal), 1).dataSync()[0]!,
    D_uncond_fake: bceWithLogits(tf.tensor1d(l.uncondFake), 0).dataSync()[0]!,
  };
  const total = (stage: 1 | 2) =>
    Object.entries(discriminatorWeights(stage)).reduce((s, [k, w]) => s + w * terms[k]!, 0);
  expect(total(1)).toBeCloseTo(f.stage1, 5);
  expect(total(2)).toBeCloseTo(f.stage2, 5);
  tf.dispose([text, eps, c, mu, logvar]);
  ca.dispose();
});

it("stage I's generator reproduces the reference's STAGE1_G (BatchNorm1d over the fc's features)", async () => {
  const { readFileSync } = await import('node:fs');
  const f = JSON.parse(
    readFileSync(new URL('./fixtures/stackgan-stage1.json', import.meta.url), 'utf8'),
  ) as Record<string, any>;
  const g = new StageOneGenerator({
    textDim: f.tDim,
    conditionDim: f.cDim,
    latentDim: f.zDim,
    gf: f.gf,
    size: f.size,
    channels: 3,
    seed: rng(0),
  });
  const dict: Record<string, tf.Tensor> = {};
  for (const [k, w] of Object.entries(f.weights as Record<string, any>))
    dict[k] = tf.tensor(w.values, w.shape);
  g.loadStateDict(dict, { strict: false, from: 'torch' });
  const text = tf.tensor2d(f.text, [f.n, f.tDim]);
  const z = tf.tensor2d(f.noise, [f.n, f.zDim]);
  const eps = tf.tensor2d(f.eps, [f.n, f.cDim]);
  const out = g.forward(text, z, eps);
  expect(out.image.shape).toEqual([f.n, f.size, f.size, 3]);
  const got = out.image.dataSync();
  let worst = 0;
  (f.image as number[]).forEach((w, i) => {
    worst = Math.max(worst, Math.abs(got[i]! - w));
  });
  expect(worst).toBeLessThan(1e-4);
  const close = (t: tf.Tensor, want: number[]) => {
    const v = t.dataSync();
    want.forEach((w, i) => {
      expect(v[i]).toBeCloseTo(w, 4);
    });
  };
  close(g.fcNorm.running_mean!, f.fcNormRunningMean);
  close(g.fcNorm.running_var!, f.fcNormRunningVar);
  tf.dispose([text, z, eps, out.image, out.mu, out.logvar, out.c, ...Object.values(dict)]);
  g.dispose();
});
