import { ArgumentError, describe, tf } from '@atelier/core';

/**
 * Ruder et al.'s long-term weights ("closestFirst" in artistic-videos): with the masks
 * c_j of the reference frames ordered nearest first, c_j ← max(0, c_j − Σ_{k<j} c_k),
 * the c_k already reduced. A pixel visible in a nearer frame is tied to that one only;
 * farther frames count where the nearer ones are occluded, so each pixel is tied to
 * its most recent visible occurrence. Returns new tensors; the inputs stay the caller's.
 */
export function closestFirstMasks(masks: readonly tf.Tensor4D[]): tf.Tensor4D[] {
  return tf.tidy(() => {
    const out: tf.Tensor4D[] = [];
    let covered: tf.Tensor | undefined;
    for (const c of masks) {
      const reduced = (covered ? tf.relu(tf.sub(c, covered)) : tf.clone(c)) as tf.Tensor4D;
      covered = covered ? tf.add(covered, reduced) : reduced;
      out.push(reduced);
    }
    return out;
  });
}

/**
 * The relative indices J of the reference frames (1 = the previous frame), positive
 * integers, returned sorted nearest first without repeats.
 */
export function relativeIndices(fn: string, value: unknown): number[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((j) => Number.isSafeInteger(j) && j >= 1)
  ) {
    throw new ArgumentError(
      `${fn}: longTerm must be a non-empty list of frame offsets >= 1 (e.g. [1, 10, 20, 40]), got ${describe(value)}`,
    );
  }
  return [...new Set(value as number[])].sort((a, b) => a - b);
}
