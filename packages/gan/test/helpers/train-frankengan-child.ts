/**
 * A FrankenGAN training process for frankengan-resume.test.ts to kill with SIGKILL:
 *
 *   node child.mjs <out> <steps> <fresh|resume>
 *
 * The facade chain (three small BicycleGANs with dropout, each with both
 * discriminators) on synthetic facades; prints `step N` after every step and
 * `checkpoint N` after every checkpoint.
 */
import { init } from '@atelier/core';
import { createHarness, harnessData, train } from '../../src/index.js';

const [out, steps, mode] = process.argv.slice(2) as [string, string, string];
await init({ backend: 'cpu' });
const data = await harnessData('frankengan', { size: 64, count: 6, seed: 3 });
const harness = createHarness('frankengan', { size: 64, ngf: 2, ndf: 2, nef: 2, seed: 3 });
await train(harness, {
  data: data.dataset,
  batch: 2,
  steps: Number(steps),
  seed: 3,
  out,
  resume: mode === 'resume',
  checkpointEvery: 2,
  logEvery: 1,
  sampleEvery: 3,
  onProgress: (p) => {
    if (p.phase === 'step') process.stdout.write(`step ${p.step}\n`);
    if (p.phase === 'checkpoint') process.stdout.write(`checkpoint ${p.step}\n`);
  },
});
process.stdout.write('done\n');
