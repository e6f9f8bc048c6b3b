import { ArgumentError, describe } from '@atelier/core';

/** Reads an options object (empty when absent) and refuses unknown keys, so typos fail loudly. */
export function readOptions<T extends object>(
  options: T | undefined,
  where: string,
  known: readonly string[],
): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`${where}: expected an options object, got ${describe(options)}`);
  }
  const unknown = Object.keys(options).filter(
    (k) => !known.includes(k) && (options as Record<string, unknown>)[k] !== undefined,
  );
  if (unknown.length > 0) {
    throw new ArgumentError(
      `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${known.join(', ')})`,
    );
  }
  return options;
}

export function intOption(
  value: unknown,
  fallback: number,
  name: string,
  where: string,
  min = 1,
): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new ArgumentError(
      `${where}: ${name} must be an integer >= ${min}, got ${describe(value)}`,
    );
  }
  return v;
}

export function numberOption(
  value: unknown,
  fallback: number,
  name: string,
  where: string,
  min = 0,
): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ArgumentError(`${where}: ${name} must be a number >= ${min}, got ${describe(value)}`);
  }
  return v;
}

export function choiceOption<T extends string>(
  value: unknown,
  fallback: T,
  choices: readonly T[],
  name: string,
  where: string,
): T {
  const v = value ?? fallback;
  if (!(choices as readonly unknown[]).includes(v)) {
    throw new ArgumentError(
      `${where}: ${name} must be one of ${choices.join(', ')}, got ${describe(value)}`,
    );
  }
  return v as T;
}
