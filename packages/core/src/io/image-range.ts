/**
 * Conversions between the value ranges images travel in: bytes [0, 255] (decoded and
 * encoded images), unit [0, 1] (feature networks such as VGG) and signed [-1, 1] (GAN
 * generators and discriminators). The conversions into a range are affine and keep
 * gradients; those back to bytes clamp, so a generator's overshoot cannot wrap around
 * when written. None reads values back from the device, so all work inside tf.tidy and
 * gradients.
 */
import { ArgumentError, describe } from '../errors.js';
import { tf } from '../tfjs.js';

function checkImage(x: unknown, fn: string): tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new ArgumentError(`${fn}: expected a tensor, got ${describe(x)}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new ArgumentError(`${fn}: expected a float32 or int32 tensor, got ${x.dtype}`);
  }
  return x;
}

/** [0, 255] to [0, 1]. */
export function toUnit<T extends tf.Tensor>(bytes: T): T {
  const x = checkImage(bytes, 'toUnit');
  return tf.tidy(() => x.toFloat().div(255)) as T;
}

/** [0, 1] to [0, 255], clamped. */
export function fromUnit<T extends tf.Tensor>(unit: T): T {
  const x = checkImage(unit, 'fromUnit');
  return tf.tidy(() => x.toFloat().mul(255).clipByValue(0, 255)) as T;
}

/** [0, 255] to [-1, 1]. */
export function toSigned<T extends tf.Tensor>(bytes: T): T {
  const x = checkImage(bytes, 'toSigned');
  return tf.tidy(() => x.toFloat().div(127.5).sub(1)) as T;
}

/** [-1, 1] to [0, 255], clamped. */
export function fromSigned<T extends tf.Tensor>(signed: T): T {
  const x = checkImage(signed, 'fromSigned');
  return tf.tidy(() => x.toFloat().add(1).mul(127.5).clipByValue(0, 255)) as T;
}

/** [0, 1] to [-1, 1] (affine, not clamped). */
export function unitToSigned<T extends tf.Tensor>(unit: T): T {
  const x = checkImage(unit, 'unitToSigned');
  return tf.tidy(() => x.toFloat().mul(2).sub(1)) as T;
}

/** [-1, 1] to [0, 1] (affine, not clamped). */
export function signedToUnit<T extends tf.Tensor>(signed: T): T {
  const x = checkImage(signed, 'signedToUnit');
  return tf.tidy(() => x.toFloat().add(1).div(2)) as T;
}
