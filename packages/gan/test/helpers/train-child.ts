/**
 * A training process for resume.test.ts to kill with SIGKILL at a known moment. The
 * test bundles this file with esbuild and runs it with node:
 *
 *   node child.mjs <out> <backend> <steps> <fresh|resume>
 *
 * It trains a small pix2pix (batch norm, dropout: every kind of state) on synthetic
 * facades and prints `step N` after every step and `checkpoint N` after every
 * checkpoint, so the parent knows where it stands.
 */
import { init } from '@atelier/core';
import { harnessData, pix2pix, train } from '../../src/index.js';

const [out, backend, steps, mode] = process.argv.slice(2) as [
  string,
  'cpu' | 'wasm',
  string,
  string,
];
await init({ backend });
const data = await harnessData('pix2pix', { size: 32, count: 10, seed: 3 });
// ResNet blocks with dropout: unet_32 is too shallow to have any.
const harness = pix2pix({ netG: 'resnet_6blocks', dropout: true, ngf: 4, ndf: 4, seed: 3 });
await train(harness, {
  data: data.dataset,
  batch: 2,
  steps: Number(steps),
  seed: 3,
  out,
  resume: mode === 'resume',
  checkpointEvery: 3,
  logEvery: 1,
  sampleEvery: 4,
  schedule: { kind: 'linear', nEpochs: 1, nEpochsDecay: 2 },
  ema: { beta: 0.9 },
  onProgress: (p) => {
    if (p.phase === 'step') process.stdout.write(`step ${p.step}\n`);
    if (p.phase === 'checkpoint') process.stdout.write(`checkpoint ${p.step}\n`);
  },
});
process.stdout.write('done\n');
