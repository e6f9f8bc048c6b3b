import { ArgumentError, describe } from '@atelier/core';
import type { ScheduleKind, ScheduleState } from './schedule.js';

/** The epoch count of a saved state, after checking it was saved by the same kind. */
export function epochsOf(state: unknown, kind: ScheduleKind): number {
  const s = state as Partial<ScheduleState> | null;
  if (typeof s !== 'object' || s === null || s.kind !== kind) {
    throw new ArgumentError(
      `setState: expected the state of a '${kind}' schedule, got ${describe(s?.kind ?? s)}`,
    );
  }
  if (!Number.isSafeInteger(s.epochs) || (s.epochs as number) < 0) {
    throw new ArgumentError(
      `setState: epochs must be a non-negative integer, got ${describe(s.epochs)}`,
    );
  }
  return s.epochs as number;
}
