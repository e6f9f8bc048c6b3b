import { tf } from '@atelier/core';
import { blendInit } from './blend-init.js';
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

type Results = (tf.Tensor4D | undefined)[];

/**
 * Ruder et al.'s multi-pass algorithm: passes alternate forward (odd) and backward
 * (even) over the whole sequence. In pass 1 every frame is optimised on its own; in a
 * later pass a frame starts from (x + w c ω(x_nbr)) / (1 + w c), its result of the pass
 * before blended with the neighbour in the pass's direction (done earlier in this pass)
 * warped into it, and from pass `temporalFrom` on the temporal loss holds it to the
 * frames t ∓ j of this pass, j in J. The frames' results are all kept between passes.
 */
export async function multiPass(run: VideoRun): Promise<{ frames: number; stopped: boolean }> {
  const n = await run.sequence.length();
  let previous: Results = [];
  try {
    for (let pass = 1; pass <= run.passes; pass++) {
      const current: Results = new Array(n).fill(undefined);
      try {
        const stopped = await onePass(run, pass, n, previous, current);
        tf.dispose(previous.filter((x) => x !== undefined));
        previous = current;
        if (stopped) return { frames: n, stopped: true };
      } catch (error) {
        tf.dispose(current.filter((x) => x !== undefined));
        throw error;
      }
    }
    return { frames: n, stopped: false };
  } finally {
    tf.dispose(previous.filter((x) => x !== undefined));
  }
}

async function onePass(
  run: VideoRun,
  pass: number,
  n: number,
  previous: Results,
  current: Results,
): Promise<boolean> {
  const forward = pass % 2 === 1;
  const reach = run.longTerm[run.longTerm.length - 1]!;
  for (let done = 0; done < n; done++) {
    const t = forward ? done : n - 1 - done;
    const frame = (await run.sequence.frame(t))!;
    const size = frameSize(run, frame, t);
    const r = await passFrame(run, { pass, t, n, frame, size }, previous, current);
    current[t] = r.image;
    const step = { pass, passes: run.passes, index: t, done: done + 1, total: n };
    await finishFrame(
      run,
      { ...step, resumed: r.resumed, ...(r.losses ? { losses: r.losses } : {}) },
      r.image,
      r.stopped,
    );
    // Frames ahead of t in this pass's direction reach back (at most max(J)) to here.
    const next = forward ? t + 1 : t - 1;
    if (run.sequence.reloadable) run.sequence.retain(next - reach, next + reach);
    if (shouldStop(run, r.stopped)) return true;
  }
  return false;
}

interface PassFrame {
  pass: number;
  t: number;
  n: number;
  frame: tf.Tensor3D;
  size: [number, number];
}

async function passFrame(run: VideoRun, f: PassFrame, previous: Results, current: Results) {
  const stored = await storedResult(run, f.pass, f.t, f.size);
  if (stored) return { image: stored, losses: undefined, stopped: false, resumed: true };
  const direction = f.pass % 2 === 1 ? -1 : 1;
  const inside = (s: number) => s >= 0 && s < f.n;
  const temporal = f.pass >= run.temporalFrom && run.temporalWeight > 0;
  const sources = temporal ? run.longTerm.map((j) => f.t + direction * j).filter(inside) : [];
  const nbr = f.t + direction;
  if (f.pass > 1 && inside(nbr) && !sources.includes(nbr)) sources.unshift(nbr);
  const links = await warpReferences(run.sequence, current, f.t, sources, f.size);
  let refs: WarpedReference[] = [];
  let init: tf.Tensor4D | undefined;
  try {
    const inJ = (l: WarpedReference) => run.longTerm.includes(Math.abs(l.source - f.t));
    refs = temporal ? longTermReferences(links.filter(inJ)) : [];
    init =
      f.pass > 1
        ? passInit(
            run,
            previous[f.t]!,
            links.find((l) => l.source === nbr),
          )
        : undefined;
    const task = { pass: f.pass, index: f.t, init, refs, iterations: run.iterations };
    const r = await optimizeFrame(run, f.frame, task);
    return { ...r, resumed: false };
  } finally {
    disposeReferences(links);
    disposeReferences(refs);
    init?.dispose();
  }
}

/** The frame's result of the pass before, blended with the warped neighbour where there is one. */
function passInit(
  run: VideoRun,
  before: tf.Tensor4D,
  neighbour: WarpedReference | undefined,
): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.div(before, 255) as tf.Tensor4D;
    return neighbour ? blendInit(x, neighbour.warped, neighbour.mask, run.blendWeight) : x;
  });
}
