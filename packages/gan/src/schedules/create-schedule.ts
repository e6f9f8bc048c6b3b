import { ArgumentError, describe } from '@atelier/core';
import { epochsOf } from './check-state.js';
import { type CosineScheduleOptions, cosineSchedule } from './cosine.js';
import { type LinearScheduleOptions, linearSchedule } from './linear.js';
import { type PlateauScheduleOptions, plateauSchedule } from './plateau.js';
import { type LrSchedule, SCHEDULE_KINDS, type ScheduleState } from './schedule.js';
import { type StepScheduleOptions, stepSchedule } from './step.js';

/** A schedule by name with its options: what the trainer and config.json take. */
export type ScheduleSpec =
  | { kind: 'constant' }
  | ({ kind: 'linear' } & LinearScheduleOptions)
  | ({ kind: 'step' } & StepScheduleOptions)
  | ({ kind: 'plateau' } & PlateauScheduleOptions)
  | ({ kind: 'cosine' } & CosineScheduleOptions);

/** The multiplier 1, always. */
export function constantSchedule(): LrSchedule {
  let epochs = 0;
  return {
    kind: 'constant',
    factor: () => 1,
    endEpoch: () => {
      epochs++;
    },
    state: (): ScheduleState => ({ kind: 'constant', epochs }),
    setState: (state) => {
      epochs = epochsOf(state, 'constant');
    },
  };
}

export function createSchedule(spec: ScheduleSpec | undefined): LrSchedule {
  if (spec === undefined) return constantSchedule();
  if (typeof spec !== 'object' || spec === null) {
    throw new ArgumentError(`createSchedule: expected { kind, ... }, got ${describe(spec)}`);
  }
  switch (spec.kind) {
    case 'constant':
      return constantSchedule();
    case 'linear':
      return linearSchedule(spec);
    case 'step':
      return stepSchedule(spec);
    case 'plateau':
      return plateauSchedule(spec);
    case 'cosine':
      return cosineSchedule(spec);
    default:
      throw new ArgumentError(
        `createSchedule: kind must be one of ${SCHEDULE_KINDS.join(', ')}, got ${describe((spec as { kind?: unknown }).kind)}`,
      );
  }
}
