import { tf } from '@atelier/core';

/** Waits for the work behind `outputs` (reading one element makes WebGPU finish its queue). */
async function settle(outputs: tf.Tensor[]): Promise<void> {
  for (const t of outputs) {
    const probe = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), [0], [1]));
    await probe.data();
    probe.dispose();
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Times `run` as @atelier/bench does: warm-up runs, then timed runs (until their count
 * or the time budget is reached), each until its outputs are settled; the median in ms.
 */
export async function timeRuns(
  run: () => tf.Tensor[],
  options: { warmup: number; runs: number; budgetMs: number },
): Promise<{ ms: number; runs: number }> {
  for (let i = 0; i < options.warmup; i++) {
    const out = run();
    await settle(out);
    tf.dispose(out);
  }
  const times: number[] = [];
  const begin = performance.now();
  while (
    times.length < options.runs &&
    (times.length === 0 || performance.now() - begin < options.budgetMs)
  ) {
    const start = performance.now();
    const out = run();
    await settle(out);
    times.push(performance.now() - start);
    tf.dispose(out);
  }
  return { ms: median(times), runs: times.length };
}
