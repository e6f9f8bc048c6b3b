import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/**
 * Simo-Serra et al.'s loss weights: M = exp(−H) + 0.5, where H at a pixel is the share
 * of the target's pixels in the 5×5 window around it that fall in the same intensity
 * bin (10 bins on [0, 1]). Pixels like their surroundings (the white page) weigh less,
 * thin lines more, so the network does not settle for blank output. Targets [N, H, W, 1]
 * in [0, 1]; constant (no gradient).
 */
export function simplificationWeights(target: tf.Tensor4D): tf.Tensor4D {
  if (!(target instanceof tf.Tensor) || target.rank !== 4 || target.shape[3] !== 1)
    throw new ShapeError(
      `simplificationWeights: expected targets [N, H, W, 1], got ${describe(target)}`,
    );
  return tf.tidy(() => {
    const bins = tf.clipByValue(tf.floor(tf.mul(target, 10)), 0, 9);
    let share: tf.Tensor = tf.zerosLike(target);
    for (let b = 0; b < 10; b++) {
      const inBin = tf.cast(tf.equal(bins, b), 'float32') as tf.Tensor4D;
      // 'same' average pooling counts only the pixels inside the image.
      share = tf.add(share, tf.mul(inBin, tf.avgPool(inBin, 5, 1, 'same')));
    }
    return tf.add(tf.exp(tf.neg(share)), 0.5) as tf.Tensor4D;
  });
}

/** The weighted squared error mean(M ⊙ (output − target)²) with M from the target. */
export function simplificationLoss(output: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const weights = simplificationWeights(target);
    return tf.mean(tf.mul(weights, tf.squaredDifference(output, target))) as tf.Scalar;
  });
}

/**
 * Line drawings [N, H, W, 1] in [0, 1] made binary: darker than `threshold` is ink (0),
 * the rest paper (1). The reference trains on clean targets binarised at 0.9, so that
 * anti-aliased line edges count as line, not as a grey to regress to.
 */
export function binarizeLines(drawing: tf.Tensor4D, threshold: number): tf.Tensor4D {
  if (!(drawing instanceof tf.Tensor) || drawing.rank !== 4 || drawing.shape[3] !== 1)
    throw new ShapeError(`binarizeLines: expected drawings [N, H, W, 1], got ${describe(drawing)}`);
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1))
    throw new ArgumentError(
      `binarizeLines: threshold must be in (0, 1), got ${describe(threshold)}`,
    );
  return tf.tidy(() => tf.cast(tf.greaterEqual(drawing, threshold), 'float32') as tf.Tensor4D);
}
