import { ArgumentError, tf } from '@atelier/core';
import { warp } from '@atelier/losses';
import type { MovingScene } from './moving-scene.js';

/**
 * Mean squared difference (in [0, 1] units, over channels and the pixels where
 * `visible` is 1) between image `a` [H, W, 3] in [0, 255] and image `b` warped into it
 * by the flow a → b [H, W, 2].
 */
export async function warpedError(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  flow: tf.Tensor3D,
  visible: Float32Array,
): Promise<number> {
  const [H, W] = a.shape;
  if (visible.length !== H * W) {
    throw new ArgumentError(
      `warpedError: visible must have ${H * W} values, got ${visible.length}`,
    );
  }
  const sums = tf.tidy(() => {
    const wb = warp(tf.expandDims(b, 0), tf.expandDims(flow, 0), { padding: 'border' });
    const d = tf.squaredDifference(tf.div(tf.expandDims(a, 0), 255), tf.div(wb, 255));
    const m = tf.tensor4d(visible, [1, H, W, 1]);
    return tf.stack([tf.sum(tf.mul(d, m)), tf.mul(tf.sum(m), 3)]);
  });
  const [num, den] = await sums.data();
  sums.dispose();
  return den! > 0 ? num! / den! : Number.NaN;
}

/**
 * Average over frames t of warpedError(images[t], images[t − gap]) with the scene's
 * exact flow t → t − gap and its visibility: gap 1 is Ruder et al.'s temporal error
 * between consecutive frames in non-occluded regions; a larger gap the long-range one.
 * `reappearing` restricts it to the pixels hidden by the disc in between (see
 * MovingScene.reappearing); frames without such pixels are left out of the average.
 */
export async function sceneError(
  images: readonly tf.Tensor3D[],
  scene: MovingScene,
  gap: number,
  where: 'visible' | 'reappearing' = 'visible',
): Promise<number> {
  let total = 0;
  let count = 0;
  for (let t = gap; t < images.length; t++) {
    const flow = scene.flow(t, t - gap);
    const mask = where === 'visible' ? scene.visible(t, t - gap) : scene.reappearing(t, t - gap);
    const e = await warpedError(images[t]!, images[t - gap]!, flow, mask);
    flow.dispose();
    if (Number.isFinite(e)) {
      total += e;
      count++;
    }
  }
  return count ? total / count : Number.NaN;
}
