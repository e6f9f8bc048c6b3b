import { tf } from '../../tfjs.js';

/**
 * Comparisons and logical ops are piecewise constant: their gradient is zero wherever it
 * exists. tfjs registers none of them but GreaterEqual, so a second-order gradient through
 * any gradient that builds a mask (leakyRelu, prelu, selu, maximum, minimum, relu6,
 * clipByValue, max/min reductions, pow) threw "gradient function not found".
 * The zeros are float32 even for integer inputs: tfjs rejects gradients of other dtypes.
 */
const BINARY = [
  tf.Equal,
  tf.NotEqual,
  tf.Greater,
  tf.GreaterEqual,
  tf.Less,
  tf.LessEqual,
  tf.LogicalAnd,
  tf.LogicalOr,
  tf.LogicalXor,
];

for (const kernelName of BINARY) {
  tf.registerGradient({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, [a, b]) => ({
      a: () => tf.zeros(a!.shape, 'float32'),
      b: () => tf.zeros(b!.shape, 'float32'),
    }),
  });
}

tf.registerGradient({
  kernelName: tf.LogicalNot,
  inputsToSave: ['x'],
  gradFunc: (_dy, [x]) => ({ x: () => tf.zeros(x!.shape, 'float32') }),
});
