import { tf } from '@atelier/core';
import { resizeFlow, warpPrevious } from './flow.js';
import type { FrameSequence } from './frame-sequence.js';
import { closestFirstMasks } from './long-term-masks.js';

/** A stylised frame warped into the current one, and where to trust it. */
export interface WarpedReference {
  /** Index of the reference frame. */
  source: number;
  /** [1, h, w, 3] in [0, 1]. */
  warped: tf.Tensor4D;
  /** [1, h, w, 1] in [0, 1]. */
  mask: tf.Tensor4D;
}

export function disposeReferences(refs: readonly WarpedReference[]): void {
  for (const r of refs) tf.dispose([r.warped, r.mask]);
}

/**
 * Each source's result ([1, h, w, 3], whole numbers in [0, 255]) warped into frame t by
 * the flow t → source, with the forward–backward occlusion mask of that flow pair (ones
 * where the reverse flow is unknown; the result unwarped, mask ones, where no flow is).
 */
export async function warpReferences(
  sequence: FrameSequence,
  results: ReadonlyMap<number, tf.Tensor4D> | readonly (tf.Tensor4D | undefined)[],
  t: number,
  sources: readonly number[],
  size: [number, number],
): Promise<WarpedReference[]> {
  const refs: WarpedReference[] = [];
  try {
    for (const s of sources) {
      const result = results instanceof Map ? results.get(s) : (results as tf.Tensor4D[])[s];
      if (!result) continue;
      const backward = await sequence.flow(t, s);
      const forward = backward ? await sequence.flow(s, t) : undefined;
      const b = backward ? resizeFlow(backward, size) : undefined;
      const f = forward ? resizeFlow(forward, size) : undefined;
      const unit = tf.div(result, 255) as tf.Tensor4D;
      const { warped, mask } = warpPrevious(unit, b, f);
      tf.dispose([backward, forward, b, f, unit].filter((x) => x !== undefined));
      refs.push({ source: s, warped, mask });
    }
    return refs;
  } catch (error) {
    disposeReferences(refs);
    throw error;
  }
}

/**
 * The references of the long-term temporal loss: `refs` (nearest first) with their masks
 * reduced closest-first (see closestFirstMasks). New tensors; `refs` stay the caller's.
 */
export function longTermReferences(refs: readonly WarpedReference[]): WarpedReference[] {
  const masks = closestFirstMasks(refs.map((r) => r.mask));
  return refs.map((r, i) => ({ source: r.source, warped: tf.clone(r.warped), mask: masks[i]! }));
}
