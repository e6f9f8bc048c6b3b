import { ArgumentError, describe } from '@atelier/core';
import { intOption, numberOption } from '../harnesses/options.js';
import { epochsOf } from './check-state.js';
import type { LrSchedule, ScheduleState } from './schedule.js';

export interface PlateauScheduleOptions {
  /** Multiplier at each reduction (junyanz: 0.2). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (junyanz: 5). */
  patience?: number;
  /** Relative improvement that counts (junyanz: 0.01): better means < best * (1 - threshold). */
  threshold?: number;
  /** The multiplier never goes below this (default 0). */
  minFactor?: number;
}

/**
 * PyTorch's ReduceLROnPlateau (mode 'min', relative threshold, no cooldown) as junyanz
 * configures it: the multiplier is cut by `factor` once the watched metric has not
 * improved for more than `patience` epochs. `endEpoch(metric)` needs the metric (the
 * trainer passes the epoch's mean generator loss); an epoch without one changes nothing.
 */
export function plateauSchedule(options: PlateauScheduleOptions = {}): LrSchedule {
  const where = 'plateauSchedule';
  const cut = numberOption(options.factor, 0.2, 'factor', where, 0, 1);
  const patience = intOption(options.patience, 5, 'patience', where, 0);
  const threshold = numberOption(options.threshold, 0.01, 'threshold', where, 0, 1);
  const minFactor = numberOption(options.minFactor, 0, 'minFactor', where, 0, 1);
  let epochs = 0;
  let best = Number.POSITIVE_INFINITY;
  let bad = 0;
  let factor = 1;
  return {
    kind: 'plateau',
    factor: () => factor,
    endEpoch: (metric?: number) => {
      epochs++;
      if (metric === undefined) return;
      if (typeof metric !== 'number' || Number.isNaN(metric)) {
        throw new ArgumentError(
          `plateauSchedule: expected a numeric metric, got ${describe(metric)}`,
        );
      }
      if (metric < best * (1 - threshold)) {
        best = metric;
        bad = 0;
      } else {
        bad++;
      }
      if (bad > patience) {
        // PyTorch skips reductions smaller than eps (1e-8) in absolute terms.
        const next = Math.max(factor * cut, minFactor);
        if (factor - next > 1e-8) factor = next;
        bad = 0;
      }
    },
    state: (): ScheduleState => ({
      kind: 'plateau',
      epochs,
      // JSON has no Infinity: null stands for "no metric seen yet".
      best: Number.isFinite(best) ? best : null,
      bad,
      factor,
    }),
    setState: (state) => {
      const n = epochsOf(state, 'plateau');
      const s = state as ScheduleState & { best: unknown; bad: unknown; factor: unknown };
      const b = s.best === null ? Number.POSITIVE_INFINITY : s.best;
      if (typeof b !== 'number' || !Number.isSafeInteger(s.bad) || typeof s.factor !== 'number') {
        throw new ArgumentError('setState: the plateau state lacks best, bad or factor');
      }
      epochs = n;
      best = b;
      bad = s.bad as number;
      factor = s.factor;
    },
  };
}
