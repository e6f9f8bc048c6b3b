import { checkBoolean, checkInt, checkNumber, checkOneOf, checkOptions } from '@atelier/core';

/*
 * The option readers of gan's harnesses and schedules (and of the packages built on
 * gan): @atelier/core's argument checks, one wording for every package, in the order an
 * option is read here: its value, the default when absent, its name, and who reads it.
 */

/** Reads an options object (an empty one when absent) and refuses unknown keys, so typos fail loudly. */
export function readOptions<T extends object>(
  options: T | undefined,
  where: string,
  known: readonly string[],
): Partial<T> {
  return checkOptions(where, options, { known });
}

/** An integer option >= min (default 1), or the fallback when absent. */
export function intOption(
  value: unknown,
  fallback: number,
  name: string,
  where: string,
  min = 1,
): number {
  return checkInt(where, name, value ?? fallback, { min });
}

/** A finite number option in [min, max] (default >= 0), or the fallback when absent. */
export function numberOption(
  value: unknown,
  fallback: number,
  name: string,
  where: string,
  min = 0,
  max = Infinity,
): number {
  return checkNumber(where, name, value ?? fallback, { min, max });
}

export function boolOption(
  value: unknown,
  fallback: boolean,
  name: string,
  where: string,
): boolean {
  return checkBoolean(where, name, value ?? fallback);
}

export function choiceOption<T extends string>(
  value: unknown,
  fallback: T,
  choices: readonly T[],
  name: string,
  where: string,
): T {
  return checkOneOf(where, name, value ?? fallback, choices);
}
