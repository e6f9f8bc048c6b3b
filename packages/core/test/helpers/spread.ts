import { tf } from '../../src/index.js';

/**
 * n evenly spaced values in [lo, hi), shuffled by a fixed seed: no two are close, so a
 * finite-difference step never crosses a tie (max, pooling) or a kink (relu) between them.
 */
export function spreadValues(n: number, lo: number, hi: number, seed = 1): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed * 2654435761;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.map((k) => lo + ((k + 0.5) / n) * (hi - lo));
}

/** A tensor of `spreadValues`. */
export function spread(shape: number[], lo: number, hi: number, seed = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(spreadValues(n, lo, hi, seed), shape);
}
