import { ShapeError, tf } from '@atelier/core';
import { occlusionMask, warp } from '@atelier/losses';

/**
 * A flow field [H, W, 2] (u, v in pixels) brought to [h, w]: resampled bilinearly and its
 * vectors scaled by the size ratio, since displacements are measured in pixels.
 */
export function resizeFlow(flow: tf.Tensor3D, size: [number, number]): tf.Tensor3D {
  const [H, W] = flow.shape;
  const [h, w] = size;
  return tf.tidy(() => {
    if (H === h && W === w) return tf.clone(flow);
    const resized = tf.image.resizeBilinear(flow, [h, w], false, true);
    return tf.mul(resized, tf.tensor1d([w / W, h / H])) as tf.Tensor3D;
  });
}

export function checkFlow(flow: unknown, frame: tf.Tensor3D, what: string): tf.Tensor3D {
  if (
    !(flow instanceof tf.Tensor) ||
    flow.rank !== 3 ||
    flow.shape[2] !== 2 ||
    flow.shape[0] !== frame.shape[0] ||
    flow.shape[1] !== frame.shape[1]
  ) {
    throw new ShapeError(
      `stylizeVideo: ${what} must be a flow [${frame.shape[0]}, ${frame.shape[1]}, 2] (u, v in pixels at the frame's size), got ${flow instanceof tf.Tensor ? `[${flow.shape.join(', ')}]` : typeof flow}`,
    );
  }
  return flow as tf.Tensor3D;
}

/**
 * The previous stylised frame [1, h, w, 3] warped into the current one by the backward
 * flow (current → previous, at [h, w]), and the per-pixel weights [1, h, w, 1] of
 * Ruder et al.: the forward–backward consistency and motion-boundary mask when the
 * forward flow is known too, ones otherwise. Zero flow (none given) leaves the frame.
 */
export function warpPrevious(
  previous: tf.Tensor4D,
  backward: tf.Tensor3D | undefined,
  forward: tf.Tensor3D | undefined,
): { warped: tf.Tensor4D; mask: tf.Tensor4D } {
  return tf.tidy(() => {
    const [, h, w] = previous.shape;
    if (!backward)
      return { warped: tf.clone(previous), mask: tf.ones([1, h, w, 1]) as tf.Tensor4D };
    const b = tf.expandDims(backward, 0) as tf.Tensor4D;
    const warped = warp(previous, b, { padding: 'border' });
    const mask = forward
      ? occlusionMask(b, tf.expandDims(forward, 0) as tf.Tensor4D)
      : (tf.ones([1, h, w, 1]) as tf.Tensor4D);
    return { warped, mask };
  });
}

/**
 * The flow a → c from a → b [H, W, 2] and b → c (both at the same size): a pixel p of a
 * lands at q = p + ab(p) in b, then at q + bc(q), so ac(p) = ab(p) + bc(q), bc read
 * bilinearly (border clamped). Exact wherever ab lands on b's pixels through visible
 * surfaces; it chains the consecutive flows of a video into long-range ones.
 */
export function composeFlows(ab: tf.Tensor3D, bc: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const a = tf.expandDims(ab, 0) as tf.Tensor4D;
    const carried = warp(tf.expandDims(bc, 0) as tf.Tensor4D, a, { padding: 'border' });
    return tf.squeeze(tf.add(a, carried), [0]) as tf.Tensor3D;
  });
}
