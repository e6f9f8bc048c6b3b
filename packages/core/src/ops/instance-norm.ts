import { ArgumentError, describe, ShapeError } from '../errors.js';
import { INSTANCE_NORM, type InstanceNormAttrs } from '../kernels/instance-norm/name.js';
import { tf } from '../tfjs.js';

export interface InstanceNormOptions {
  /** Per-channel scale, shape [C]; 1 when absent (PyTorch's `affine=False`). */
  gamma?: tf.Tensor;
  /** Per-channel shift, shape [C]; 0 when absent. */
  beta?: tf.Tensor;
  /** Added to the variance before the square root; PyTorch's default 1e-5. */
  epsilon?: number;
}

function checkChannelVector(name: string, value: unknown, channels: number): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new ArgumentError(
      `instanceNorm: ${name} must be a tensor of shape [${channels}], got ${describe(value)}`,
    );
  }
  if (value.rank !== 1 || value.shape[0] !== channels) {
    throw new ShapeError(
      `instanceNorm: ${name} must have shape [${channels}] (one value per channel of x), got ${describe(value)}`,
    );
  }
  if (value.dtype !== 'float32') {
    throw new ArgumentError(`instanceNorm: ${name} must be float32, got ${value.dtype}`);
  }
  return value;
}

/**
 * Instance normalisation of an NHWC tensor, as PyTorch's InstanceNorm2d: every
 * (sample, channel) plane is normalised over H and W with its biased variance,
 * y = (x - mean) / sqrt(var + epsilon) * gamma + beta.
 *
 * Runs as one kernel ('AtelierInstanceNorm'): a custom WGSL program on WebGPU, a
 * single loop over host memory on cpu and wasm; a plain backward pass is one kernel
 * too. Differentiable to any order: when the backward pass is itself differentiated
 * (gradient penalties), it runs as differentiable tf ops recomputed from the input.
 */
export function instanceNorm(x: tf.Tensor, options: InstanceNormOptions = {}): tf.Tensor4D {
  if (!(x instanceof tf.Tensor)) {
    throw new ArgumentError(
      `instanceNorm: x must be a tensor of shape [N, H, W, C], got ${describe(x)}`,
    );
  }
  if (x.rank !== 4) {
    throw new ShapeError(`instanceNorm: x must be NHWC (rank 4), got ${describe(x)}`);
  }
  if (x.dtype !== 'float32') {
    throw new ArgumentError(`instanceNorm: x must be float32, got ${x.dtype}`);
  }
  const [, h, w, channels] = x.shape as [number, number, number, number];
  if (h * w === 0) {
    throw new ShapeError(`instanceNorm: x needs at least one pixel per plane, got ${describe(x)}`);
  }
  const epsilon = options.epsilon ?? 1e-5;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) {
    throw new ArgumentError(
      `instanceNorm: epsilon must be a finite number >= 0, got ${describe(epsilon)}`,
    );
  }
  const gamma =
    options.gamma === undefined ? undefined : checkChannelVector('gamma', options.gamma, channels);
  const beta =
    options.beta === undefined ? undefined : checkChannelVector('beta', options.beta, channels);
  const attrs: InstanceNormAttrs = { epsilon };
  // tidy: the stand-ins for an absent gamma or beta are freed with the call.
  return tf.tidy(() =>
    tf
      .engine()
      .runKernel<tf.Tensor4D>(
        INSTANCE_NORM,
        { x, gamma: gamma ?? tf.ones([channels]), beta: beta ?? tf.zeros([channels]) },
        attrs as unknown as tf.NamedAttrMap,
      ),
  );
}
