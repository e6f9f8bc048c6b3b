import { ArgumentError, tf } from '@atelier/core';
import type { FeatureNetwork } from '../features/feature-network.js';
import type { LossValues } from '../gatys/evaluate.js';
import { type StylizeOptions, type StylizeProgress, stylize } from '../gatys/stylize.js';
import { fitSize, resizeImage, resizeMask } from '../image/resize.js';
import type { FrameSequence } from './frame-sequence.js';
import type { VideoFrameStore } from './frame-store.js';
import type { WarpedReference } from './temporal-references.js';

export interface VideoFrameResult {
  index: number;
  /** The stylised frame [h, w, 3], whole numbers in [0, 255]; disposed after onFrame returns unless `keep`. */
  image: tf.Tensor3D;
  /** The loss terms (optimisation, when the frame was computed rather than resumed). */
  losses?: LossValues;
}

/** Progress after each frame of each pass. */
export interface VideoStep {
  /** 1-based pass, and how many there are. */
  pass: number;
  passes: number;
  /** The frame just done, frames done in this pass, and the frame count (unknown for a stream in a single pass). */
  index: number;
  done: number;
  total: number | undefined;
  /** Taken from the store (resume) rather than computed. */
  resumed: boolean;
  losses?: LossValues;
}

export type VideoProgress = StylizeProgress & { frame: number; videoPass: number };

/** Everything a pass needs, resolved from the options. */
export interface VideoRun {
  sequence: FrameSequence;
  network: FeatureNetwork;
  /** stylize's options shared by every frame. */
  shared: Omit<StylizeOptions, 'content'>;
  /** Longer side of the output; default the first frame's, at most 512. */
  side: number | undefined;
  temporalWeight: number;
  longTerm: number[];
  passes: number;
  temporalFrom: number;
  blendWeight: number;
  iterations: number;
  firstIterations: number | undefined;
  store: VideoFrameStore | undefined;
  resume: boolean;
  keep: boolean;
  images: tf.Tensor3D[];
  signal: AbortSignal | undefined;
  onFrame: ((frame: VideoFrameResult) => unknown) | undefined;
  onStep: ((step: VideoStep) => unknown) | undefined;
  onProgress: ((progress: VideoProgress) => unknown) | undefined;
  /** The first frame's [H, W] and the output size, set by frameSize. */
  frameShape?: [number, number];
  size?: [number, number];
}

/** The output size [h, w]; every frame must be the size of the first. */
export function frameSize(run: VideoRun, frame: tf.Tensor3D, index: number): [number, number] {
  const [H, W] = frame.shape;
  if (!run.frameShape || !run.size) {
    run.frameShape = [H, W];
    run.side ??= Math.min(512, Math.max(H, W));
    run.size = fitSize(H, W, run.side);
  } else if (run.frameShape[0] !== H || run.frameShape[1] !== W) {
    throw new ArgumentError(
      `stylizeVideo: frame ${index} is ${H}x${W}, not the size of the frames before it (${run.frameShape[0]}x${run.frameShape[1]})`,
    );
  }
  return run.size;
}

export interface FrameTask {
  pass: number;
  index: number;
  /** The start [1, h, w, 3] in [0, 1]; stylize's own init when absent. */
  init?: tf.Tensor4D | undefined;
  /** The temporal loss's references (nearest first, masks already combined). */
  refs: readonly WarpedReference[];
  iterations: number;
}

/**
 * One frame's optimisation (stylize with the run's options, from `init`, with the
 * temporal terms); the result rounded to whole numbers [1, h, w, 3] in [0, 255].
 */
export async function optimizeFrame(
  run: VideoRun,
  frame: tf.Tensor3D,
  task: FrameTask,
): Promise<{ image: tf.Tensor4D; losses: LossValues; stopped: boolean }> {
  const initImage = task.init
    ? (tf.tidy(() => tf.mul(tf.squeeze(task.init!, [0]), 255)) as tf.Tensor3D)
    : undefined;
  const weight = run.temporalWeight;
  const onProgress = run.onProgress;
  try {
    const result = await stylize(
      {
        ...run.shared,
        content: frame,
        network: run.network,
        size: run.side!,
        iterations: task.iterations,
        ...(initImage ? { init: 'image' as const, initImage } : {}),
        ...(onProgress
          ? {
              onProgress: (p: StylizeProgress) =>
                onProgress({ ...p, frame: task.index, videoPass: task.pass }),
            }
          : {}),
      },
      {
        extend(setup, size) {
          if (weight === 0 || task.refs.length === 0) return;
          setup.temporal = task.refs.map((r) => ({
            weight,
            warped: resizeImage(r.warped, size),
            mask: resizeMask(r.mask, size),
          }));
        },
      },
    );
    const image = tf.tidy(() =>
      tf.round(tf.clipByValue(tf.expandDims(result.image, 0), 0, 255)),
    ) as tf.Tensor4D;
    result.image.dispose();
    return { image, losses: result.losses, stopped: result.stopped };
  } finally {
    initImage?.dispose();
  }
}

/**
 * After a frame of a pass: the store gets it (when computed in full), the last pass's
 * frames go to onFrame and are kept when asked, and onStep reports progress.
 */
export async function finishFrame(
  run: VideoRun,
  step: VideoStep,
  image: tf.Tensor4D,
  stopped: boolean,
): Promise<void> {
  const final = step.pass === run.passes;
  if (!final && !run.store && !run.onStep) return;
  const rgb = tf.squeeze(image, [0]) as tf.Tensor3D;
  try {
    if (run.store && !step.resumed && !stopped) await run.store.write(step.pass, step.index, rgb);
    if (final && run.onFrame) {
      await run.onFrame({
        index: step.index,
        image: rgb,
        ...(step.losses ? { losses: step.losses } : {}),
      });
    }
    if (run.onStep) await run.onStep(step);
  } finally {
    if (final && run.keep) run.images.push(rgb);
    else rgb.dispose();
  }
}

/** A result the store has for (pass, index), as [1, h, w, 3], when resuming. */
export async function storedResult(
  run: VideoRun,
  pass: number,
  index: number,
  size: [number, number],
): Promise<tf.Tensor4D | undefined> {
  if (!run.resume || !run.store) return undefined;
  const image = await run.store.read(pass, index);
  if (!image) return undefined;
  if (image.shape[0] !== size[0] || image.shape[1] !== size[1] || image.shape[2] !== 3) {
    const got = image.shape.join('x');
    image.dispose();
    throw new ArgumentError(
      `stylizeVideo: the stored result of pass ${pass}, frame ${index} is ${got}, not ${size[0]}x${size[1]}x3: resume a run with the same frames and size`,
    );
  }
  const out = tf.expandDims(image, 0) as tf.Tensor4D;
  image.dispose();
  return out;
}

/** Whether to stop after this frame. */
export function shouldStop(run: VideoRun, stopped: boolean): boolean {
  return stopped || run.signal?.aborted === true;
}
