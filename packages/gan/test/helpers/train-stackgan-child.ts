/**
 * A StackGAN stage-II training process for stackgan-resume.test.ts to kill with SIGKILL:
 *
 *   node child.mjs <out> <steps> <fresh|resume>
 *
 * A tiny stage II (conditioning augmentation draws, both D heads, BN running
 * statistics) on a frozen stage I built from the same seed, on captioned synthetic
 * shapes; prints `step N` after every step and `checkpoint N` after every checkpoint.
 */
import { init } from '@atelier/core';
import { harnessData, stackgan, train } from '../../src/index.js';

const [out, steps, mode] = process.argv.slice(2) as [string, string, string];
await init({ backend: 'cpu' });
const data = await harnessData('stackgan', { size: 32, count: 8, seed: 3 });
const tiny = {
  size: 32,
  textDim: data.textDim!,
  latentDim: 8,
  conditionDim: 8,
  gf: 4,
  df: 4,
  rNum: 1,
  seed: 3,
};
const one = stackgan(tiny);
const harness = stackgan({ ...tiny, stage: 2 });
harness.loadStageOne(one.modules.G!.stateDict());
one.dispose();
await train(harness, {
  data: data.dataset,
  batch: 4,
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
