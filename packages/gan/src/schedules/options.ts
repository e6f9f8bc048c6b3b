import { ArgumentError, describe } from '@atelier/core';

/** An integer option >= min, or the fallback when absent. */
export function intOption(
  value: unknown,
  fallback: number,
  name: string,
  where: string,
  min = 0,
): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new ArgumentError(
      `${where}: ${name} must be an integer >= ${min}, got ${describe(value)}`,
    );
  }
  return v;
}

/** A finite number option in [min, max], or the fallback when absent. */
export function numberOption(
  value: unknown,
  fallback: number,
  name: string,
  where: string,
  min = -Infinity,
  max = Infinity,
): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ArgumentError(
      `${where}: ${name} must be a number in [${min}, ${max}], got ${describe(value)}`,
    );
  }
  return v;
}
