import { ArgumentError, describe } from '@atelier/core';
import type { Pixels } from '../image/pixels.js';
import { type Interpolation, type ResampleWindow, resampleWindow } from '../image/resample.js';

/**
 * junyanz/pytorch-CycleGAN-and-pix2pix's `--preprocess` choices (data/base_dataset.py):
 * - 'resize_and_crop': resize to loadSize x loadSize (286), random crop cropSize (256);
 * - 'crop': random crop cropSize, no resize;
 * - 'scale_width': width to loadSize, height to keep the aspect (at least cropSize);
 * - 'scale_width_and_crop': scale_width, then a random crop;
 * - 'resize': resize to loadSize x loadSize only;
 * - 'none': only round the size to a multiple of 4 (the nets halve it twice).
 * Flip is a random horizontal mirror with probability 0.5 on top of any of them.
 */
export type PreprocessMode =
  | 'resize_and_crop'
  | 'crop'
  | 'scale_width'
  | 'scale_width_and_crop'
  | 'resize'
  | 'none';

export const PREPROCESS_MODES: readonly PreprocessMode[] = [
  'resize_and_crop',
  'crop',
  'scale_width',
  'scale_width_and_crop',
  'resize',
  'none',
];

export interface PreprocessOptions {
  /** Default 'resize_and_crop'. */
  preprocess?: PreprocessMode;
  /** Default 286. */
  loadSize?: number;
  /** Default 256. */
  cropSize?: number;
  /** Random horizontal flips (junyanz's default; `--no_flip` is `flip: false`). Default true. */
  flip?: boolean;
  /** Default 'bicubic', as junyanz. */
  interpolation?: Interpolation;
}

export type ResolvedPreprocess = Required<PreprocessOptions>;

/** The random choices of one sample: crop corner and flip (shared by A and B of a pair). */
export interface TransformParams {
  x: number;
  y: number;
  flip: boolean;
}

function positive(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ArgumentError(`preprocess: ${name} must be a positive integer, got ${describe(v)}`);
  }
  return v;
}

export function resolvePreprocess(options: PreprocessOptions = {}): ResolvedPreprocess {
  const preprocess = options.preprocess ?? 'resize_and_crop';
  if (!PREPROCESS_MODES.includes(preprocess)) {
    throw new ArgumentError(
      `preprocess: expected one of ${PREPROCESS_MODES.join(', ')}, got ${describe(preprocess)}`,
    );
  }
  const interpolation = options.interpolation ?? 'bicubic';
  if (!['bicubic', 'bilinear', 'nearest'].includes(interpolation)) {
    throw new ArgumentError(
      `preprocess: interpolation must be bicubic, bilinear or nearest, got ${describe(interpolation)}`,
    );
  }
  const loadSize = positive(options.loadSize, 'loadSize', 286);
  const cropSize = positive(options.cropSize, 'cropSize', 256);
  if (preprocess.includes('crop') && preprocess !== 'crop' && cropSize > loadSize) {
    throw new ArgumentError(
      `preprocess: cropSize (${cropSize}) must not exceed loadSize (${loadSize}) for ${preprocess}`,
    );
  }
  return { preprocess, loadSize, cropSize, flip: options.flip ?? true, interpolation };
}

/** Python's round(): halves to even, which `__make_power_2` relies on. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The size an image of `width` x `height` is resized to before cropping. */
export function resizedSize(
  width: number,
  height: number,
  o: ResolvedPreprocess,
): { width: number; height: number } {
  switch (o.preprocess) {
    case 'resize_and_crop':
    case 'resize':
      return { width: o.loadSize, height: o.loadSize };
    case 'scale_width':
    case 'scale_width_and_crop':
      if (width === o.loadSize && height >= o.cropSize) return { width, height };
      return {
        width: o.loadSize,
        height: Math.trunc(Math.max((o.loadSize * height) / width, o.cropSize)),
      };
    case 'crop':
      return { width, height };
    case 'none':
      return {
        width: Math.max(4, roundHalfEven(width / 4) * 4),
        height: Math.max(4, roundHalfEven(height / 4) * 4),
      };
  }
}

/** Draws crop corner and flip for an image of this size; `uniform` gives numbers in [0, 1). */
export function drawParams(
  width: number,
  height: number,
  o: ResolvedPreprocess,
  uniform: () => number,
): TransformParams {
  const size = resizedSize(width, height, o);
  const cropping = o.preprocess.includes('crop');
  const rangeX = cropping ? Math.max(0, size.width - o.cropSize) : 0;
  const rangeY = cropping ? Math.max(0, size.height - o.cropSize) : 0;
  // randint(0, n) includes n.
  const x = Math.floor(uniform() * (rangeX + 1));
  const y = Math.floor(uniform() * (rangeY + 1));
  const flip = uniform() > 0.5;
  return { x, y, flip: o.flip && flip };
}

/** The resize-crop-flip window `resampleWindow` computes for these options and params. */
export function preprocessWindow(
  width: number,
  height: number,
  o: ResolvedPreprocess,
  params: TransformParams,
): ResampleWindow {
  const size = resizedSize(width, height, o);
  const cropping = o.preprocess.includes('crop');
  // junyanz's __crop only crops when the image is larger than the crop in some direction.
  const crops = cropping && (size.width > o.cropSize || size.height > o.cropSize);
  return {
    resizeWidth: size.width,
    resizeHeight: size.height,
    x: crops ? params.x : 0,
    y: crops ? params.y : 0,
    width: crops ? o.cropSize : size.width,
    height: crops ? o.cropSize : size.height,
    flip: params.flip,
  };
}

/** Applies the preprocessing to decoded pixels in [0, `full`] (255 for bytes). */
export function preprocess(
  p: Pixels,
  o: ResolvedPreprocess,
  params: TransformParams,
  full = 255,
): Pixels {
  const window = preprocessWindow(p.width, p.height, o, params);
  const identity =
    window.resizeWidth === p.width &&
    window.resizeHeight === p.height &&
    window.x === 0 &&
    window.y === 0 &&
    window.width === p.width &&
    window.height === p.height &&
    !window.flip;
  if (identity) return p;
  // Decoded bytes are resampled as PIL resamples 8-bit images: rounded after each pass.
  return resampleWindow(p, window, {
    interpolation: o.interpolation,
    clampTo: full,
    round: full === 255,
  });
}
