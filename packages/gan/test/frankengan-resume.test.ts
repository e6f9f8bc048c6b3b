import { killAndResumeTest } from './helpers/killable-child.js';

// A FrankenGAN run killed (SIGKILL) one step after a checkpoint resumes as one run and
// ends bit-identical to one never interrupted: every stage's G (with dropout), E, D and
// D2, their optimizers, each stage's z draws, the data order and the metrics.
killAndResumeTest({
  title: 'frankengan resumes after SIGKILL bit-identical to an uninterrupted run',
  entry: 'train-frankengan-child.ts',
  steps: 4,
  killAt: 3,
  checkpoint: 2,
  resumesAt: 3,
  modules: ['shape', 'labels', 'details'].flatMap((s) =>
    ['G', 'E', 'D', 'D2'].map((m) => `modules.${s}_${m}.`),
  ),
});
