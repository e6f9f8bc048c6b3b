import { ArgumentError, describe } from '@atelier/core';

/** The image sizes the DCGAN networks are built for. */
export type DcganSize = 32 | 64;

export function dcganSize(value: unknown, where: string): DcganSize {
  if (value === undefined) return 64;
  if (value !== 32 && value !== 64)
    throw new ArgumentError(`${where}: size must be 32 or 64, got ${describe(value)}`);
  return value;
}
