import type { tf } from '../tfjs.js';

/**
 * max |actual - expected| / max(1, max |expected|): absolute for values of unit scale,
 * relative for large ones. NaN anywhere counts as infinitely wrong; different shapes
 * throw. Read asynchronously (WebGPU in Node cannot read synchronously).
 */
export async function relativeError(actual: tf.Tensor, expected: tf.Tensor): Promise<number> {
  if (actual.shape.join() !== expected.shape.join()) {
    throw new Error(
      `relativeError: shapes differ, [${actual.shape.join(', ')}] against [${expected.shape.join(', ')}]`,
    );
  }
  const [a, e] = await Promise.all([actual.data(), expected.data()]);
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    scale = Math.max(scale, Math.abs(e[i]!));
    const d = Math.abs(a[i]! - e[i]!);
    worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(worst, d);
  }
  return worst / scale;
}
