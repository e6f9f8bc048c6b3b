// FrankenGAN's chain on synthetic facades, measured per stage and end to end against
// the baselines a practitioner would try first: each stage's realism and accuracy
// against the mean training target (and, for the details, the crop simply upsampled),
// and the chain's facade photos against a single pix2pix trained on the same budget to
// go from the mask straight to the photo. Writes results/frankengan-stages.{json,md}.
//
//   node scripts/frankengan-stages.mjs [--steps 400] [--size 32] [--batch 4] [--width 8]
//     [--lr 2e-3] [--backend wasm] [--samples 4] [--inputs 16] [--out results]
//   node scripts/frankengan-stages.mjs --render results/frankengan-stages.json
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { init, rng, tf } from '@atelier/core';
import { synthetic } from '@atelier/datasets';
import {
  createHarness,
  FRANKENGAN_STAGES,
  harnessData,
  kernelDistance,
  pix2pix,
  train,
} from '../dist/index.js';

const { values } = parseArgs({
  options: Object.fromEntries(
    [
      'steps',
      'size',
      'batch',
      'width',
      'lr',
      'backend',
      'out',
      'samples',
      'inputs',
      'name',
      'render',
    ].map((k) => [k, { type: 'string' }]),
  ),
});
const steps = Number(values.steps ?? 400);
const size = Number(values.size ?? 32);
const batch = Number(values.batch ?? 4);
const width = Number(values.width ?? 8);
const lr = Number(values.lr ?? 2e-3);
const K = Number(values.samples ?? 4);
const inputs = Number(values.inputs ?? 16);
const out = values.out ?? new URL('../results/', import.meta.url).pathname;
const name = values.name ?? 'frankengan-stages';
const TRAIN = 400;

/** A fixed feature space: two random (seeded) conv layers, ReLU, per-channel mean and std (as bicyclegan-table1). */
function featureNet() {
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

const scalar = (t) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
const l1 = (a, b) => scalar(tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b)))));

function meanPairwise(samples) {
  let [sum, n] = [0, 0];
  for (let i = 0; i < samples.length; i++)
    for (let j = i + 1; j < samples.length; j++) {
      sum += l1(samples[i], samples[j]);
      n++;
    }
  return sum / n;
}

async function kid(features, real, fake) {
  const [x, y] = [features(real), features(fake)];
  const k = await kernelDistance(x, y, { subsets: 50, seed: 0 });
  tf.dispose([x, y]);
  return k.mean;
}

/** The share of pixels whose nearest palette class matches the real label map's. */
function labelAccuracy(generated, real) {
  const read = (t) => tf.tidy(() => tf.div(tf.add(t, 1), 2).dataSync());
  const [g, r] = [read(generated), read(real)];
  const per = size * size * 3;
  let hits = 0;
  for (let i = 0; i < generated.shape[0]; i++) {
    const a = synthetic.facadeClassIds(g.subarray(i * per, (i + 1) * per), size);
    const b = synthetic.facadeClassIds(r.subarray(i * per, (i + 1) * per), size);
    for (let p = 0; p < a.length; p++) if (a[p] === b[p]) hits++;
  }
  return hits / (generated.shape[0] * size * size);
}

/** The label map whose every pixel is that position's most frequent class in the training maps. */
function majorityLabels(maps) {
  const data = tf.tidy(() => tf.div(tf.add(maps, 1), 2).dataSync());
  const per = size * size * 3;
  const counts = new Int32Array(size * size * synthetic.FACADE_CLASSES.length);
  for (let i = 0; i < maps.shape[0]; i++) {
    const ids = synthetic.facadeClassIds(data.subarray(i * per, (i + 1) * per), size);
    for (let p = 0; p < ids.length; p++) counts[p * synthetic.FACADE_CLASSES.length + ids[p]]++;
  }
  const rgb = new Float32Array(per);
  const C = synthetic.FACADE_CLASSES.length;
  for (let p = 0; p < size * size; p++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (counts[p * C + c] > counts[p * C + best]) best = c;
    const colour = synthetic.FACADE_PALETTE[synthetic.FACADE_CLASSES[best]];
    for (let k = 0; k < 3; k++) rgb[p * 3 + k] = colour[k] * 2 - 1;
  }
  return tf.tensor4d(rgb, [1, size, size, 3]);
}

async function stack(dataset, n) {
  const samples = await Promise.all(Array.from({ length: n }, (_, i) => dataset.get(i, 0)));
  const out = {};
  for (const k of Object.keys(samples[0])) out[k] = tf.stack(samples.map((s) => s[k]));
  tf.dispose(samples);
  return out;
}

async function trainTimed(harness, dataset, label) {
  const started = Date.now();
  await train(harness, {
    data: dataset,
    batch,
    steps,
    seed: 1,
    onProgress: (p) => {
      if (p.phase === 'step' && p.step % 50 === 0)
        console.error(`${label}: step ${p.step}/${steps}`);
    },
  });
  return (Date.now() - started) / 1000;
}

/** Each stage on its own held-out pairs: accuracy with the target's own code, samples' realism and spread. */
async function stageRows(h, test, seen, features) {
  const z = rng(99);
  const rows = [];
  for (const stage of FRANKENGAN_STAGES) {
    const [G, E] = [h.modules[`${stage}_G`], h.modules[`${stage}_E`]];
    const [A, B] = [test[`${stage}_A`], test[`${stage}_B`]];
    const encoded = tf.tidy(() => G.forward(A, E.forward(B).mu));
    const samples = Array.from({ length: K }, () =>
      tf.tidy(() => G.forward(A, z.normal([inputs, 8]))),
    );
    const mean = tf.tidy(() => tf.broadcastTo(tf.mean(seen[`${stage}_B`], 0, true), B.shape));
    const row = {
      stage,
      l1Encoded: l1(encoded, B),
      l1Sample: samples.reduce((s, x) => s + l1(x, B), 0) / K,
      l1Mean: l1(mean, B),
      l1Input: stage === 'details' ? l1(A, B) : null,
      kidSample: await kid(features, B, samples[0]),
      kidMean: await kid(features, B, mean),
      kidInput: stage === 'details' ? await kid(features, B, A) : null,
      diversity: meanPairwise(samples),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    tf.dispose([encoded, mean, ...samples]);
  }
  return rows;
}

/** Masks through the whole chain (random z per stage) against pix2pix from mask to photo. */
async function endToEnd(h, p2p, test, seen, features) {
  const z = rng(7);
  const mask = test.shape_A;
  const [realLabels, realPhoto] = [test.shape_B, test.labels_B];
  const runs = Array.from({ length: K }, () => {
    const styles = Object.fromEntries(FRANKENGAN_STAGES.map((s) => [s, z.normal([inputs, 8])]));
    const outputs = h.run(mask, undefined, styles);
    tf.dispose(Object.values(styles));
    tf.dispose(outputs[2]);
    return { labels: outputs[0], photo: outputs[1] };
  });
  const single = tf.tidy(() => p2p.modules.G.forward(mask));
  const majority = majorityLabels(seen.shape_B);
  const tiled = tf.tile(majority, [inputs, 1, 1, 1]);
  const result = {
    chainPhotoKid: await kid(features, realPhoto, runs[0].photo),
    pix2pixPhotoKid: await kid(features, realPhoto, single),
    chainPhotoL1: l1(runs[0].photo, realPhoto),
    pix2pixPhotoL1: l1(single, realPhoto),
    chainPhotoDiversity: meanPairwise(runs.map((r) => r.photo)),
    chainLabelAccuracy: runs.reduce((s, r) => s + labelAccuracy(r.labels, realLabels), 0) / K,
    majorityLabelAccuracy: labelAccuracy(tiled, realLabels),
  };
  console.log(JSON.stringify(result));
  tf.dispose([single, majority, tiled, ...runs.flatMap((r) => [r.labels, r.photo])]);
  return result;
}

async function measure() {
  const info = await init({ backend: values.backend ?? 'wasm' });
  const features = featureNet();
  const data = await harnessData('frankengan', { size, count: TRAIN, seed: 0 });
  const held = await harnessData('frankengan', { size, count: inputs, seed: 0, split: 'test' });
  const test = await stack(held.dataset, inputs);
  const seen = await stack(data.dataset, 64);
  const h = createHarness('frankengan', {
    size,
    ngf: width,
    ndf: width,
    nef: width,
    dropout: false,
    lr,
    seed: 1,
  });
  const chainSeconds = await trainTimed(h, data.dataset, 'frankengan');
  // The single-stage baseline: pix2pix from the mask straight to the photo, same budget.
  const p2p = pix2pix({
    netG: `unet_${size}`,
    ngf: width,
    ndf: width,
    dropout: false,
    lr,
    seed: 1,
  });
  const direct = data.dataset.map((s) => {
    const pair = { A: s.shape_A, B: s.labels_B };
    tf.dispose(
      Object.entries(s)
        .filter(([k]) => k !== 'shape_A' && k !== 'labels_B')
        .map(([, v]) => v),
    );
    return pair;
  });
  const pix2pixSeconds = await trainTimed(p2p, direct, 'pix2pix');
  const stages = await stageRows(h, test, seen, features);
  const chain = await endToEnd(h, p2p, test, seen, features);
  tf.dispose([...Object.values(test), ...Object.values(seen)]);
  h.dispose();
  p2p.dispose();
  const machine = `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, backend ${info.name}`;
  return {
    setup: {
      data: `synthetic:facades ${size}x${size} (details: crops of the 4x render), ${TRAIN} train / ${inputs} held-out facades`,
      steps,
      batch,
      lr,
      width,
      K,
      machine,
      chainSeconds,
      pix2pixSeconds,
    },
    stages,
    chain,
  };
}

/** What the tables say against the baselines, in words (computed, so a re-run keeps them true). */
function notes(stages, chain) {
  const d = stages.find((r) => r.stage === 'details');
  const out = [
    `The chain's photos are ${chain.chainPhotoKid < chain.pix2pixPhotoKid ? 'more' : 'less'} realistic (KID ${fmt(chain.chainPhotoKid)} vs ${fmt(chain.pix2pixPhotoKid)}) and diverse where pix2pix gives one photo per mask; pix2pix is ${chain.pix2pixPhotoL1 < chain.chainPhotoL1 ? 'closer' : 'not closer'} in L1 to the held-out photo (${fmt(chain.pix2pixPhotoL1)} vs ${fmt(chain.chainPhotoL1)}), as a regression to the mean photo is.`,
    `The chain's label maps (random z) get ${fmt(100 * chain.chainLabelAccuracy, 1)}% of pixels' classes right against ${fmt(100 * chain.majorityLabelAccuracy, 1)}% for the per-pixel majority map: ${chain.chainLabelAccuracy > chain.majorityLabelAccuracy ? 'above' : 'below'} it. A sampled layout places its windows elsewhere than the held-out facade's, which pixel accuracy counts as wrong; the majority map has no windows to misplace.`,
  ];
  if (d) {
    out.push(
      `Details: with its own code the stage is ${d.l1Encoded < d.l1Input ? 'closer' : 'not closer'} in L1 to the 4x crop than the crop upsampled (${fmt(d.l1Encoded)} vs ${fmt(d.l1Input)}), with a random z ${d.l1Sample < d.l1Input ? 'closer' : 'not closer'} (${fmt(d.l1Sample)}); in KID the upsampled crop (${fmt(d.kidInput)}) is ${d.kidInput < d.kidSample ? 'ahead of' : 'behind'} the samples (${fmt(d.kidSample)}).`,
    );
  }
  return out;
}

const fmt = (v, d = 4) => (typeof v === 'number' ? v.toFixed(d) : '–');
const STAGE_TITLES = {
  shape: 'shape: mask -> label map',
  labels: 'labels: label map -> photo',
  details: 'details: window crop -> 4x crop',
};
function markdown({ setup, stages, chain }) {
  const verdict = (r) => {
    const beats = r.l1Encoded < r.l1Mean && r.kidSample < r.kidMean;
    const input =
      r.l1Input === null
        ? ''
        : r.l1Encoded < r.l1Input
          ? '; beats the upsampled crop in L1'
          : '; not the upsampled crop in L1';
    return `${beats ? 'beats' : 'does not beat'} the mean target (L1 and KID)${input}`;
  };
  return [
    '# FrankenGAN stages on synthetic facades',
    '',
    `Data ${setup.data}. The chain (three BicycleGANs, ngf = ndf = nef = ${setup.width}, nz 8, no dropout, Adam lr ${setup.lr}, lsgan) trained ${setup.steps} steps at batch ${setup.batch} as one run (${fmt(setup.chainSeconds, 0)} s); the baseline pix2pix (unet_${setup.data.match(/(\d+)x/)[1]}, same widths and lr, λ_L1 100) ${setup.steps} steps from mask to photo (${fmt(setup.pix2pixSeconds, 0)} s). ${setup.K} samples per input from random z. Machine: ${setup.machine}.`,
    '',
    'Per stage, on its own held-out pairs (L1 in [-1, 1]; KID over fixed random conv features of the samples against the real targets; diversity = mean pairwise L1 between samples of one input):',
    '',
    '| stage | L1, own code G(A, E(B)) (↓) | L1, random z (↓) | L1, mean target | L1, input upsampled | KID, random z (↓) | KID, mean target | KID, input upsampled | diversity (↑) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...stages.map(
      (r) =>
        `| ${STAGE_TITLES[r.stage]} | ${fmt(r.l1Encoded)} | ${fmt(r.l1Sample)} | ${fmt(r.l1Mean)} | ${fmt(r.l1Input)} | ${fmt(r.kidSample)} | ${fmt(r.kidMean)} | ${fmt(r.kidInput)} | ${fmt(r.diversity)} |`,
    ),
    '',
    ...stages.map((r) => `- ${r.stage}: ${verdict(r)}.`),
    '',
    'End to end, held-out masks through the chain (random z per stage) against pix2pix from the mask straight to the photo:',
    '',
    '| | photo KID (↓) | photo L1 to the real photo | photo diversity (↑) | label-map pixel accuracy (↑) |',
    '|---|---|---|---|---|',
    `| FrankenGAN chain | ${fmt(chain.chainPhotoKid)} | ${fmt(chain.chainPhotoL1)} | ${fmt(chain.chainPhotoDiversity)} | ${fmt(chain.chainLabelAccuracy, 3)} |`,
    `| pix2pix, mask -> photo | ${fmt(chain.pix2pixPhotoKid)} | ${fmt(chain.pix2pixPhotoL1)} | 0 (no z, no dropout) | – |`,
    `| per-pixel majority label map | – | – | – | ${fmt(chain.majorityLabelAccuracy, 3)} |`,
    '',
    ...notes(stages, chain).map((n) => `- ${n}`),
    '',
  ].join('\n');
}

// --render results/x.json re-renders a measured table without training again.
const result = values.render ? JSON.parse(readFileSync(values.render, 'utf8')) : await measure();
mkdirSync(out, { recursive: true });
if (!values.render)
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
const md = markdown(result);
writeFileSync(join(out, `${name}.md`), md);
console.log(md);
