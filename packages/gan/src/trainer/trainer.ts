import type { Harness } from './harness.js';
import { type TrainOptions, type TrainResult, validateTrainOptions } from './train-options.js';
import { TrainRun } from './train-run.js';

export type { TrainOptions, TrainResult } from './train-options.js';
export { setLearningRate } from './train-run.js';

/**
 * Trains a harness: seeded batches, learning-rate schedule, EMA, metrics, samples,
 * checkpoints (every `checkpointEvery` steps, at the end, and on an interrupt), the
 * report, progress, and resuming, bit for bit, from the run folder's checkpoint.
 *
 * The steps: validate the options, set the run up (data order, schedule, random
 * stream, EMA shadows), open its folder (a fresh run or a resume), loop over the
 * training steps, finish (samples, checkpoint, weights, report).
 */
export async function train(harness: Harness, options: TrainOptions): Promise<TrainResult> {
  const settings = validateTrainOptions(harness, options);
  const run = new TrainRun(harness, options, settings);
  // The shadows are the trainer's: they go when the run ends, however it ends.
  try {
    run.createShadows();
    let status: TrainResult['status'];
    try {
      await run.open();
      await run.startEngine();
      run.listen();
      status = await run.loop();
    } finally {
      await run.close();
    }
    run.progress(status === 'finished' ? 'done' : 'interrupted');
    return run.result(status);
  } finally {
    run.disposeShadows();
  }
}
