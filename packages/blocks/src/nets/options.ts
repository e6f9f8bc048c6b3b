import { ArgumentError, describe } from '@atelier/core';

/** The options object of a network's constructor (an empty one when absent). */
export function readOptions<T extends object>(
  options: T | undefined,
  where: string,
  expected: string,
): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`${where}: expected options ${expected}, got ${describe(options)}`);
  }
  return options;
}
