/**
 * A BicycleGAN training process for bicyclegan-resume.test.ts to kill with SIGKILL:
 *
 *   node child.mjs <out> <steps> <fresh|resume>
 *
 * A small bicyclegan (dropout in G, both discriminators, the z loss through E's copy)
 * on synthetic facades; prints `step N` after every step and `checkpoint N` after
 * every checkpoint.
 */
import { init } from '@atelier/core';
import { bicyclegan, harnessData, train } from '../../src/index.js';

const [out, steps, mode] = process.argv.slice(2) as [string, string, string];
await init({ backend: 'cpu' });
const data = await harnessData('bicyclegan', { size: 64, count: 8, seed: 3 });
const harness = bicyclegan({
  netG: 'unet_64',
  netE: 'resnet_64',
  netD: 'basic_128_multi',
  ngf: 2,
  ndf: 2,
  nef: 2,
  seed: 3,
});
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
  ema: { beta: 0.9 },
  onProgress: (p) => {
    if (p.phase === 'step') process.stdout.write(`step ${p.step}\n`);
    if (p.phase === 'checkpoint') process.stdout.write(`checkpoint ${p.step}\n`);
  },
});
process.stdout.write('done\n');
