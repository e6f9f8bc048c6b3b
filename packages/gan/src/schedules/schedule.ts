/**
 * A learning-rate schedule: a multiplier of each optimizer's base rate that changes at
 * the end of every epoch, as junyanz's `get_scheduler` (PyTorch's LambdaLR, StepLR,
 * ReduceLROnPlateau, CosineAnnealingLR stepped once an epoch).
 */
export interface LrSchedule {
  readonly kind: ScheduleKind;
  /** The multiplier for the epoch about to run (1 before the first `endEpoch`). */
  factor(): number;
  /** Called when an epoch ends; `metric` is what plateau watches (lower is better). */
  endEpoch(metric?: number): void;
  /** Everything needed to resume exactly (JSON). */
  state(): ScheduleState;
  setState(state: ScheduleState): void;
}

export const SCHEDULE_KINDS = ['constant', 'linear', 'step', 'plateau', 'cosine'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export interface ScheduleState {
  kind: ScheduleKind;
  /** Epochs ended so far. */
  epochs: number;
  /** Kind-specific values (plateau's best metric and patience count). */
  [key: string]: unknown;
}
