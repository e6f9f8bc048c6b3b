import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

export interface LineScores {
  /** Of the pixels drawn as line, the share that are line in the target. */
  precision: number;
  /** Of the target's line pixels, the share drawn. */
  recall: number;
  /** Harmonic mean of the two. */
  f: number;
  /** Share of the output's pixels that are neither paper nor ink: in (0.1, 0.9). */
  grey: number;
}

/**
 * Line precision, recall and F-measure of sketches [N, H, W, 1] in [0, 1] against their
 * targets, a pixel counting as line when darker than `threshold` (counts pooled over
 * the batch), and the share of grey pixels of the output before thresholding.
 */
export async function lineScores(
  output: tf.Tensor4D,
  target: tf.Tensor4D,
  threshold = 0.5,
): Promise<LineScores> {
  for (const [name, t] of [
    ['output', output],
    ['target', target],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 4 || t.shape[3] !== 1)
      throw new ShapeError(`lineScores: ${name} must be sketches [N, H, W, 1], got ${describe(t)}`);
  }
  if (!tf.util.arraysEqual(output.shape, target.shape))
    throw new ShapeError(
      `lineScores: output [${output.shape}] and target [${target.shape}] differ`,
    );
  if (!(threshold > 0 && threshold < 1))
    throw new ArgumentError(`lineScores: threshold must be in (0, 1), got ${describe(threshold)}`);
  // One read (WebGPU in Node cannot read synchronously).
  const counts = tf.tidy(() => {
    const p = tf.cast(tf.less(output, threshold), 'float32');
    const t = tf.cast(tf.less(target, threshold), 'float32');
    const g = tf.logicalAnd(tf.greater(output, 0.1), tf.less(output, 0.9));
    return tf.stack([tf.sum(p), tf.sum(t), tf.sum(tf.mul(p, t)), tf.mean(tf.cast(g, 'float32'))]);
  });
  const [drawn, truth, hits, grey] = Array.from(await counts.data());
  counts.dispose();
  const precision = drawn! > 0 ? hits! / drawn! : 0;
  const recall = truth! > 0 ? hits! / truth! : 0;
  const f = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f, grey: grey! };
}
