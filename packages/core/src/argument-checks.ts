import { ArgumentError, describe } from './errors.js';

/**
 * The argument checks every package shares, with one wording: `where: name must be
 * <what>, got <value>`. Each returns the checked value, typed, or throws an
 * ArgumentError; packages bind them in their own argument order but never reword them.
 */

/** Bounds of a number; absent (or infinite) bounds are not checked. */
export interface NumberRange {
  min?: number;
  /** The value must be greater than this (a rate, a scale, an epsilon). */
  exclusiveMin?: number;
  max?: number;
}

const bounded = (b: number | undefined): b is number =>
  b !== undefined && Number.isFinite(b) && Math.abs(b) < Number.MAX_SAFE_INTEGER;

/**
 * What a number must be, in words: 'an integer >= 1', 'a finite number in [0, 1]'.
 * The CLI words its flags with it too.
 *
 * @example
 * expectedNumber({ min: 1 }, true); // 'an integer >= 1'
 * expectedNumber({ exclusiveMin: 0, max: 1 }); // 'a finite number in (0, 1]'
 */
export function expectedNumber(range: NumberRange = {}, integer = false): string {
  const noun = integer ? 'an integer' : 'a finite number';
  const { min, exclusiveMin, max } = range;
  if (bounded(min) && bounded(max)) return `${noun} in [${min}, ${max}]`;
  if (bounded(exclusiveMin) && bounded(max)) return `${noun} in (${exclusiveMin}, ${max}]`;
  if (bounded(min)) return `${noun} >= ${min}`;
  if (bounded(exclusiveMin)) return `${noun} > ${exclusiveMin}`;
  if (bounded(max)) return `${noun} <= ${max}`;
  return noun;
}

/** Whether `n` lies within `range`. */
export function inRange(n: number, range: NumberRange = {}): boolean {
  const { min, exclusiveMin, max } = range;
  return (
    (min === undefined || n >= min) &&
    (exclusiveMin === undefined || n > exclusiveMin) &&
    (max === undefined || n <= max)
  );
}

/** The error every check throws: `where: name must be expected, got value`. */
export function argumentError(
  where: string,
  name: string,
  expected: string,
  value: unknown,
): ArgumentError {
  const prefix = where ? `${where}: ` : '';
  return new ArgumentError(`${prefix}${name} must be ${expected}, got ${describe(value)}`);
}

/**
 * A safe integer within `range`.
 *
 * @example
 * checkInt('UNet', 'ngf', 64, { min: 1 }); // 64
 * checkInt('UNet', 'ngf', 0, { min: 1 }); // ArgumentError: UNet: ngf must be an integer >= 1, got 0
 */
export function checkInt(
  where: string,
  name: string,
  value: unknown,
  range: NumberRange = {},
): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || !inRange(value, range)) {
    throw argumentError(where, name, expectedNumber(range, true), value);
  }
  return value;
}

/**
 * A finite number within `range`.
 *
 * @example
 * checkNumber('ssim', 'dataRange', 1, { exclusiveMin: 0 }); // 1
 * checkNumber('ssim', 'dataRange', -1, { exclusiveMin: 0 });
 * // ArgumentError: ssim: dataRange must be a finite number > 0, got -1
 */
export function checkNumber(
  where: string,
  name: string,
  value: unknown,
  range: NumberRange = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, range)) {
    throw argumentError(where, name, expectedNumber(range), value);
  }
  return value;
}

/**
 * One of a fixed set of strings.
 *
 * @example
 * checkOneOf('gan', 'mode', 'lsgan', ['vanilla', 'lsgan'] as const); // 'lsgan'
 */
export function checkOneOf<T extends string>(
  where: string,
  name: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw argumentError(where, name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
  return value as T;
}

/** true or false. */
export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw argumentError(where, name, 'a boolean', value);
  return value;
}

/**
 * An options object: `{}` when absent; anything else than a plain object is refused
 * (it catches `l1(a, b, 'sum')`), and so are keys outside `known` when it is given, so
 * a typo fails loudly instead of being ignored.
 *
 * @example
 * checkOptions('UnetGenerator', { ngf: 32 }, { expected: '{ inChannels, ngf, ... }' }); // { ngf: 32 }
 * checkOptions('cgan', { lr: 1 }, { known: ['lrG'] }); // ArgumentError: cgan: unknown option lr (known: lrG)
 */
export function checkOptions<T extends object>(
  where: string,
  value: T | undefined,
  options: { expected?: string; known?: readonly string[] } = {},
): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const expected = options.expected ? `options ${options.expected}` : 'an options object';
    throw new ArgumentError(`${where}: expected ${expected}, got ${describe(value)}`);
  }
  const known = options.known;
  if (known) {
    const unknown = Object.keys(value).filter(
      (k) => !known.includes(k) && (value as Record<string, unknown>)[k] !== undefined,
    );
    if (unknown.length > 0) {
      throw new ArgumentError(
        `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${known.join(', ')})`,
      );
    }
  }
  return value;
}
