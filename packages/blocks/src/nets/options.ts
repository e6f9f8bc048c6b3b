import { checkOptions } from '@atelier/core';

/** The options object of a network's constructor (an empty one when absent). */
export function readOptions<T extends object>(
  options: T | undefined,
  where: string,
  expected: string,
): T {
  return checkOptions(where, options, { expected });
}
