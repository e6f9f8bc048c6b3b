import { killAndResumeTest } from './helpers/killable-child.js';

// A BicycleGAN run killed (SIGKILL) two steps after a checkpoint resumes and ends
// bit-identical to one never interrupted: G with dropout (unet_64 has an 8ngf block),
// E, D, D2, the optimizers, the EMA of G and E, the step's z draws, and the metrics.
killAndResumeTest({
  title: 'bicyclegan resumes after SIGKILL bit-identical to an uninterrupted run',
  entry: 'train-bicyclegan-child.ts',
  steps: 8,
  killAt: 5,
  checkpoint: 3,
  resumesAt: 4,
  modules: ['modules.G.', 'modules.E.', 'modules.D2.', 'modules.E_ema.'],
});
