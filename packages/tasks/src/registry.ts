import { ArgumentError, describe } from '@atelier/core';
import type { TaskDescriptor } from './task.js';
import { autoencoderTask } from './tasks/autoencoder.js';
import { denoiseTask } from './tasks/denoise.js';
import { fewShotTask } from './tasks/few-shot.js';
import { intrinsicsTask } from './tasks/intrinsics.js';
import { mcDenoiseTask } from './tasks/mc-denoise.js';
import { sharedSpaceTask } from './tasks/shared-space.js';
import { simplifyTask } from './tasks/simplify.js';
import { transferTask } from './tasks/transfer.js';

/** Every task by its CLI name: adding a task is its file and one row here. */
export const TASKS: Record<string, TaskDescriptor<any, any, any>> = {
  autoencoder: autoencoderTask,
  denoise: denoiseTask,
  simplify: simplifyTask,
  'mc-denoise': mcDenoiseTask,
  intrinsics: intrinsicsTask,
  transfer: transferTask,
  'few-shot': fewShotTask,
  'shared-space': sharedSpaceTask,
};

export function taskNames(): string[] {
  return Object.keys(TASKS);
}

/** The task called `name` (typed error listing the names otherwise). */
export function getTask(name: string): TaskDescriptor<any, any, any> {
  const task = Object.hasOwn(TASKS, name) ? TASKS[name] : undefined;
  if (!task)
    throw new ArgumentError(
      `unknown task ${describe(name)}; expected one of ${taskNames().join(', ')}`,
    );
  return task;
}
