import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, FormatError } from '@atelier/core';
import type { HarnessDataOptions, ScheduleSpec } from '@atelier/gan';
import { UsageError } from '../errors.js';

/** What `--resume` reads back from a run folder's config.json. */
export interface SavedConfig {
  harness: string;
  options: Record<string, unknown>;
  train: {
    batch: number;
    steps: number;
    seed: number;
    schedule: ScheduleSpec | undefined;
    ema: number | null;
    checkpointEvery: number;
    logEvery: number;
    sampleEvery: number;
  };
  data: { options: HarnessDataOptions };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads `<out>/config.json` for `--resume`: a missing file is a usage error (nothing to
 * resume), a damaged one (not JSON, a field missing or of the wrong kind) a FormatError
 * that names the file and the field.
 */
export async function readSavedConfig(out: string): Promise<SavedConfig> {
  const file = join(out, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(`nothing to resume: ${file} does not exist`);
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${file} is damaged: not JSON (${(error as Error).message})`);
  }
  const damaged = (field: string, value: unknown, expected: string) =>
    new FormatError(`${file} is damaged: ${field} should be ${expected}, got ${describe(value)}`);
  if (!isRecord(parsed)) throw damaged('the file', parsed, 'an object');
  const { harness, options, train, data } = parsed;
  if (typeof harness !== 'string') throw damaged('harness', harness, 'a name');
  if (!isRecord(options)) throw damaged('options', options, 'an object');
  if (!isRecord(train)) throw damaged('train', train, 'an object');
  const integer = (key: string, min: number) => {
    const v = train[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw damaged(`train.${key}`, v, `an integer >= ${min}`);
    return v;
  };
  const schedule = train.schedule;
  if (schedule !== undefined && !(isRecord(schedule) && typeof schedule.kind === 'string'))
    throw damaged('train.schedule', schedule, 'a schedule { kind, ... }');
  const ema = train.ema ?? null;
  if (ema !== null && typeof ema !== 'number') throw damaged('train.ema', ema, 'a number or null');
  if (!isRecord(data) || !isRecord(data.options))
    throw damaged('data.options', isRecord(data) ? data.options : data, 'the data options');
  const size = data.options.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1)
    throw damaged('data.options.size', size, 'a positive integer');
  return {
    harness,
    options,
    train: {
      batch: integer('batch', 1),
      steps: integer('steps', 1),
      seed: integer('seed', Number.MIN_SAFE_INTEGER),
      schedule: schedule as ScheduleSpec | undefined,
      ema,
      checkpointEvery: integer('checkpointEvery', 0),
      logEvery: integer('logEvery', 1),
      sampleEvery: integer('sampleEvery', 1),
    },
    data: { options: data.options as unknown as HarnessDataOptions },
  };
}
