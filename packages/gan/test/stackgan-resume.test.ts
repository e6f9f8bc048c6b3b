import { killAndResumeTest } from './helpers/killable-child.js';

// A StackGAN stage-II run killed (SIGKILL) two steps after a checkpoint resumes and
// ends bit-identical to one never interrupted: stage II's G and D (BN statistics), the
// frozen stage I, both optimizers, G's EMA, the augmentation's and z's draws, and the
// metrics.
killAndResumeTest({
  title: 'stackgan stage II resumes after SIGKILL bit-identical to an uninterrupted run',
  entry: 'train-stackgan-child.ts',
  steps: 8,
  killAt: 5,
  checkpoint: 3,
  resumesAt: 4,
  modules: ['modules.G.', 'modules.D.', 'modules.G1.', 'modules.G_ema.'],
});
