// StackGAN's claims on synthetic captioned shapes (one object, 64 px, held-out
// samples): does each stage draw what its caption says, and does stage II add to
// stage I upsampled? Same data and seeds for every run:
// - caption attributes: a CaptionAttributeReader (one small classifier per attribute,
//   shape kind of 4 and colour of 6) trained on REAL training images, at 16 px for
//   stage I's own images and at 64 px for stage II and for stage I upsampled; the
//   accuracy is against the caption's attributes (chance 0.25 and 0.167; 1/24 for both);
// - KID against real held-out 64 px images, in the 64 px reader's feature space
//   (trained on real images, in place of Inception) and in a fixed random-conv space;
// - diversity: mean pairwise L1 of 4 samples for each of 16 captions.
// Rows: stage I with conditioning augmentation (the paper's), stage I + II on it,
// stage I without augmentation (the ablation), and the real images as the ceiling.
// Writes results/stackgan-stages.{json,md}.
//
//   node scripts/stackgan-stages.mjs [--steps1 600] [--steps2 300] [--batch 16]
//     [--gf 16] [--df 16] [--lr 5e-4] [--reader-epochs 8] [--held 128] [--count 1000]
//     [--no-ablation] [--name stackgan-stages] [--backend wasm] [--out results]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { init, rng, tf } from '@atelier/core';
import {
  CaptionAttributeReader,
  harnessData,
  kernelDistance,
  stackgan,
  train,
} from '../dist/index.js';

const { values } = parseArgs({
  options: {
    ...Object.fromEntries(
      [
        'steps1',
        'steps2',
        'batch',
        'gf',
        'df',
        'lr',
        'backend',
        'out',
        'held',
        'count',
        'reader-epochs',
        'name',
      ].map((k) => [k, { type: 'string' }]),
    ),
    'no-ablation': { type: 'boolean' },
  },
});
const steps1 = Number(values.steps1 ?? 600);
const steps2 = Number(values.steps2 ?? 300);
const batch = Number(values.batch ?? 16);
const gf = Number(values.gf ?? 16);
const df = Number(values.df ?? 16);
const lr = Number(values.lr ?? 5e-4);
const n = Number(values.held ?? 128);
const count = Number(values.count ?? 1000);
const readerEpochs = Number(values['reader-epochs'] ?? 8);
const name = values.name ?? 'stackgan-stages';
const out = values.out ?? new URL('../results/', import.meta.url).pathname;
const info = await init({ backend: values.backend ?? 'wasm' });
const size = 64;
const low = size / 4;
const latentDim = 100;
const conditionDim = 128;
const started = Date.now();
const log = (s) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${s}\n`);

const source = { data: 'synthetic:shapes-single', size, seed: 0 };
const data = await harnessData('stackgan', { ...source, count });
const held = await harnessData('stackgan', { ...source, count: n, split: 'test' });

/** The first k samples of a set, stacked, with int32 attribute labels. */
async function gather(dataset, k) {
  const s = await Promise.all(Array.from({ length: k }, (_, i) => dataset.get(i, 0)));
  return {
    image: tf.stack(s.map((x) => x.image)),
    embedding: tf.stack(s.map((x) => x.embedding)),
    labels: {
      shape: tf.tensor1d(
        s.map((x) => x.label),
        'int32',
      ),
      colour: tf.tensor1d(
        s.map((x) => x.colour),
        'int32',
      ),
    },
  };
}
const trainSet = await gather(data.dataset, count);
const test = await gather(held.dataset, n);
// Real images beside the held-out ones (the last n training images): the real row.
const realOther = tf.slice(trainSet.image, count - n, n);
const shrink = (x) => tf.avgPool(x, 4, 4, 'valid');
const upsample = (x) => tf.image.resizeBilinear(x, [size, size]);

const attributes = { shape: 4, colour: 6 };
const reader = {
  [low]: new CaptionAttributeReader({ side: low, attributes, seed: 3 }),
  [size]: new CaptionAttributeReader({ side: size, attributes, seed: 3 }),
};
const trainLow = shrink(trainSet.image);
await reader[low].fit(trainLow, trainSet.labels, { epochs: readerEpochs, seed: 3 });
await reader[size].fit(trainSet.image, trainSet.labels, { epochs: readerEpochs, seed: 3 });
tf.dispose([trainLow, trainSet.image, trainSet.embedding, ...Object.values(trainSet.labels)]);
log('readers trained');

/** A fixed feature space: two random (seeded) conv layers, ReLU, per-channel mean and std. */
function randomFeatureNet() {
  const r = rng(1234);
  const w1 = tf.keep(tf.mul(r.normal([5, 5, 3, 32]), Math.sqrt(2 / 75)));
  const w2 = tf.keep(tf.mul(r.normal([3, 3, 32, 64]), Math.sqrt(2 / 288)));
  return (images) =>
    tf.tidy(() => {
      const a = tf.relu(tf.conv2d(images, w1, 2, 'same'));
      const b = tf.relu(tf.conv2d(a, w2, 2, 'same'));
      const pool = (x) => {
        const { mean, variance } = tf.moments(x, [1, 2]);
        return [mean, tf.sqrt(tf.add(variance, 1e-8))];
      };
      return tf.concat([...pool(a), ...pool(b)], 1);
    });
}
/**
 * A feature space standardised by the held-out real images' per-feature mean and std
 * (the cubic kernel of KID assumes features of about unit scale, as Inception's).
 */
function standardised(features) {
  const real = features(test.image);
  const { mean, variance } = tf.moments(real, 0);
  const std = tf.sqrt(tf.add(variance, 1e-8));
  const f = (images) => tf.tidy(() => tf.div(tf.sub(features(images), mean), std));
  const realFeatures = f(test.image);
  real.dispose();
  return { f, realFeatures };
}
const readerSpace = standardised((x) => reader[size].features(x));
const randomSpace = standardised(randomFeatureNet());

const kid = async (space, images) => {
  const fake = space.f(images);
  const k = await kernelDistance(space.realFeatures, fake, { subsets: 50, seed: 0 });
  fake.dispose();
  return k.mean;
};

/** Mean pairwise L1 (in [-1, 1]) of 4 samples for each of 16 captions. */
function diversity(generate) {
  const few = tf.slice(test.embedding, 0, 16);
  const draws = [0, 1, 2, 3].map((s) => generate(few, 100 + s));
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < 4; i++)
    for (let j = i + 1; j < 4; j++) {
      sum += tf.tidy(() => tf.mean(tf.abs(tf.sub(draws[i], draws[j]))).dataSync()[0]);
      pairs++;
    }
  tf.dispose([few, ...draws]);
  return sum / pairs;
}

/**
 * One row: images at their own side (read there) and at 64 px (read there, KID);
 * `up` says how the 64 px version was made.
 */
async function row(name, images, extra = {}) {
  const side = images.shape[1];
  const at64 = side === size ? images : upsample(images);
  const own = await reader[side].accuracy(images, test.labels);
  const ownBoth = await reader[side].allCorrect(images, test.labels);
  const big = await reader[size].accuracy(at64, test.labels);
  const bigBoth = await reader[size].allCorrect(at64, test.labels);
  const result = {
    name,
    side,
    shape: own.shape,
    colour: own.colour,
    both: ownBoth,
    shape64: big.shape,
    colour64: big.colour,
    both64: bigBoth,
    kidReader: await kid(readerSpace, at64),
    kidRandom: await kid(randomSpace, at64),
    diversity: null,
    seconds: 0,
    ...extra,
  };
  if (at64 !== images) at64.dispose();
  log(JSON.stringify(result));
  return result;
}

async function fit(options, steps, from) {
  const t0 = Date.now();
  const h = stackgan({ size, latentDim, conditionDim, gf, df, lr, seed: 1, ...options });
  if (from) h.loadStageOne(from);
  await train(h, {
    data: data.dataset,
    batch,
    steps,
    seed: 1,
    onProgress: (p) => {
      if (p.phase === 'step' && p.step % 100 === 0)
        log(`${JSON.stringify(options)} step ${p.step} ${JSON.stringify(p.losses)}`);
    },
  });
  return { h, seconds: (Date.now() - t0) / 1000 };
}

/** The generated images of a harness for the held-out captions (stage I's or stage II's). */
function pick(h, which) {
  return (text, seed) => {
    const o = h.generate(text, seed);
    const keep = which === 'high' ? o.high : o.low;
    tf.dispose(Object.values(o).filter((x) => x !== keep));
    return keep;
  };
}

async function generatedRow(name, h, which, seconds) {
  const images = pick(h, which)(test.embedding, 7);
  const r = await row(name, images, {
    diversity: diversity(pick(h, which)),
    seconds: Math.round(seconds),
  });
  images.dispose();
  return r;
}

const textDim = data.textDim;
const rows = [];
// The real rows read the held-out images (whose labels are test.labels) and measure
// KID of other real images (training images, not the held-out ones) to the held-out.
async function realRow(name, images, other) {
  const r = await row(name, images);
  const at64 = other.shape[1] === size ? other : upsample(other);
  r.kidReader = await kid(readerSpace, at64);
  r.kidRandom = await kid(randomSpace, at64);
  if (at64 !== other) at64.dispose();
  return r;
}
const realLow = shrink(test.image);
const otherLow = shrink(realOther);
rows.push(await realRow('real images', test.image, realOther));
rows.push(await realRow('real images at 16 px (upsampled to 64)', realLow, otherLow));
tf.dispose([realLow, otherLow, realOther]);

const one = await fit({ stage: 1, textDim }, steps1);
rows.push(await generatedRow(`stage I (${steps1} steps, CA)`, one.h, 'low', one.seconds));
const two = await fit({ stage: 2, textDim, rNum: 2 }, steps2, one.h.modules.G.stateDict());
rows.push(
  await generatedRow(`stage I + II (+${steps2} steps)`, two.h, 'high', one.seconds + two.seconds),
);
two.h.dispose();
one.h.dispose();
if (!values['no-ablation']) {
  const noCa = await fit({ stage: 1, textDim, augment: false }, steps1);
  rows.push(await generatedRow(`stage I (${steps1} steps, no CA)`, noCa.h, 'low', noCa.seconds));
  noCa.h.dispose();
}

const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, backend ${info.name}`;
const setup = {
  data: `synthetic:shapes-single, ${count} training images; ${n} held-out images and captions`,
  size,
  stageOneSide: low,
  batch,
  steps1,
  steps2,
  gf,
  df,
  rNum: 2,
  lr,
  latentDim,
  conditionDim,
  klWeight: 2,
  readerEpochs,
  captionEncoder: 'captionEncoder (256 values, seed 0)',
};
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, `${name}.json`),
  `${JSON.stringify({ setup, machine, date: new Date().toISOString(), rows }, null, 2)}\n`,
);
const fmt = (v, d = 2) => (v === null || v === undefined ? '–' : v.toFixed(d));
const md = [
  '# StackGAN on synthetic captioned shapes',
  '',
  `Data: ${setup.data}; stage I at ${low} px, stage II at ${size} px; z ${latentDim}, c ${conditionDim}, KL weight 2; batch ${batch}, gf ${gf}, df ${df}, stage II rNum 2, lr ${lr}, Adam(0.5, 0.999). Caption readers: one SmallClassifier per attribute, trained ${readerEpochs} epochs on the real training images at 16 and at 64 px. KID (×10³) against the real held-out images at 64 px, in the 64 px reader's features and in fixed random-conv features; 16 px images are upsampled bilinearly. Machine: ${machine}.`,
  '',
  '| run | side | shape (chance 0.25) | colour (chance 0.17) | both (chance 0.04) | at 64 px: shape | colour | both | KID reader | KID random | diversity (L1) | seconds |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.side} | ${fmt(r.shape)} | ${fmt(r.colour)} | ${fmt(r.both)} | ${fmt(r.shape64)} | ${fmt(r.colour64)} | ${fmt(r.both64)} | ${fmt(r.kidReader * 1000)} | ${fmt(r.kidRandom * 1000)} | ${fmt(r.diversity, 3)} | ${r.seconds} |`,
  ),
  '',
].join('\n');
writeFileSync(join(out, `${name}.md`), md);
process.stdout.write(md);
for (const r of Object.values(reader)) r.dispose();
