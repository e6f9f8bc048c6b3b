import { intOption, numberOption } from '../harnesses/options.js';
import { epochsOf } from './check-state.js';
import type { LrSchedule, ScheduleState } from './schedule.js';

export interface CosineScheduleOptions {
  /** The half period in epochs (PyTorch's T_max; junyanz passes n_epochs, default 100). */
  tMax?: number;
  /** The lowest multiplier (eta_min relative to the base rate; default 0). */
  minFactor?: number;
}

/**
 * PyTorch's CosineAnnealingLR in closed form: min + (1 - min)(1 + cos(pi e / tMax)) / 2
 * after e epochs (periodic beyond tMax, as the closed form is).
 */
export function cosineSchedule(options: CosineScheduleOptions = {}): LrSchedule {
  const where = 'cosineSchedule';
  const tMax = intOption(options.tMax, 100, 'tMax', where, 1);
  const minFactor = numberOption(options.minFactor, 0, 'minFactor', where, 0, 1);
  let epochs = 0;
  return {
    kind: 'cosine',
    factor: () => minFactor + ((1 - minFactor) * (1 + Math.cos((Math.PI * epochs) / tMax))) / 2,
    endEpoch: () => {
      epochs++;
    },
    state: (): ScheduleState => ({ kind: 'cosine', epochs }),
    setState: (state) => {
      epochs = epochsOf(state, 'cosine');
    },
  };
}
