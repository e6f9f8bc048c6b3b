import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/**
 * ProGAN's nearest-neighbour upscaling by `factor` (networks.py `upscale2d`): reshape
 * and tile, whose gradients (and their gradients, for the WGAN-GP penalty) are plain.
 * Every step stays at rank 4 (WebGPU kernels index at most vec4 shapes in places).
 */
export function upscale2d(x: tf.Tensor4D, factor = 2): tf.Tensor4D {
  if (factor === 1) return x;
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const wide = tf.reshape(tf.tile(tf.reshape(x, [n * h, w, 1, c]), [1, 1, factor, 1]), [
      n,
      h,
      1,
      w * factor * c,
    ]);
    return tf.reshape(tf.tile(wide, [1, 1, factor, 1]), [n, h * factor, w * factor, c]);
  });
}

/** ProGAN's box downscaling by `factor` (`downscale2d`): the mean of each factor×factor block. */
export function downscale2d(x: tf.Tensor4D, factor = 2): tf.Tensor4D {
  if (factor === 1) return x;
  const [n, h, w, c] = x.shape;
  if (h % factor !== 0 || w % factor !== 0) {
    throw new ShapeError(
      `downscale2d: the size ${h}x${w} must be a multiple of the factor ${factor}`,
    );
  }
  // Columns, then rows, each a mean over one axis of a rank-4 view.
  return tf.tidy(() => {
    const narrow = tf.mean(tf.reshape(x, [n * h, w / factor, factor, c]), 2);
    const rows = tf.reshape(narrow, [n, h / factor, factor, (w / factor) * c]);
    return tf.reshape(tf.mean(rows, 2), [n, h / factor, w / factor, c]);
  }) as tf.Tensor4D;
}

/**
 * The fade-in blend α·fresh + (1 − α)·previous: the new resolution's path enters
 * linearly as α goes from 0 to 1 (α 1: only the new path; the reference's `lerp_clip`
 * with t = 1 − α).
 */
export function fade(previous: tf.Tensor, fresh: tf.Tensor, alpha: number): tf.Tensor {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) {
    throw new ArgumentError(`fade: alpha must be in [0, 1], got ${describe(alpha)}`);
  }
  if (alpha === 1) return fresh;
  return tf.tidy(() => tf.add(previous, tf.mul(tf.sub(fresh, previous), alpha)));
}

/**
 * The feature maps at a resolution, as networks.py's nf(stage) with stage = log2(res) − 1:
 * min(fmapBase / 2^stage, fmapMax) (fmap_decay 1): 512 up to 32 px, then halving.
 */
export function proganFmaps(resolution: number, fmapBase: number, fmapMax: number): number {
  const stage = Math.log2(resolution) - 1;
  return Math.max(1, Math.min(Math.floor(fmapBase / 2 ** stage), fmapMax));
}

/** Levels of detail above 4×4 for a side of 4·2^k: k (4 px: 0, 8 px: 1, ...). */
export function proganLevels(size: number, where: string): number {
  const k = Math.log2(size / 4);
  if (!Number.isInteger(k) || k < 0 || !Number.isSafeInteger(size)) {
    throw new ArgumentError(
      `${where}: size must be 4·2^k (4, 8, 16, 32, 64, 128, ...), got ${describe(size)}`,
    );
  }
  return k;
}

/** Where the networks stand: the highest active level and the fade-in α of its layers. */
export interface ProganLevel {
  /** 0: 4×4; k: 4·2^k. */
  level: number;
  /** In [0, 1]; 1 when the level is stable. */
  alpha: number;
}

export function checkLevel(at: ProganLevel, maxLevel: number, where: string): ProganLevel {
  const ok =
    typeof at === 'object' &&
    at !== null &&
    Number.isInteger(at.level) &&
    at.level >= 0 &&
    at.level <= maxLevel &&
    typeof at.alpha === 'number' &&
    at.alpha >= 0 &&
    at.alpha <= 1;
  if (!ok) {
    throw new ArgumentError(
      `${where}: expected { level: 0..${maxLevel}, alpha: [0, 1] }, got ${describe(at)}`,
    );
  }
  if (at.level === 0 && at.alpha !== 1) {
    throw new ArgumentError(`${where}: level 0 (4x4) has nothing to fade from; alpha must be 1`);
  }
  return at;
}
