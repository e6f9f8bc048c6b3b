import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { init, readImage, shutdown, tf, writeImage } from '@atelier/core';
import {
  getTask,
  loadTask,
  TASKS,
  type TaskDescriptor,
  taskNames,
  trainTask,
} from '@atelier/tasks';
import { UsageError } from '../errors.js';
import { progressPrinter } from '../progress-bar.js';
import { type Command, parse } from './command.js';
import { backendFlag, intFlag, numberFlag } from './flags.js';

/** Each task's own flags, for the usage text. */
function taskFlagsUsage(): string {
  return Object.values(TASKS)
    .map((task) => {
      const flags = Object.entries(task.flags).map(
        ([flag, spec]) =>
          `[--${flag}${spec.kind === 'boolean' ? '' : ` ${spec.kind === 'string' ? 'value' : 'N'}`}] (${spec.help})`,
      );
      return `  ${task.name}: ${task.summary}\n    ${flags.join('\n    ')}`;
    })
    .join('\n');
}

export const taskUsage =
  'atelier task <name> [--data synthetic:<set>|./folder] --out RUN [--steps N] [--size N] [--batch N] [--seed N] ' +
  '[--count N] [--backend auto|webgpu|wasm|cpu] [--resume | --force] [--checkpoint-every N] [--<task option> value ...]\n' +
  '       atelier task <name> apply --weights RUN <inputs...> --out DIR [--backend ...]\n' +
  `tasks and their options:\n${taskFlagsUsage()}`;

function taskByName(name: string | undefined): TaskDescriptor {
  if (name === undefined) throw new UsageError(`expected a task name (${taskNames().join(', ')})`);
  try {
    return getTask(name);
  } catch {
    throw new UsageError(`unknown task '${name}'; expected one of ${taskNames().join(', ')}`);
  }
}

/** The task's own flags, read into its options. */
function taskOptions(
  task: TaskDescriptor,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(task.flags)) {
    const v = values[flag];
    if (v === undefined) continue;
    if (spec.kind === 'boolean') out[spec.option] = v === true;
    else if (spec.kind === 'string') out[spec.option] = v;
    else
      out[spec.option] =
        spec.kind === 'int' ? intFlag(flag, v, Number.MIN_SAFE_INTEGER) : numberFlag(flag, v);
  }
  return out;
}

interface SavedRun {
  harness: string;
  options: Record<string, unknown>;
  train: { batch: number; steps: number; seed: number; checkpointEvery: number };
  data: { options?: { data?: string; size: number; count?: number } } | null;
}

/** `atelier task <name> ...`: trains the task into a run folder (or resumes it). */
export async function taskTrainCommand(
  task: TaskDescriptor,
  args: string[],
  stream: NodeJS.WriteStream = process.stderr,
) {
  const flags: NonNullable<Parameters<typeof parse>[1]> = {
    data: { type: 'string' },
    out: { type: 'string' },
    steps: { type: 'string' },
    size: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
    count: { type: 'string' },
    backend: { type: 'string' },
    resume: { type: 'boolean' },
    force: { type: 'boolean' },
    'checkpoint-every': { type: 'string' },
    'sample-every': { type: 'string' },
  };
  for (const [flag, spec] of Object.entries(task.flags))
    flags[flag] = { type: spec.kind === 'boolean' ? 'boolean' : 'string' };
  const { values, positionals } = parse(args, flags);
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument(s) ${positionals.join(' ')}`);
  const out = values.out as string | undefined;
  if (!out) throw new UsageError('--out RUN is required: the run folder');
  const backend = backendFlag(values.backend);
  let options = taskOptions(task, values);
  let data = values.data as string | undefined;
  let size = intFlag('size', values.size, 8);
  let count = intFlag('count', values.count);
  let batch = intFlag('batch', values.batch);
  let seed = intFlag('seed', values.seed, Number.MIN_SAFE_INTEGER);
  let steps = intFlag('steps', values.steps);
  if (values.resume) {
    const path = join(out, 'config.json');
    let saved: SavedRun;
    try {
      saved = JSON.parse(await readFile(path, 'utf8')) as SavedRun;
    } catch {
      throw new UsageError(`nothing to resume: ${path} does not exist`);
    }
    if (saved.harness !== task.name)
      throw new UsageError(`${out} holds a '${saved.harness}' run, not '${task.name}'`);
    options = saved.options;
    data = saved.data?.options?.data;
    size = saved.data?.options?.size;
    count = saved.data?.options?.count;
    batch = saved.train.batch;
    seed = saved.train.seed;
    steps ??= saved.train.steps;
  }
  const info = await init({ backend });
  stream.write(
    `atelier task ${task.name}: backend ${info.name}${info.reason ? ` (${info.reason})` : ''}\n`,
  );
  const printer = progressPrinter(stream);
  try {
    const { result, model } = await trainTask(task, {
      options,
      ...(data !== undefined ? { data } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(count !== undefined ? { count } : {}),
      ...(batch !== undefined ? { batch } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(steps !== undefined ? { steps } : {}),
      out,
      resume: values.resume === true,
      force: values.force === true,
      handleSignals: true,
      ...(values['checkpoint-every'] !== undefined
        ? { checkpointEvery: intFlag('checkpoint-every', values['checkpoint-every'], 0)! }
        : {}),
      ...(values['sample-every'] !== undefined
        ? { sampleEvery: intFlag('sample-every', values['sample-every'])! }
        : {}),
      onProgress: (p) => printer.update(p),
    });
    model.dispose();
    printer.done();
    if (result.status === 'interrupted') {
      stream.write(
        `interrupted at step ${result.step}; continue with: atelier task ${task.name} --out ${out} --resume\n`,
      );
    }
    console.log(`report: ${result.report}`);
    return result;
  } catch (error) {
    printer.done();
    throw error;
  }
}

/** `atelier task <name> apply --weights RUN <inputs...> --out DIR`: one output image per input. */
export async function taskApplyCommand(task: TaskDescriptor, args: string[]): Promise<string[]> {
  const { values, positionals } = parse(args, {
    weights: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
  });
  const weights = values.weights as string | undefined;
  const out = values.out as string | undefined;
  if (!weights) throw new UsageError('--weights RUN is required: a finished run folder');
  if (!out) throw new UsageError('--out DIR is required: where the outputs go');
  if (positionals.length === 0) throw new UsageError('expected at least one input image');
  await init({ backend: backendFlag(values.backend) });
  const model = await loadTask(task, weights);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(out, { recursive: true });
  const channels = Number(model.config.channels ?? 3);
  const size = typeof model.config.size === 'number' ? model.config.size : undefined;
  const written: string[] = [];
  try {
    for (const input of positionals) {
      const image = await readImage(input, { channels: channels === 1 ? 1 : 3 });
      const result = tf.tidy(() => {
        let x = tf.div(tf.expandDims(image, 0), 255) as tf.Tensor4D;
        // Networks with a dense layer take their training size; the others any size.
        if (task.fixedSize && size !== undefined)
          x = tf.image.resizeBilinear(x, [size, size], true);
        // Fully convolutional networks with strides take sides that are multiples of theirs.
        const m = task.sizeMultiple ?? 1;
        const fit = (n: number) => Math.max(m, Math.round(n / m) * m);
        if (x.shape[1] % m !== 0 || x.shape[2] % m !== 0)
          x = tf.image.resizeBilinear(x, [fit(x.shape[1]), fit(x.shape[2])], true);
        return tf.mul(tf.squeeze(model.apply(x), [0]), 255) as tf.Tensor3D;
      });
      image.dispose();
      const path = join(out, `${basename(input, extname(input))}.png`);
      try {
        await writeImage(path, result);
      } finally {
        result.dispose();
      }
      written.push(path);
      console.log(path);
    }
  } finally {
    model.dispose();
  }
  return written;
}

export const taskCommand: Command = {
  summary: `train or apply one of the course's tasks (${taskNames().join(', ')}): run folder, report, results`,
  usage: taskUsage,
  async run(args) {
    const [name, ...rest] = args;
    const task = taskByName(name);
    try {
      if (rest[0] === 'apply') await taskApplyCommand(task, rest.slice(1));
      else await taskTrainCommand(task, rest);
    } finally {
      await shutdown();
    }
  },
};
