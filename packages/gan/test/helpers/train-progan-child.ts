/**
 * A progressive GAN run for progan-resume.test.ts to kill with SIGKILL mid-fade:
 *
 *   node child.mjs <out> <backend> <steps> <fresh|resume>
 *
 * 16 px in phases of 8 stable + 8 fading images at batch 4 (the checkpoint at step 7
 * falls in the 16 px fade, α 0.5). Prints `step N alpha A images I` after every step
 * and `checkpoint N` after every checkpoint.
 */
import { init } from '@atelier/core';
import { harnessData, progan, train } from '../../src/index.js';

const [out, backend, steps, mode] = process.argv.slice(2) as [
  string,
  'cpu' | 'wasm',
  string,
  string,
];
await init({ backend });
const data = await harnessData('progan', { size: 16, count: 12, seed: 3 });
const harness = progan({
  size: 16,
  latentDim: 8,
  fmapBase: 32,
  fmapMax: 8,
  stableImages: 8,
  fadeImages: 8,
  seed: 3,
});
await train(harness, {
  data: data.dataset,
  batch: 4,
  steps: Number(steps),
  seed: 3,
  out,
  resume: mode === 'resume',
  checkpointEvery: 7,
  logEvery: 1,
  sampleEvery: 3,
  ema: { beta: 0.9 },
  onProgress: (p) => {
    if (p.phase === 'step') {
      // The phase the step just trained at is in its logged terms.
      process.stdout.write(`step ${p.step} alpha ${p.losses.alpha} res ${p.losses.resolution}\n`);
    }
    if (p.phase === 'checkpoint') {
      const at = harness.phase();
      process.stdout.write(`checkpoint ${p.step} images ${at.images} alpha ${at.alpha}\n`);
    }
  },
});
process.stdout.write('done\n');
