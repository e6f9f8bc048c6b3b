import { ArgumentError, describe } from '@atelier/core';

export interface ProgressivePhasesOptions {
  /** Levels above 4×4 (target side 4·2^levels). */
  levels: number;
  /** Images shown while a resolution is stable (the reference's lod_training_kimg·1000). */
  stableImages: number;
  /** Images over which the next resolution fades in (lod_transition_kimg·1000). */
  fadeImages: number;
}

/** Where a progressive run stands after `images` images. */
export interface ProgressivePhase {
  /** The highest active level (0: 4×4). */
  level: number;
  /** Side of the images, 4·2^level. */
  resolution: number;
  /** Fade-in of the level's layers, 1 when stable. */
  alpha: number;
  /** 'stable' or 'fade' (the last level stays stable forever). */
  kind: 'stable' | 'fade';
  /**
   * Changes exactly when the reference resets Adam (train.py: floor or ceil of the lod
   * changed): at the start and at the end of each fade.
   */
  key: string;
}

/**
 * The progressive schedule of Karras et al. (train.py TrainingSchedule, from 4×4): each
 * resolution is shown for `stableImages`, then the next fades in linearly over
 * `fadeImages` (α from 0 to 1 by images shown), until the target stays. Progress
 * p = phase + clamp((images in phase − stable) / fade, 0, 1), capped at `levels`;
 * level ceil(p), α p − floor(p) (1 at whole p).
 */
export function progressivePhase(
  images: number,
  options: ProgressivePhasesOptions,
): ProgressivePhase {
  if (!Number.isSafeInteger(images) || images < 0) {
    throw new ArgumentError(
      `progressivePhase: images must be an integer >= 0, got ${describe(images)}`,
    );
  }
  const { levels, stableImages, fadeImages } = options;
  const phaseLength = stableImages + fadeImages;
  let progress = levels;
  if (phaseLength > 0) {
    const phase = Math.floor(images / phaseLength);
    const inPhase = images - phase * phaseLength;
    const fading =
      fadeImages > 0 ? Math.min(Math.max(inPhase - stableImages, 0) / fadeImages, 1) : 0;
    progress = Math.min(phase + fading, levels);
  }
  const level = Math.ceil(progress);
  const fractional = progress - Math.floor(progress);
  const alpha = fractional === 0 ? 1 : fractional;
  return {
    level,
    resolution: 4 * 2 ** level,
    alpha,
    kind: alpha < 1 ? 'fade' : 'stable',
    key: `${Math.floor(progress)}-${level}`,
  };
}

/** Images until the schedule reaches the target and its last fade ends. */
export function imagesToTarget(options: ProgressivePhasesOptions): number {
  return options.levels * (options.stableImages + options.fadeImages);
}
