import { intOption, numberOption } from '../harnesses/options.js';
import { epochsOf } from './check-state.js';
import type { LrSchedule, ScheduleState } from './schedule.js';

export interface StepScheduleOptions {
  /** Epochs between decays (junyanz's lr_decay_iters, default 50). */
  stepSize?: number;
  /** Multiplier at each decay (default 0.1). */
  gamma?: number;
}

/** PyTorch's StepLR: gamma^floor(epochs / stepSize). */
export function stepSchedule(options: StepScheduleOptions = {}): LrSchedule {
  const where = 'stepSchedule';
  const stepSize = intOption(options.stepSize, 50, 'stepSize', where, 1);
  const gamma = numberOption(options.gamma, 0.1, 'gamma', where, 0, 1);
  let epochs = 0;
  return {
    kind: 'step',
    factor: () => gamma ** Math.floor(epochs / stepSize),
    endEpoch: () => {
      epochs++;
    },
    state: (): ScheduleState => ({ kind: 'step', epochs }),
    setState: (state) => {
      epochs = epochsOf(state, 'step');
    },
  };
}
