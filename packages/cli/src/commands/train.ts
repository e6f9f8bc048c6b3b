import { join } from 'node:path';
import { BACKEND_NAMES, type BackendChoice, init, shutdown } from '@atelier/core';
import {
  createHarness,
  HARNESS_NAMES,
  HARNESSES,
  type HarnessDataOptions,
  type HarnessName,
  harnessData,
  type Json,
  SCHEDULE_KINDS,
  type ScheduleSpec,
  type TrainResult,
  train,
} from '@atelier/gan';
import { UsageError } from '../errors.js';
import { progressPrinter } from '../progress-bar.js';
import { allHarnessFlags, harnessFlagOptions, harnessFlagsHelp } from './harness-flags.js';
import { type Command, parse } from './registry.js';
import { readSavedConfig, type SavedConfig } from './saved-config.js';

export const trainUsage =
  `atelier train <${HARNESS_NAMES.join('|')}> --out DIR [--data synthetic:<set>|./folder] [--steps N | --epochs N] ` +
  '[--size N] [--batch N] [--seed N] [--backend auto|webgpu|wasm|cpu] [--checkpoint-every N] [--resume | --force] ' +
  '[--schedule constant|linear|step|plateau|cosine[:key=value,...]] [--ema BETA] [--net-g unet_256] [--net-d basic] ' +
  '[--gan-mode vanilla|lsgan|wgangp] [--norm batch|instance|none] [--lambda-l1 100] [--direction AtoB|BtoA] ' +
  `[--set option=value ...] (see the harness options in @atelier/gan)\n\nharnesses and their flags:${harnessFlagsHelp()}`;

function intFlag(flag: string, value: unknown, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${flag}: expected an integer >= ${min}, got '${value}'`);
  return n;
}

function numberFlag(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag}: expected a number, got '${value}'`);
  return n;
}

/** `linear` or `linear:nEpochs=50,nEpochsDecay=50`. */
export function parseSchedule(value: string): ScheduleSpec {
  const [kind, rest] = value.split(':', 2) as [string, string | undefined];
  if (!(SCHEDULE_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`--schedule: expected one of ${SCHEDULE_KINDS.join(', ')}, got '${kind}'`);
  }
  const spec: Record<string, unknown> = { kind };
  for (const pair of rest ? rest.split(',') : []) {
    const [key, v] = pair.split('=', 2);
    const n = Number(v);
    if (!key || v === undefined || !Number.isFinite(n))
      throw new UsageError(`--schedule: expected key=number, got '${pair}'`);
    spec[key] = n;
  }
  return spec as unknown as ScheduleSpec;
}

/** `--set key=value`: the value as JSON when it parses, else as a string. */
function parseSet(values: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set: expected option=value, got '${pair}'`);
    const value = pair.slice(eq + 1);
    try {
      out[pair.slice(0, eq)] = JSON.parse(value);
    } catch {
      out[pair.slice(0, eq)] = value;
    }
  }
  return out;
}

export interface TrainCommandOptions {
  /** Where progress lines go (default stderr). */
  stream?: NodeJS.WriteStream;
}

/** Runs `atelier train ...`; returns the result (the caller sets the exit code). */
export async function trainCommand(
  args: string[],
  _options: TrainCommandOptions = {},
): Promise<TrainResult> {
  const flagOptions: NonNullable<Parameters<typeof parse>[1]> = {
    data: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    'checkpoint-every': { type: 'string' },
    'log-every': { type: 'string' },
    'sample-every': { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    steps: { type: 'string' },
    epochs: { type: 'string' },
    size: { type: 'string' },
    batch: { type: 'string' },
    count: { type: 'string' },
    schedule: { type: 'string' },
    ema: { type: 'string' },
    preprocess: { type: 'string' },
    'load-size': { type: 'string' },
    'no-flip': { type: 'boolean' },
    set: { type: 'string', multiple: true },
    force: { type: 'boolean' },
  };
  for (const [flag, { kind }] of Object.entries(allHarnessFlags())) {
    flagOptions[flag] = { type: kind === 'true' || kind === 'false' ? 'boolean' : 'string' };
  }
  const { values, positionals } = parse(args, flagOptions);
  if (positionals.length !== 1) {
    throw new UsageError(
      `expected one harness (${HARNESS_NAMES.join(', ')}), got ${positionals.length ? positionals.join(' ') : 'none'}`,
    );
  }
  const name = positionals[0] as HarnessName;
  if (!(HARNESS_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown harness '${name}'; expected one of ${HARNESS_NAMES.join(', ')}`);
  }
  const out = values.out as string | undefined;
  if (!out)
    throw new UsageError(
      '--out DIR is required: the run folder (config, metrics, samples, checkpoint, report)',
    );
  const backend = (values.backend as string | undefined) ?? 'auto';
  if (backend !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend: expected auto, ${BACKEND_NAMES.join(', ')}, got '${backend}'`);
  }
  if (values.steps !== undefined && values.epochs !== undefined)
    throw new UsageError('give --steps or --epochs, not both');
  const steps = intFlag('steps', values.steps);
  const epochs = intFlag('epochs', values.epochs);
  const checkpointEvery = intFlag('checkpoint-every', values['checkpoint-every'], 0);
  const logEvery = intFlag('log-every', values['log-every']);
  const sampleEvery = intFlag('sample-every', values['sample-every']);

  let harnessOptions: Record<string, unknown>;
  let dataOptions: HarnessDataOptions;
  let batch: number;
  let seed: number;
  let schedule: ScheduleSpec | undefined;
  let ema: number | undefined;
  let saved: SavedConfig | undefined;
  if (values.resume) {
    const allowed = new Set([
      'resume',
      'out',
      'backend',
      'steps',
      'epochs',
      'checkpoint-every',
      'log-every',
      'sample-every',
    ]);
    const extra = Object.keys(values).filter((k) => !allowed.has(k) && values[k] !== undefined);
    if (extra.length > 0) {
      throw new UsageError(
        `--resume takes the run's options from ${join(out, 'config.json')}; drop ${extra.map((k) => `--${k}`).join(', ')}`,
      );
    }
    saved = await readSavedConfig(out);
    if (saved.harness !== name)
      throw new UsageError(`${out} holds a '${saved.harness}' run, not '${name}'`);
    harnessOptions = saved.options;
    dataOptions = saved.data.options;
    batch = saved.train.batch;
    seed = saved.train.seed;
    schedule = saved.train.schedule;
    ema = saved.train.ema ?? undefined;
  } else {
    seed = intFlag('seed', values.seed, Number.MIN_SAFE_INTEGER) ?? 0;
    batch = intFlag('batch', values.batch) ?? HARNESSES[name].cli.batch;
    const size = intFlag('size', values.size, 16) ?? HARNESSES[name].cli.size;
    dataOptions = {
      size,
      seed,
      ...(values.data !== undefined ? { data: values.data as string } : {}),
      ...(values.count !== undefined ? { count: intFlag('count', values.count)! } : {}),
      ...(values.preprocess !== undefined ? { preprocess: values.preprocess as never } : {}),
      ...(values['load-size'] !== undefined
        ? { loadSize: intFlag('load-size', values['load-size'])! }
        : {}),
      ...(values['no-flip'] ? { flip: false } : {}),
    };
    harnessOptions = { seed, ...harnessFlagOptions(name, values) };
    Object.assign(harnessOptions, parseSet((values.set as string[] | undefined) ?? []));
    schedule = values.schedule !== undefined ? parseSchedule(values.schedule as string) : undefined;
    ema = values.ema !== undefined ? numberFlag('ema', values.ema) : HARNESSES[name].cli.ema;
  }

  const info = await init({ backend: backend as BackendChoice });
  const stream = _options.stream ?? process.stderr;
  stream.write(
    `atelier train ${name}: backend ${info.name}${info.reason ? ` (${info.reason})` : ''}\n`,
  );
  const data = await harnessData(name, dataOptions);

  // Fill what the data decides: channels, sizes, classes, and a generator that fits the size.
  if (!saved) HARNESSES[name].fromData(harnessOptions, data, dataOptions.size);
  const harness = createHarness(name, harnessOptions as never);
  // Files a harness reads after it is built (StackGAN's stage II: its stage-I run).
  await HARNESSES[name].prepare?.(harness, harnessOptions);
  const totalEpochs = epochs ?? (steps === undefined ? HARNESSES[name].cli.epochs : undefined);
  if (!saved && schedule === undefined && HARNESSES[name].cli.linearDecay) {
    // junyanz's lr_policy linear: half the epochs at the full rate, half decaying.
    const perEpoch = Math.max(1, Math.floor((data.dataset.size ?? 1) / batch));
    const total = totalEpochs ?? Math.max(1, Math.ceil(steps! / perEpoch));
    schedule = {
      kind: 'linear',
      nEpochs: Math.ceil(total / 2),
      nEpochsDecay: Math.floor(total / 2),
    };
  }
  const printer = progressPrinter(stream);
  let result: TrainResult;
  try {
    result = await train(harness, {
      data: data.dataset,
      batch,
      seed,
      out,
      resume: values.resume === true,
      force: values.force === true,
      handleSignals: true,
      ...(steps !== undefined
        ? { steps }
        : saved && epochs === undefined
          ? { steps: saved.train.steps }
          : { epochs: totalEpochs! }),
      ...(checkpointEvery !== undefined
        ? { checkpointEvery }
        : saved
          ? { checkpointEvery: saved.train.checkpointEvery }
          : {}),
      ...(logEvery !== undefined ? { logEvery } : saved ? { logEvery: saved.train.logEvery } : {}),
      ...(sampleEvery !== undefined
        ? { sampleEvery }
        : saved
          ? { sampleEvery: saved.train.sampleEvery }
          : {}),
      ...(schedule ? { schedule } : {}),
      ...(ema !== undefined ? { ema: { beta: ema } } : {}),
      dataDescription: {
        ...(data.description as Record<string, Json>),
        options: dataOptions as unknown as Json,
      },
      onProgress: (p) => printer.update(p),
    });
  } finally {
    printer.done();
    harness.dispose();
  }
  if (result.status === 'interrupted') {
    stream.write(
      `interrupted at step ${result.step}; the checkpoint is saved. Continue with: atelier train ${name} --out ${out} --resume\n`,
    );
  }
  console.log(`report: ${result.report}`);
  return result;
}

export const trainCommandEntry: Command = {
  summary: `train a GAN harness (${HARNESS_NAMES.join(', ')}): run folder with checkpoints, samples and a report`,
  usage: trainUsage,
  async run(args) {
    try {
      await trainCommand(args);
    } finally {
      await shutdown();
    }
  },
};
