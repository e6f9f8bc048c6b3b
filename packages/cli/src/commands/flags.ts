/**
 * Flag parsers every command shares: each takes the flag's text as typed and names the
 * flag in its UsageError, saying what was expected and what came.
 */
import {
  BACKEND_NAMES,
  type BackendChoice,
  expectedNumber,
  inRange,
  type NumberRange,
} from '@atelier/core';
import { UsageError } from '../errors.js';

/** An integer flag >= min (absent: undefined), worded as core's argument checks. */
export function intFlag(flag: string, value: unknown, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const range: NumberRange = { min };
  const n = Number(value);
  if (!Number.isSafeInteger(n) || !inRange(n, range))
    throw flagError(flag, expectedNumber(range, true), value);
  return n;
}

/** A number flag within `range` (absent: undefined). */
export function numberFlag(
  flag: string,
  value: unknown,
  range: NumberRange = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || !inRange(n, range))
    throw flagError(flag, expectedNumber(range), value);
  return n;
}

function flagError(flag: string, expected: string, value: unknown): UsageError {
  return new UsageError(`--${flag}: expected ${expected}, got '${value}'`);
}

export function choiceFlag<T extends string>(
  flag: string,
  value: unknown,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value as string)) {
    throw flagError(flag, choices.join(', '), value);
  }
  return value as T;
}

export function backendFlag(value: unknown): BackendChoice {
  const backend = (value as string | undefined) ?? 'auto';
  if (backend !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw flagError('backend', `auto, ${BACKEND_NAMES.join(', ')}`, backend);
  }
  return backend as BackendChoice;
}

export const ENGINES = ['tfjs', 'onnxruntime'] as const;

/** --engine: what runs the networks; tfjs by default. */
export function engineFlag(value: unknown): (typeof ENGINES)[number] {
  return choiceFlag('engine', value, ENGINES) ?? 'tfjs';
}

/** `--x a --x b,c` as [a, b, c]. */
export function listFlag(value: unknown): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? (value as string[]) : [value as string];
  return items
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `0.7,0.3` as numbers. */
export function numberList(flag: string, value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  return listFlag(value).map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw flagError(flag, 'numbers >= 0', v);
    return n;
  });
}
