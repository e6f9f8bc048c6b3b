import { ArgumentError, decodeWeights, describe, FormatError, type tf } from '@atelier/core';
import { Dataset } from '@atelier/datasets';
import { type Harness, type Json, type JsonObject, train } from '@atelier/gan';
import type {
  TaskData,
  TaskDescriptor,
  TaskModel,
  TaskTrainOptions,
  TaskTrainResult,
} from './task.js';

function optionalInt(value: unknown, name: string, where: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ArgumentError(
      `${where}: ${name} must be an integer >= ${min}, got ${describe(value)}`,
    );
  }
  return value;
}

/** The training data: the task's own reader for a spec, or the caller's dataset as is. */
async function trainingData<O extends object, H extends Harness, M extends TaskModel>(
  task: TaskDescriptor<O, H, M>,
  options: TaskTrainOptions<O>,
  size: number,
  seed: number,
): Promise<TaskData & { options: Json }> {
  const where = `${task.name}.train`;
  if (options.data instanceof Dataset) {
    return { dataset: options.data, description: { source: 'dataset' }, fills: {}, options: null };
  }
  if (options.data !== undefined && typeof options.data !== 'string') {
    throw new ArgumentError(
      `${where}: data must be 'synthetic:<set>', a folder or a Dataset, got ${describe(options.data)}`,
    );
  }
  const dataOptions = {
    size,
    seed,
    ...(options.data !== undefined ? { data: options.data } : {}),
    ...(options.count !== undefined ? { count: options.count } : {}),
  };
  const data = await task.data(dataOptions);
  return { ...data, options: dataOptions };
}

/**
 * Trains a task on the gan trainer: the task's data (or the caller's), its harness, and
 * the trainer's run folder, checkpoints, resume, report and progress. Returns the
 * trainer's result and the trained networks as an inference model.
 */
export async function trainTask<O extends object, H extends Harness, M extends TaskModel>(
  task: TaskDescriptor<O, H, M>,
  options: TaskTrainOptions<O> = {},
): Promise<TaskTrainResult<M>> {
  const where = `${task.name}.train`;
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`${where}: expected an options object, got ${describe(options)}`);
  }
  const size = optionalInt(options.size, 'size', where, 8) ?? task.defaults.size;
  const seed = optionalInt(options.seed, 'seed', where, Number.MIN_SAFE_INTEGER) ?? 0;
  const data = await trainingData(task, options, size, seed);
  const taskOptions = { seed, ...data.fills, ...(options.options ?? {}) } as O;
  const harness = task.create(taskOptions);
  try {
    const result = await train(harness, {
      data: data.dataset,
      batch: optionalInt(options.batch, 'batch', where) ?? task.defaults.batch,
      steps: optionalInt(options.steps, 'steps', where) ?? task.defaults.steps,
      seed,
      ...(options.out !== undefined ? { out: options.out } : {}),
      ...(options.resume !== undefined ? { resume: options.resume } : {}),
      ...(options.force !== undefined ? { force: options.force } : {}),
      ...(options.checkpointEvery !== undefined
        ? { checkpointEvery: options.checkpointEvery }
        : {}),
      ...(options.logEvery !== undefined ? { logEvery: options.logEvery } : {}),
      ...(options.sampleEvery !== undefined ? { sampleEvery: options.sampleEvery } : {}),
      ...(options.maxSeconds !== undefined ? { maxSeconds: options.maxSeconds } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.handleSignals !== undefined ? { handleSignals: options.handleSignals } : {}),
      dataDescription: {
        ...(data.description as JsonObject),
        options: data.options,
      },
    });
    const model = modelOf(task, harness);
    return { result, model };
  } finally {
    harness.dispose();
  }
}

/** The inference model of a harness's current weights (copies: the harness can go). */
export function modelOf<O extends object, H extends Harness, M extends TaskModel>(
  task: TaskDescriptor<O, H, M>,
  harness: H,
): M {
  const weights: Record<string, Record<string, tf.Tensor>> = {};
  try {
    for (const name of task.exported) {
      const module = harness.modules[name];
      if (!module) throw new ArgumentError(`${task.name}: the harness has no module '${name}'`);
      weights[name] = module.stateDict({ to: 'torch' });
    }
    return task.fromWeights(weights, harness.config);
  } finally {
    for (const dict of Object.values(weights)) for (const t of Object.values(dict)) t.dispose();
  }
}

/**
 * The inference model of a finished run: `run` is the run folder (its exported
 * `<module>.safetensors`), or for a task of one exported module that file itself.
 * The options come from the file's metadata, so a weights file alone suffices.
 */
export async function loadTask<O extends object, H extends Harness, M extends TaskModel>(
  task: TaskDescriptor<O, H, M>,
  run: string,
): Promise<M> {
  const where = `${task.name}.load`;
  if (typeof run !== 'string' || run === '') {
    throw new ArgumentError(
      `${where}: expected a run folder or weights file, got ${describe(run)}`,
    );
  }
  const { readFile, stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const info = await stat(run).catch(() => undefined);
  if (!info) throw new ArgumentError(`${where}: ${run} does not exist`);
  const files = info.isDirectory()
    ? task.exported.map((name) => [name, join(run, `${name}.safetensors`)] as const)
    : task.exported.length === 1
      ? [[task.exported[0]!, run] as const]
      : undefined;
  if (!files) {
    throw new ArgumentError(
      `${where}: ${task.name} exports ${task.exported.join(', ')}; give the run folder, not one file`,
    );
  }
  const weights: Record<string, Record<string, tf.Tensor>> = {};
  let config: JsonObject | undefined;
  try {
    for (const [name, path] of files) {
      const bytes = await readFile(path).catch(() => {
        throw new ArgumentError(
          `${where}: ${path} does not exist (the run has not finished, or it is not a ${task.name} run)`,
        );
      });
      const { tensors, metadata } = decodeWeights(bytes, path, { format: 'safetensors' });
      weights[name] = tensors;
      if (metadata['atelier.harness'] !== task.name) {
        throw new FormatError(
          `${where}: ${path} holds weights of '${metadata['atelier.harness'] ?? 'unknown'}', not of the ${task.name} task`,
        );
      }
      try {
        config = JSON.parse(metadata['atelier.config'] ?? '') as JsonObject;
      } catch {
        throw new FormatError(`${where}: ${path} has no readable atelier.config metadata`);
      }
    }
    return task.fromWeights(weights, config!);
  } finally {
    for (const dict of Object.values(weights)) for (const t of Object.values(dict)) t.dispose();
  }
}
