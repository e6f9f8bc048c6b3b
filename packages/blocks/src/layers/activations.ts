import { ArgumentError, describe, Module, tf } from '@atelier/core';
import { finiteNumber, oneOf } from '../checks.js';

function checkTensor(x: unknown, where: string): tf.Tensor {
  if (!(x instanceof tf.Tensor))
    throw new ArgumentError(`${where}: expected a tensor, got ${describe(x)}`);
  return x;
}

// Stateless modules, so they take their index in a Sequential as PyTorch's do.

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(checkTensor(x, 'ReLU'));
  }
}

/** x for x >= 0, alpha * x below; alpha defaults to PyTorch's 0.01. */
export class LeakyReLU extends Module {
  readonly alpha: number;
  constructor(options: { alpha?: number } = {}) {
    super();
    this.alpha = finiteNumber(options.alpha ?? 0.01, 'alpha', 'LeakyReLU');
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.leakyRelu(checkTensor(x, 'LeakyReLU'), this.alpha);
  }
}

/**
 * x for x > 0, alpha * (exp(x) - 1) below (alpha default 1). Written as
 * relu(x) + alpha * (exp(-relu(-x)) - 1): exp never sees a large positive argument,
 * and every piece has gradients of any order.
 */
export class ELU extends Module {
  readonly alpha: number;
  constructor(options: { alpha?: number } = {}) {
    super();
    this.alpha = finiteNumber(options.alpha ?? 1, 'alpha', 'ELU');
  }
  forward(x: tf.Tensor): tf.Tensor {
    const input = checkTensor(x, 'ELU');
    const negative = tf.sub(tf.exp(tf.neg(tf.relu(tf.neg(input)))), 1);
    return tf.add(tf.relu(input), tf.mul(negative, this.alpha));
  }
}

/**
 * x * Phi(x), Phi the standard normal CDF (PyTorch's default, through erf), or its tanh
 * approximation with `approximate: 'tanh'`.
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = oneOf(
      options.approximate ?? 'none',
      ['none', 'tanh'] as const,
      'approximate',
      'GELU',
    );
  }
  forward(x: tf.Tensor): tf.Tensor {
    const input = checkTensor(x, 'GELU');
    if (this.approximate === 'tanh') {
      const inner = tf.mul(
        tf.add(input, tf.mul(tf.mul(input, tf.square(input)), 0.044715)),
        Math.sqrt(2 / Math.PI),
      );
      return tf.mul(tf.mul(input, 0.5), tf.add(tf.tanh(inner), 1));
    }
    return tf.mul(tf.mul(input, 0.5), tf.add(tf.erf(tf.mul(input, Math.SQRT1_2)), 1));
  }
}

export class Tanh extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tanh(checkTensor(x, 'Tanh'));
  }
}

export class Sigmoid extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(checkTensor(x, 'Sigmoid'));
  }
}

/** x * sigmoid(x) (PyTorch's SiLU). */
export class Swish extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    const input = checkTensor(x, 'Swish');
    return tf.mul(input, tf.sigmoid(input));
  }
}

/** Returns its input: the 'none' choice of the factories. */
export class Identity extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return checkTensor(x, 'Identity');
  }
}
