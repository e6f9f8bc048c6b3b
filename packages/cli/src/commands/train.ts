import { join } from 'node:path';
import { type BackendChoice, init, shutdown } from '@atelier/core';
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
  TRAIN_ENGINES,
  type TrainEngine,
  type TrainOptions,
  type TrainResult,
  train,
} from '@atelier/gan';
import { UsageError } from '../errors.js';
import { progressPrinter } from '../progress-bar.js';
import { type Command, type ParsedArgs, parse } from './command.js';
import { backendFlag, choiceFlag, intFlag, numberFlag } from './flags.js';
import { allHarnessFlags, harnessFlagOptions, harnessFlagsHelp } from './harness-flags.js';
import { readSavedConfig, type SavedConfig } from './saved-config.js';

export const trainUsage =
  `atelier train <${HARNESS_NAMES.join('|')}> --out DIR [--data synthetic:<set>|./folder] [--steps N | --epochs N] ` +
  '[--size N] [--batch N] [--seed N] [--backend auto|webgpu|wasm|cpu] [--engine tfjs|onnxruntime|auto] ' +
  '[--checkpoint-every N] [--resume | --force] ' +
  '[--schedule constant|linear|step|plateau|cosine[:key=value,...]] [--ema BETA] [--net-g unet_256] [--net-d basic] ' +
  '[--gan-mode vanilla|lsgan|wgangp] [--norm batch|instance|none] [--lambda-l1 100] [--direction AtoB|BtoA] ' +
  `[--set option=value ...] (see the harness options in @atelier/gan)\n\nharnesses and their flags:${harnessFlagsHelp()}`;

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

/** The command's own flags and every harness's flags. */
function trainFlagOptions(): NonNullable<Parameters<typeof parse>[1]> {
  const flagOptions: NonNullable<Parameters<typeof parse>[1]> = {
    data: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    'checkpoint-every': { type: 'string' },
    'log-every': { type: 'string' },
    'sample-every': { type: 'string' },
    backend: { type: 'string' },
    engine: { type: 'string' },
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
  return flagOptions;
}

function harnessName(positionals: string[]): HarnessName {
  if (positionals.length !== 1) {
    throw new UsageError(
      `expected one harness (${HARNESS_NAMES.join(', ')}), got ${positionals.length ? positionals.join(' ') : 'none'}`,
    );
  }
  const name = positionals[0] as HarnessName;
  if (!(HARNESS_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown harness '${name}'; expected one of ${HARNESS_NAMES.join(', ')}`);
  }
  return name;
}

/** What every run reads from the command line, a resumed one included. */
interface RunFlags {
  out: string;
  backend: BackendChoice;
  engine: TrainEngine;
  steps: number | undefined;
  epochs: number | undefined;
  checkpointEvery: number | undefined;
  logEvery: number | undefined;
  sampleEvery: number | undefined;
}

function runFlags(values: ParsedArgs['values']): RunFlags {
  const out = values.out as string | undefined;
  if (!out)
    throw new UsageError(
      '--out DIR is required: the run folder (config, metrics, samples, checkpoint, report)',
    );
  if (values.steps !== undefined && values.epochs !== undefined)
    throw new UsageError('give --steps or --epochs, not both');
  return {
    out,
    backend: backendFlag(values.backend),
    engine: choiceFlag('engine', values.engine, TRAIN_ENGINES) ?? 'tfjs',
    steps: intFlag('steps', values.steps),
    epochs: intFlag('epochs', values.epochs),
    checkpointEvery: intFlag('checkpoint-every', values['checkpoint-every'], 0),
    logEvery: intFlag('log-every', values['log-every']),
    sampleEvery: intFlag('sample-every', values['sample-every']),
  };
}

/** The run's options: from the flags for a new run, from config.json for a resumed one. */
interface RunSettings {
  harnessOptions: Record<string, unknown>;
  dataOptions: HarnessDataOptions;
  batch: number;
  seed: number;
  schedule: ScheduleSpec | undefined;
  ema: number | undefined;
  /** The resumed run's config.json; undefined for a new run. */
  saved: SavedConfig | undefined;
}

/** Flags a resumed run may still take: the rest comes from its config.json. */
const RESUME_FLAGS = new Set([
  'resume',
  'out',
  'backend',
  'engine',
  'steps',
  'epochs',
  'checkpoint-every',
  'log-every',
  'sample-every',
]);

async function resumedSettings(
  name: HarnessName,
  out: string,
  values: ParsedArgs['values'],
): Promise<RunSettings> {
  const extra = Object.keys(values).filter((k) => !RESUME_FLAGS.has(k) && values[k] !== undefined);
  if (extra.length > 0) {
    throw new UsageError(
      `--resume takes the run's options from ${join(out, 'config.json')}; drop ${extra.map((k) => `--${k}`).join(', ')}`,
    );
  }
  const saved = await readSavedConfig(out);
  if (saved.harness !== name)
    throw new UsageError(`${out} holds a '${saved.harness}' run, not '${name}'`);
  return {
    harnessOptions: saved.options,
    dataOptions: saved.data.options,
    batch: saved.train.batch,
    seed: saved.train.seed,
    schedule: saved.train.schedule,
    ema: saved.train.ema ?? undefined,
    saved,
  };
}

function newRunSettings(name: HarnessName, values: ParsedArgs['values']): RunSettings {
  const seed = intFlag('seed', values.seed, Number.MIN_SAFE_INTEGER) ?? 0;
  const size = intFlag('size', values.size, 16) ?? HARNESSES[name].cli.size;
  const dataOptions: HarnessDataOptions = {
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
  const harnessOptions = { seed, ...harnessFlagOptions(name, values) };
  Object.assign(harnessOptions, parseSet((values.set as string[] | undefined) ?? []));
  return {
    harnessOptions,
    dataOptions,
    batch: intFlag('batch', values.batch) ?? HARNESSES[name].cli.batch,
    seed,
    schedule: values.schedule !== undefined ? parseSchedule(values.schedule as string) : undefined,
    ema: values.ema !== undefined ? numberFlag('ema', values.ema) : HARNESSES[name].cli.ema,
    saved: undefined,
  };
}

/** junyanz's lr_policy linear: half the epochs at the full rate, half decaying. */
function linearDecaySchedule(
  datasetSize: number,
  batch: number,
  totalEpochs: number | undefined,
  steps: number | undefined,
): ScheduleSpec {
  const perEpoch = Math.max(1, Math.floor(datasetSize / batch));
  const total = totalEpochs ?? Math.max(1, Math.ceil(steps! / perEpoch));
  return { kind: 'linear', nEpochs: Math.ceil(total / 2), nEpochsDecay: Math.floor(total / 2) };
}

/** How long the run lasts and how often it writes: the flags, else the resumed run's. */
function runLength(
  flags: RunFlags,
  saved: SavedConfig | undefined,
  totalEpochs: number | undefined,
): Pick<TrainOptions, 'steps' | 'epochs' | 'checkpointEvery' | 'logEvery' | 'sampleEvery'> {
  const { steps, epochs, checkpointEvery, logEvery, sampleEvery } = flags;
  return {
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
  };
}

/** Runs `atelier train ...`; returns the result (the caller sets the exit code). */
export async function trainCommand(
  args: string[],
  _options: TrainCommandOptions = {},
): Promise<TrainResult> {
  const { values, positionals } = parse(args, trainFlagOptions());
  const name = harnessName(positionals);
  const flags = runFlags(values);
  const { out } = flags;
  const settings = values.resume
    ? await resumedSettings(name, out, values)
    : newRunSettings(name, values);
  const { harnessOptions, dataOptions, batch, seed, ema, saved } = settings;

  const info = await init({ backend: flags.backend });
  const stream = _options.stream ?? process.stderr;
  stream.write(
    `atelier train ${name}: backend ${info.name}${info.reason ? ` (${info.reason})` : ''}${flags.engine !== 'tfjs' ? `, engine ${flags.engine}` : ''}\n`,
  );
  const data = await harnessData(name, dataOptions);

  // Fill what the data decides: channels, sizes, classes, and a generator that fits the size.
  if (!saved) HARNESSES[name].fromData(harnessOptions, data, dataOptions.size);
  const harness = createHarness(name, harnessOptions as never);
  // Files a harness reads after it is built (StackGAN's stage II: its stage-I run).
  await HARNESSES[name].prepare?.(harness, harnessOptions);
  const totalEpochs =
    flags.epochs ?? (flags.steps === undefined ? HARNESSES[name].cli.epochs : undefined);
  const schedule =
    !saved && settings.schedule === undefined && HARNESSES[name].cli.linearDecay
      ? linearDecaySchedule(data.dataset.size ?? 1, batch, totalEpochs, flags.steps)
      : settings.schedule;
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
      engine: flags.engine,
      ...runLength(flags, saved, totalEpochs),
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
  if (flags.engine === 'auto')
    stream.write(`atelier train ${name}: the steps ran on ${result.engine}\n`);
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
