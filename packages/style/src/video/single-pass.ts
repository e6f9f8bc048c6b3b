import type { tf } from '@atelier/core';
import {
  disposeReferences,
  longTermReferences,
  type WarpedReference,
  warpReferences,
} from './temporal-references.js';
import {
  finishFrame,
  frameSize,
  optimizeFrame,
  shouldStop,
  storedResult,
  type VideoRun,
} from './video-run.js';

/**
 * Ruder et al.'s single pass: frame t starts from frame t−1's result warped into it
 * (the first from stylize's own init) and is held by the temporal loss against the
 * results of frames t − j, j in J, warped into it, their masks combined closest-first.
 * Only the last max(J) results and frames are kept.
 */
export async function singlePass(run: VideoRun): Promise<{ frames: number; stopped: boolean }> {
  const results = new Map<number, tf.Tensor4D>();
  const reach = run.longTerm[run.longTerm.length - 1]!;
  let t = 0;
  try {
    for (; ; t++) {
      const frame = await run.sequence.frame(t);
      if (!frame) break;
      const size = frameSize(run, frame, t);
      const { image, losses, stopped, resumed } = await singleFrame(run, frame, t, size, results);
      results.set(t, image);
      const total = run.sequence.size;
      const step = { pass: 1, passes: 1, index: t, done: t + 1, total, resumed };
      await finishFrame(run, losses ? { ...step, losses } : step, image, stopped);
      forget(results, t + 1 - reach);
      run.sequence.retain(t + 1 - reach, t + 1);
      if (shouldStop(run, stopped)) return { frames: t + 1, stopped: true };
    }
    return { frames: t, stopped: false };
  } finally {
    for (const r of results.values()) r.dispose();
  }
}

async function singleFrame(
  run: VideoRun,
  frame: tf.Tensor3D,
  t: number,
  size: [number, number],
  results: Map<number, tf.Tensor4D>,
) {
  const stored = await storedResult(run, 1, t, size);
  if (stored) return { image: stored, losses: undefined, stopped: false, resumed: true };
  const sources = run.longTerm.map((j) => t - j).filter((s) => s >= 0);
  if (t > 0 && !sources.includes(t - 1)) sources.unshift(t - 1);
  const links = await warpReferences(run.sequence, results, t, sources, size);
  let refs: WarpedReference[] = [];
  try {
    const temporal = links.filter((l) => run.longTerm.includes(t - l.source));
    refs = longTermReferences(temporal);
    const init = links.find((l) => l.source === t - 1)?.warped;
    const iterations = t === 0 ? (run.firstIterations ?? run.iterations) : run.iterations;
    const r = await optimizeFrame(run, frame, { pass: 1, index: t, init, refs, iterations });
    return { ...r, resumed: false };
  } finally {
    disposeReferences(links);
    disposeReferences(refs);
  }
}

function forget(results: Map<number, tf.Tensor4D>, below: number): void {
  for (const [i, r] of results) {
    if (i < below) {
      r.dispose();
      results.delete(i);
    }
  }
}
