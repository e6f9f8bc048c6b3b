import { ShapeError } from '@atelier/core';
import type { Reduction } from '../reduction.js';
import { finiteNumber } from '../validate.js';
import { dataRangeArg } from './images.js';
import { type SsimConstants, windowSize } from './ssim-maps.js';

export interface SsimOptions {
  /** max - min of the images' format (required): 1 for [0, 1], 2 for [-1, 1], 255. */
  dataRange: number;
  /** σ of the Gaussian window (default 1.5, an 11-tap window). */
  sigma?: number;
  /** Stabilising constants of Wang et al. (defaults 0.01 and 0.03). */
  k1?: number;
  k2?: number;
  /** Over the batch: 'mean' (default) of the per-image values, 'sum', or 'none' [N]. */
  reduction?: Reduction;
}

export function ssimConstants(fn: string, o: SsimOptions): SsimConstants {
  return {
    dataRange: dataRangeArg(fn, o.dataRange),
    sigma: finiteNumber(fn, 'sigma', o.sigma ?? 1.5, { exclusiveMin: 0 }),
    k1: finiteNumber(fn, 'k1', o.k1 ?? 0.01, { exclusiveMin: 0 }),
    k2: finiteNumber(fn, 'k2', o.k2 ?? 0.03, { exclusiveMin: 0 }),
  };
}

export function checkWindowFits(fn: string, shape: number[], sigma: number, what = 'images'): void {
  const side = windowSize(sigma);
  if (shape[1]! < side || shape[2]! < side) {
    throw new ShapeError(
      `${fn}: ${what} must be at least ${side}×${side} (the Gaussian window at σ = ${sigma}), got [${shape.join(', ')}]`,
    );
  }
}
