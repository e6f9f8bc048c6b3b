import { describe, ShapeError, tf } from '@atelier/core';

/**
 * Checks images [N, H, W, C]: the channel count a network was built for, and either an
 * exact side (networks with a dense layer) or sides divisible by `multiple`.
 */
export function checkImages(
  images: unknown,
  where: string,
  expect: { channels: number; size?: number; multiple?: number; name?: string },
): tf.Tensor4D {
  const name = expect.name ?? 'images';
  const t = images as tf.Tensor;
  if (!(t instanceof tf.Tensor) || t.rank !== 4) {
    throw new ShapeError(
      `${where}: expected ${name} [N, H, W, ${expect.channels}], got ${describe(images)}`,
    );
  }
  const [, h, w, c] = t.shape as [number, number, number, number];
  if (c !== expect.channels) {
    throw new ShapeError(
      `${where}: the network was built for ${expect.channels} channel(s); ${name} have ${c}`,
    );
  }
  if (expect.size !== undefined && (h !== expect.size || w !== expect.size)) {
    throw new ShapeError(
      `${where}: ${name} must be ${expect.size}x${expect.size} (the size the network was trained at), got ${h}x${w}`,
    );
  }
  const m = expect.multiple ?? 1;
  if (h % m !== 0 || w % m !== 0) {
    throw new ShapeError(`${where}: ${name} sides must be multiples of ${m}, got ${h}x${w}`);
  }
  return t as tf.Tensor4D;
}

/** [0, 1] -> [-1, 1]. */
export function unitToSigned(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(x, 2), 1);
}

/** [-1, 1] -> [0, 1]. */
export function signedToUnit(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.add(x, 1), 2);
}
