import { ArgumentError, describe } from '@atelier/core';
import { finiteNumber } from '../checks.js';

/** PyTorch's `momentum`: a number in [0, 1], or null for a cumulative moving average. */
export function momentumOption(value: unknown, where: string): number | null {
  if (value === null) return null;
  if (value === undefined) return 0.1;
  if (typeof value !== 'number') {
    throw new ArgumentError(
      `${where}: momentum must be a number in [0, 1] or null, got ${describe(value)}`,
    );
  }
  return finiteNumber(value, 'momentum', where, { min: 0, max: 1 });
}

/** The small constant added to variances: finite and > 0. */
export function epsOption(value: unknown, fallback: number, where: string): number {
  const eps = finiteNumber(value ?? fallback, 'eps', where, { min: 0 });
  return eps;
}
