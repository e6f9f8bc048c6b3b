import { tf } from '@atelier/core';
import type { Protocol } from './types.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Waits until the work that produced `outputs` is done. Reading one element of each
 * output makes an asynchronous backend (WebGPU) finish its queue, so GPU time is
 * counted, without timing the transfer of whole tensors; on cpu and wasm it costs
 * next to nothing.
 */
export async function settle(outputs: tf.Tensor | tf.Tensor[]): Promise<void> {
  for (const t of Array.isArray(outputs) ? outputs : [outputs]) {
    if (t.size === 0) continue;
    const probe = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), [0], [1]));
    await probe.data();
    probe.dispose();
  }
}

/** Milliseconds of one run of `step`, until its outputs are settled; outputs are freed. */
export async function timeOnce(
  step: () => tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]>,
): Promise<number> {
  const start = performance.now();
  const outputs = await step();
  await settle(outputs);
  const ms = performance.now() - start;
  tf.dispose(outputs);
  return ms;
}

/** The most timed runs a fast case gets to fill `minTimeMs`. */
export const MAX_RUNS = 200;

export interface Measurement {
  /** Median of the timed runs. */
  ms: number;
  /** All timed runs, in order. */
  samples: number[];
  /** The one warm-up run alone took longer than the budget, so it is the measurement. */
  warmUpOnly?: boolean;
}

/**
 * Warm-up, then timed runs; the median is reported. When the warm-up shows the runs
 * would overrun the budget, fewer runs are taken (at least one); when one warm-up run
 * alone overran it, that run is the measurement (it includes first-run costs, such as
 * shader compilation, which are small beside such times). Fast cases get more runs,
 * until they fill `minTimeMs`.
 */
export async function measure(
  step: () => tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]>,
  protocol: Protocol,
): Promise<Measurement> {
  let estimate = 0;
  for (let i = 0; i < protocol.warmup; i++) {
    estimate = await timeOnce(step);
    if (estimate > protocol.budgetMs)
      return { ms: estimate, samples: [estimate], warmUpOnly: true };
  }
  const affordable = estimate > 0 ? Math.floor(protocol.budgetMs / estimate) : protocol.runs;
  const runs = Math.max(1, Math.min(protocol.runs, affordable));
  const samples: number[] = [];
  let total = 0;
  while (
    samples.length < runs ||
    (total < (protocol.minTimeMs ?? 0) && samples.length < MAX_RUNS)
  ) {
    const ms = await timeOnce(step);
    samples.push(ms);
    total += ms;
  }
  return { ms: median(samples), samples };
}
