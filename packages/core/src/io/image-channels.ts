import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';

export type ImageChannels = 1 | 3 | 4;

/** ITU-R BT.601 luma weights, as Pillow's convert('L') and tf.image.rgbToGrayscale use. */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/** Throws unless `channels` is 1, 3 or 4. */
export function checkChannelCount(
  channels: unknown,
  fn: string,
): asserts channels is ImageChannels {
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new ArgumentError(`${fn}: expected channels 1, 3 or 4, got ${describe(channels)}`);
  }
}

/**
 * Converts images in [0, 255] (last axis = channels, any leading axes) between grey (1),
 * RGB (3) and RGBA (4). Grey to colour repeats the value; colour to grey takes BT.601
 * luma (not rounded); adding alpha fills it with `opaque`; dropping alpha discards it
 * without compositing. The result is float32 (a new tensor even when nothing changes).
 */
export function convertChannels<T extends tf.Tensor>(
  image: T,
  channels: ImageChannels,
  options: { opaque?: number } = {},
): T {
  checkChannelCount(channels, 'convertChannels');
  if (!(image instanceof tf.Tensor)) {
    throw new ArgumentError(`convertChannels: expected a tensor, got ${describe(image)}`);
  }
  if (image.dtype !== 'float32' && image.dtype !== 'int32') {
    throw new ArgumentError(
      `convertChannels: expected a float32 or int32 image, got ${image.dtype}`,
    );
  }
  const from = image.shape[image.rank - 1];
  if (image.rank < 1 || (from !== 1 && from !== 3 && from !== 4)) {
    throw new ShapeError(
      `convertChannels: expected 1, 3 or 4 channels on the last axis, got ${describe(image)}`,
    );
  }
  const opaque = options.opaque ?? 255;
  if (typeof opaque !== 'number' || !Number.isFinite(opaque)) {
    throw new ArgumentError(
      `convertChannels: expected a finite opaque value, got ${describe(opaque)}`,
    );
  }
  return tf.tidy(() => {
    const x = image.toFloat();
    const last = x.rank - 1;
    const begin = new Array<number>(x.rank).fill(0);
    const take = (count: number) => x.slice(begin, [...x.shape.slice(0, -1), count]);
    const alpha = () => tf.fill([...x.shape.slice(0, -1), 1], opaque);
    let out: tf.Tensor;
    if (from === channels) out = x.clone();
    else if (channels === 1)
      out = take(3)
        .mul(tf.tensor1d([...LUMA_WEIGHTS]))
        .sum(last, true);
    else if (from === 1) {
      const rgb = tf.concat([x, x, x], last);
      out = channels === 3 ? rgb : tf.concat([rgb, alpha()], last);
    } else if (channels === 3) out = take(3);
    else out = tf.concat([x, alpha()], last);
    return out as T;
  });
}
