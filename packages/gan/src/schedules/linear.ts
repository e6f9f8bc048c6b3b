import { intOption } from '../harnesses/options.js';
import { epochsOf } from './check-state.js';
import type { LrSchedule, ScheduleState } from './schedule.js';

export interface LinearScheduleOptions {
  /** Epochs at the full rate (junyanz's n_epochs, default 100). */
  nEpochs?: number;
  /** Epochs of linear decay after them (n_epochs_decay, default 100). */
  nEpochsDecay?: number;
  /** The epoch count a run starts from (epoch_count, default 1). */
  epochCount?: number;
}

/**
 * junyanz's `lr_policy linear`: the multiplier after e finished epochs is
 * 1 - max(0, e + epochCount - nEpochs) / (nEpochsDecay + 1): constant for nEpochs
 * epochs, then falling by 1/(nEpochsDecay + 1) an epoch towards zero.
 */
export function linearSchedule(options: LinearScheduleOptions = {}): LrSchedule {
  const where = 'linearSchedule';
  const nEpochs = intOption(options.nEpochs, 100, 'nEpochs', where, 0);
  const nEpochsDecay = intOption(options.nEpochsDecay, 100, 'nEpochsDecay', where, 0);
  const epochCount = intOption(options.epochCount, 1, 'epochCount', where, 0);
  let epochs = 0;
  return {
    kind: 'linear',
    factor: () => 1 - Math.max(0, epochs + epochCount - nEpochs) / (nEpochsDecay + 1),
    endEpoch: () => {
      epochs++;
    },
    state: (): ScheduleState => ({ kind: 'linear', epochs }),
    setState: (state) => {
      epochs = epochsOf(state, 'linear');
    },
  };
}
