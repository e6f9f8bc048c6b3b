import { ArgumentError, type Module, type tf } from '@atelier/core';
import type { Harness, JsonObject } from '@atelier/gan';
import { loadTask, trainTask } from './run-task.js';
import type { TaskDescriptor, TaskModel, TaskTrainOptions, TaskTrainResult } from './task.js';

/**
 * `fromWeights` of a task that exports one network under `key`: the saved options are
 * resolved again, the network built from them takes the weights (PyTorch layout) and
 * becomes the task's model. A network the weights do not fit is disposed before the
 * error goes on.
 */
export function oneNetFromWeights<O, R, N extends Module, M extends TaskModel>(
  key: string,
  resolve: (options: O) => R,
  createNet: (resolved: R) => N,
  Model: new (net: N, resolved: R) => M,
): (weights: Record<string, Record<string, tf.Tensor>>, config: JsonObject) => M {
  return (weights, config) => {
    const dict = weights[key];
    if (!dict) {
      throw new ArgumentError(
        `fromWeights: expected the weights of '${key}', got ${Object.keys(weights).join(', ') || 'none'}`,
      );
    }
    const o = resolve(config as O);
    const net = createNet(o);
    try {
      net.loadStateDict(dict, { from: 'torch' });
    } catch (error) {
      net.dispose();
      throw error;
    }
    return new Model(net, o);
  };
}

/** A task's `train(options)` and `load(run)`, the two entry points every task exports. */
export interface TaskFunctions<O extends object, M extends TaskModel> {
  /** Trains the task on the gan trainer (see `trainTask`). */
  train(options?: TaskTrainOptions<O>): Promise<TaskTrainResult<M>>;
  /** The model of a finished run: its folder, or its one exported weights file. */
  load(run: string): Promise<M>;
}

export function taskFunctions<O extends object, H extends Harness, M extends TaskModel>(
  task: TaskDescriptor<O, H, M>,
): TaskFunctions<O, M> {
  return {
    train: (options) => trainTask(task, options),
    load: (run) => loadTask(task, run),
  };
}
