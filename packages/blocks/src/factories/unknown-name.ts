import { ArgumentError, describe } from '@atelier/core';

/** A factory name that is not one of the known ones; the message lists them all. */
export class UnknownNameError extends ArgumentError {
  override name = 'UnknownNameError';
  constructor(
    readonly factory: string,
    readonly given: unknown,
    readonly valid: readonly string[],
  ) {
    super(
      `${factory}: unknown name ${describe(given)}; expected one of ${valid.map((v) => `'${v}'`).join(', ')}`,
    );
  }
}

/** `name` if it is one of `valid`, else an UnknownNameError. */
export function knownName<T extends string>(
  factory: string,
  name: unknown,
  valid: readonly T[],
): T {
  if (typeof name !== 'string' || !(valid as readonly string[]).includes(name)) {
    throw new UnknownNameError(factory, name, valid);
  }
  return name as T;
}
