import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  checkBoolean,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  expectedNumber,
} from '../src/index.js';

// The one wording every package's argument errors share: `where: name must be ..., got ...`.
function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ArgumentError);
    return (error as Error).message;
  }
  throw new Error('expected an ArgumentError');
}

describe('expectedNumber', () => {
  it('words each kind of range', () => {
    expect(expectedNumber({ min: 1 }, true)).toBe('an integer >= 1');
    expect(expectedNumber({ min: 0, max: 1 })).toBe('a finite number in [0, 1]');
    expect(expectedNumber({ exclusiveMin: 0, max: 1 })).toBe('a finite number in (0, 1]');
    expect(expectedNumber({ exclusiveMin: 0 })).toBe('a finite number > 0');
    expect(expectedNumber({ max: 2 })).toBe('a finite number <= 2');
    expect(expectedNumber({})).toBe('a finite number');
  });

  it('leaves out bounds that bound nothing', () => {
    expect(expectedNumber({ min: Number.MIN_SAFE_INTEGER }, true)).toBe('an integer');
    expect(expectedNumber({ min: -Infinity, max: Infinity })).toBe('a finite number');
  });
});

describe('checkInt', () => {
  it('returns an integer within the range', () => {
    expect(checkInt('f', 'n', 3, { min: 1, max: 3 })).toBe(3);
    expect(checkInt('f', 'n', 0, { min: 0 })).toBe(0);
  });

  it('refuses fractions, bounds, non-numbers and unsafe integers', () => {
    expect(message(() => checkInt('UNet', 'ngf', 0, { min: 1 }))).toBe(
      'UNet: ngf must be an integer >= 1, got 0',
    );
    expect(message(() => checkInt('f', 'n', 2.5))).toBe('f: n must be an integer, got 2.5');
    expect(message(() => checkInt('f', 'n', 4, { min: 1, max: 3 }))).toBe(
      'f: n must be an integer in [1, 3], got 4',
    );
    expect(message(() => checkInt('f', 'n', '3'))).toBe('f: n must be an integer, got "3"');
    expect(() => checkInt('f', 'n', 2 ** 60)).toThrow(ArgumentError);
  });
});

describe('checkNumber', () => {
  it('returns a finite number within the range', () => {
    expect(checkNumber('f', 'x', 0.5, { min: 0, max: 1 })).toBe(0.5);
  });

  it('refuses NaN, infinities and each bound', () => {
    expect(message(() => checkNumber('f', 'x', Number.NaN))).toBe(
      'f: x must be a finite number, got NaN',
    );
    expect(() => checkNumber('f', 'x', Infinity)).toThrow(/x must be a finite number/);
    expect(message(() => checkNumber('ssim', 'dataRange', 0, { exclusiveMin: 0 }))).toBe(
      'ssim: dataRange must be a finite number > 0, got 0',
    );
    expect(() => checkNumber('f', 'x', -0.1, { min: 0 })).toThrow(/>= 0, got -0.1/);
    expect(() => checkNumber('f', 'x', 1.1, { max: 1 })).toThrow(/<= 1, got 1.1/);
  });
});

describe('checkOneOf, checkBoolean', () => {
  it('returns a listed choice and refuses others', () => {
    expect(checkOneOf('f', 'mode', 'b', ['a', 'b'])).toBe('b');
    expect(message(() => checkOneOf('f', 'mode', 'c', ['a', 'b']))).toBe(
      `f: mode must be one of 'a', 'b', got "c"`,
    );
  });

  it('takes booleans only', () => {
    expect(checkBoolean('f', 'flip', false)).toBe(false);
    expect(message(() => checkBoolean('f', 'flip', 1))).toBe('f: flip must be a boolean, got 1');
  });
});

describe('checkOptions', () => {
  it('gives {} for no options and the object itself otherwise', () => {
    expect(checkOptions('f', undefined)).toEqual({});
    const options = { a: 1 };
    expect(checkOptions('f', options)).toBe(options);
  });

  it('refuses non-objects, naming what it expected', () => {
    expect(message(() => checkOptions('l1', 'sum' as never))).toBe(
      'l1: expected an options object, got "sum"',
    );
    expect(message(() => checkOptions('Net', [] as never, { expected: '{ ngf }' }))).toBe(
      'Net: expected options { ngf }, got []',
    );
  });

  it('refuses unknown keys when the known ones are given', () => {
    expect(message(() => checkOptions('cgan', { lr: 1, lrG: 2 }, { known: ['lrG'] }))).toBe(
      'cgan: unknown option lr (known: lrG)',
    );
    expect(checkOptions('cgan', { lr: undefined }, { known: [] })).toEqual({ lr: undefined });
  });
});
