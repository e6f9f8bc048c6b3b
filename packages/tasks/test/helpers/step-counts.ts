import { tf } from '@atelier/core';
import { type Harness, train } from '@atelier/gan';
import type { TaskDescriptor } from '../../src/index.js';

/**
 * Trains `steps` steps of a task's harness on its own data and returns the tensor count
 * after each step: from the second step on it must not change (the optimizer makes its
 * state at the first).
 */
export async function stepCounts(
  task: TaskDescriptor,
  options: Record<string, unknown>,
  data: { size: number; count: number; data?: string },
  steps = 4,
  batch = 2,
): Promise<{ counts: number[]; losses: Record<string, number> }> {
  const { dataset, fills } = await task.data({ ...data, seed: 0 });
  const harness: Harness = task.create({ ...fills, ...options });
  const counts: number[] = [];
  try {
    const result = await train(harness, {
      data: dataset,
      batch,
      steps,
      logEvery: 1,
      onProgress: (p) => {
        if (p.phase === 'step') counts.push(tf.memory().numTensors);
      },
    });
    return { counts, losses: result.losses };
  } finally {
    harness.dispose();
  }
}
