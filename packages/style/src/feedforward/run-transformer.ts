import { TransformerNet } from '@atelier/blocks';
import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';

/**
 * Stylises images of any size with a trained TransformerNet (pytorch/examples
 * fast_neural_style's `stylize`): RGB in [0, 255] ([H, W, 3] or [N, H, W, 3]) to the
 * same shape in [0, 255] (clamped, as the reference's save). The network rounds sizes up
 * to multiples of 4; the result is cropped back to the input's size.
 */
export function runTransformer<T extends tf.Tensor3D | tf.Tensor4D>(
  net: TransformerNet,
  image: T,
): T {
  const fn = 'runTransformer';
  if (!(net instanceof TransformerNet)) {
    throw new ArgumentError(`${fn}: expected a TransformerNet, got ${describe(net)}`);
  }
  if (
    !(image instanceof tf.Tensor) ||
    (image.rank !== 3 && image.rank !== 4) ||
    image.shape[image.rank - 1] !== 3
  ) {
    throw new ShapeError(
      `${fn}: image must be RGB [H, W, 3] or [N, H, W, 3] in [0, 255], got ${describe(image)}`,
    );
  }
  return tf.tidy(() => {
    const x = (image.rank === 3 ? tf.expandDims(image, 0) : image) as tf.Tensor4D;
    const [n, h, w] = x.shape;
    let y = net.forward(tf.cast(x, 'float32'));
    if (y.shape[1] !== h || y.shape[2] !== w) y = tf.slice(y, [0, 0, 0, 0], [n, h, w, 3]);
    const out = tf.clipByValue(y, 0, 255);
    return (image.rank === 3 ? tf.squeeze(out, [0]) : out) as T;
  });
}
