import { ops, tf } from '@atelier/core';

/**
 * The tiny patch discriminator the fixtures use, written from core ops: 1x1 conv (as a
 * matMul) -> instance norm -> leakyRelu(0.2) -> 2x2 average pool -> 1x1 conv, NHWC in,
 * patch logits [N, H/2, W/2, 1] out. tools/parity/losses.py builds the same network from
 * PyTorch's F.conv2d, F.instance_norm, F.leaky_relu and F.avg_pool2d.
 */
export interface DWeights {
  w1: tf.Tensor; // [C, K]
  b1: tf.Tensor; // [K]
  w2: tf.Tensor; // [K, 1]
  b2: tf.Tensor; // [1]
}

export type Activation = (x: tf.Tensor) => tf.Tensor;

export const leaky: Activation = (x) => tf.leakyRelu(x, 0.2);

export function discriminate(x: tf.Tensor, p: DWeights, act: Activation = leaky): tf.Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const k = p.w1.shape[1]!;
  const conv1 = tf.add(tf.matMul(tf.reshape(x, [n * h * w, c]), p.w1), p.b1);
  const normed = ops.instanceNorm(tf.reshape(conv1, [n, h, w, k]));
  const pooled = tf.avgPool(act(normed) as tf.Tensor4D, 2, 2, 'valid');
  const [, ph, pw] = pooled.shape;
  const conv2 = tf.add(tf.matMul(tf.reshape(pooled, [n * ph * pw, k]), p.w2), p.b2);
  return tf.reshape(conv2, [n, ph, pw, 1]);
}

/**
 * A copy of y that the tape cannot trace back to anything: the saved output as tfjs
 * 4.22's own Tanh, Sigmoid, Elu... gradients effectively see it (tfjs issue 3252: the
 * output's tape node is recorded before its producer's, so the link is lost).
 */
function detached(y: tf.Tensor): tf.Tensor {
  // A new tensor on y's data, made by the engine without a tape node (no read back);
  // the backend counts the extra reference, as its own reshape does.
  const engine = tf.engine();
  engine.backend.incRef(y.dataId);
  return engine.makeTensorFromDataId(y.dataId, y.shape, y.dtype);
}

/**
 * leakyRelu whose gradient reuses its (detached) output: dy · y / x. Right at first
 * order, but differentiating it again finds -dy · y / x² where the truth is 0.
 */
export const leakyReusingOutput: Activation = tf.customGrad(
  (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const y = tf.leakyRelu(x, 0.2);
    // Saved tensors outlive the forward pass (an input from the closure would not).
    (args[1] as tf.GradSaveFunc)([x, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xs, ys]: tf.Tensor[]) => tf.mul(dy, tf.div(detached(ys!), xs!)),
    };
  },
) as Activation;

/** tanh with the textbook gradient dy · (1 - y²) from its detached output: its second
 * derivative comes out 0 instead of -2y(1 - y²). */
export const tanhReusingOutput: Activation = tf.customGrad(
  (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const y = tf.tanh(args[0] as tf.Tensor);
    (args[1] as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.mul(dy, tf.sub(1, tf.square(detached(saved!)))),
    };
  },
) as Activation;
