import { describe, FormatError, type RngState } from '@atelier/core';
import type { ScheduleState } from '../schedules/schedule.js';
import type { DataPosition } from './batch-loader.js';
import type { Json, JsonObject } from './harness.js';

export const TRAIN_STATE_VERSION = 1;

/** What a checkpoint's `extra` holds beside modules, optimizers, step and RNG. */
export interface TrainState {
  trainer: number;
  harness: string;
  config: JsonObject;
  batch: number;
  seed: number;
  position: DataPosition;
  schedule: ScheduleState;
  elapsed: number;
  ema: number | null;
  harnessState: Json;
  randomStates: Record<string, RngState>;
  lastLosses: Record<string, number>;
}

/** The trainer's part of a checkpoint, checked field by field: a damaged one is a FormatError. */
export function checkTrainState(extra: unknown, file: string): TrainState {
  const damaged = (field: string, value: unknown) =>
    new FormatError(`train: ${file} is damaged: its trainer state has ${field} ${describe(value)}`);
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra))
    throw damaged('no record, but', extra);
  const state = extra as Partial<TrainState>;
  if (typeof state.harness !== 'string') throw damaged('harness', state.harness);
  for (const key of ['batch', 'seed', 'elapsed'] as const)
    if (typeof state[key] !== 'number') throw damaged(key, state[key]);
  for (const key of ['position', 'schedule'] as const) {
    const v = state[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw damaged(key, v);
  }
  return state as TrainState;
}
