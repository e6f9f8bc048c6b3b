import { afterEach, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { setSavedTensorLinks } from '../src/kernels/gradients/saved-tensor-links.js';
import { checkGrad, describeBackends } from '../src/testing/index.js';
import { spread } from './helpers/spread.js';

/**
 * Why second-order gradients matter: a WGAN-GP penalty, mean((||dD/dx|| - 1)^2), trains the
 * critic D through the gradient of D. Its gradient in D's weights, taken by plain
 * tf.grad of tf.grad, is checked against finite differences, with the gradients this
 * package registers and with tfjs's own (which read the saved outputs of tanh and sigmoid).
 */

type Weights = [tf.Tensor, tf.Tensor, tf.Tensor];

/** A small critic: leakyRelu, tanh and sigmoid layers. x [B, 3] -> [B, 1]. */
function critic(x: tf.Tensor, [w1, w2, w3]: Weights): tf.Tensor {
  const h1 = tf.leakyRelu(tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D), 0.2);
  const h2 = tf.tanh(tf.matMul(h1 as tf.Tensor2D, w2 as tf.Tensor2D));
  return tf.sigmoid(tf.matMul(h2 as tf.Tensor2D, w3 as tf.Tensor2D));
}

function penalty(x: tf.Tensor, weights: Weights): tf.Tensor {
  const g = tf.grad((input: tf.Tensor) => tf.sum(critic(input, weights)))(x);
  const norms = tf.sqrt(tf.sum(tf.square(g), 1));
  return tf.mean(tf.square(tf.sub(norms, 1)));
}

/** tfjs 4.22's own gradients of Tanh and Sigmoid, which reuse the op's output. */
const STOCK: tf.GradConfig[] = [
  {
    kernelName: tf.Tanh,
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(y!))) }),
  },
  {
    kernelName: tf.Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(y!, tf.sub(1, y!))) }),
  },
];

const OURS = STOCK.map((c) => tf.getGradient(c.kernelName));

afterEach(() => {
  for (const config of OURS) tf.registerGradient(config);
  setSavedTensorLinks(true);
});

async function checkPenalty() {
  const x = spread([4, 3], -1.5, 1.5);
  const weights: Weights = [
    spread([3, 5], -1.2, 1.2, 2),
    spread([5, 4], -1.2, 1.2, 3),
    spread([4, 1], -1.5, 1.5, 4),
  ];
  const before = tf.memory().numTensors;
  const result = await checkGrad((w1, w2, w3) => penalty(x, [w1!, w2!, w3!]), weights, {
    maxPoints: 12,
  });
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, ...weights]);
  return result;
}

describeBackends('WGAN-GP penalty through leakyRelu, tanh and sigmoid', () => {
  it('has the right gradient in the critic weights', async () => {
    const result = await checkPenalty();
    expect(result.ok, JSON.stringify(result.failures.slice(0, 4))).toBe(true);
  });
});

// What each half of the fix does; the tape is the same on every backend (webgpu is slow).
describeBackends(
  'WGAN-GP penalty: the saved-output link and the recomputing gradients',
  () => {
    it("is wrong with tfjs's own gradients, as shipped", async () => {
      for (const config of STOCK) tf.registerGradient(config);
      setSavedTensorLinks(false);
      const result = await checkPenalty();
      expect(result.ok).toBe(false);
      expect(result.failures.length).toBeGreaterThan(3);
    });

    it("is right with tfjs's own gradients once saved outputs are linked on the tape", async () => {
      for (const config of STOCK) tf.registerGradient(config);
      const result = await checkPenalty();
      expect(result.ok, JSON.stringify(result.failures.slice(0, 4))).toBe(true);
    });

    it('is right with the recomputing gradients alone, without the link', async () => {
      setSavedTensorLinks(false);
      const result = await checkPenalty();
      expect(result.ok, JSON.stringify(result.failures.slice(0, 4))).toBe(true);
    });
  },
  { only: ['cpu', 'wasm'] },
);
