import { ArgumentError, describe } from '@atelier/core';
import type { Dataset } from '@atelier/datasets';
import type { ScheduleSpec } from '../schedules/create-schedule.js';
import type { Harness, Json } from './harness.js';
import type { MetricsLine } from './metrics-line.js';
import { TRAIN_ENGINES, type TrainEngine } from './onnx-engine.js';
import type { TrainProgress } from './progress.js';

export interface TrainOptions {
  /** Samples (unbatched) with random access: a source, a synthetic set, or their map. */
  data: Dataset<unknown>;
  /** Samples a batch; default 1. */
  batch?: number;
  /** Steps the run ends at (counted from the start, across resumes). */
  steps?: number;
  /** Or epochs: steps = epochs × batches an epoch / batches a step. */
  epochs?: number;
  /** Seeds the data order and the harness's random stream; default 0. */
  seed?: number;
  /** The run folder (Node); without it nothing is written. */
  out?: string;
  /** Continue the run in `out` from its checkpoint. */
  resume?: boolean;
  /**
   * Start a new run in `out` although it is not empty: its checkpoint, sample grids
   * and exported weights are removed, its other files are left or replaced. Without
   * it a folder that holds anything is refused (a user's files, or a run killed before
   * its first checkpoint). Default false.
   */
  force?: boolean;
  /**
   * A time budget in seconds: the run ends normally (samples, checkpoint, weights,
   * report) after the first step that reaches it, even before `steps`.
   */
  maxSeconds?: number;
  /** Steps between checkpoints (0: only at the end and on an interrupt); default 500. */
  checkpointEvery?: number;
  /** Steps between metrics lines; default 10. */
  logEvery?: number;
  /** Steps between sample grids (and report updates); default 100. */
  sampleEvery?: number;
  /** Rows of the sample grids; default 4. */
  sampleCount?: number;
  /** Where the sample rows come from (a held-out split); default the first samples of `data`. */
  sampleData?: Dataset<unknown>;
  /** The learning-rate schedule, stepped at every epoch's end; default constant. */
  schedule?: ScheduleSpec;
  /** Keep an exponential moving average of the generators' weights (samples use it). */
  ema?: { beta: number };
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Called after every step and at the start and end. */
  onProgress?: (progress: TrainProgress) => void;
  /** Stops the run (with a checkpoint) after the current step. */
  signal?: AbortSignal;
  /** Treat SIGINT and SIGTERM as `signal` (the CLI does); default false. */
  handleSignals?: boolean;
  /** Recorded in config.json: where the data came from. */
  dataDescription?: Json;
  /**
   * What runs the steps: 'tfjs' (default), 'onnxruntime' (Node: each step traced to
   * ONNX and run by onnxruntime-node; a harness whose step cannot be traced is refused
   * with an OnnxTrainingError naming it before any step) or 'auto' (onnxruntime where
   * it loads and the step traces, else tfjs).
   */
  engine?: TrainEngine;
}

export interface TrainResult {
  status: 'finished' | 'interrupted';
  step: number;
  epoch: number;
  /** The last logged value of each term. */
  losses: Record<string, number>;
  /** Every metrics line of the run (this process's and, on resume, the earlier ones). */
  metrics: MetricsLine[];
  out: string | undefined;
  report: string | undefined;
  /** The engine that ran the steps ('auto' resolved). */
  engine: 'tfjs' | 'onnxruntime';
}

/** The options the run reads, checked and with their defaults filled in. */
export interface TrainSettings {
  batchSize: number;
  seed: number;
  checkpointEvery: number;
  logEvery: number;
  sampleEvery: number;
  sampleCount: number;
  /** Batches one step consumes (the harness's `batchesPerStep`). */
  perStep: number;
  emaBeta: number | undefined;
  maxSeconds: number | undefined;
  engine: TrainEngine;
}

export function positiveInt(value: unknown, name: string, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new ArgumentError(`train: ${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return v;
}

/** Checks `train`'s arguments before anything is made: typed errors saying what came. */
export function validateTrainOptions(harness: Harness, options: TrainOptions): TrainSettings {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(
      `train: expected options { data, steps | epochs, ... }, got ${describe(options)}`,
    );
  }
  if (typeof harness?.step !== 'function' || typeof harness.modules !== 'object') {
    throw new ArgumentError(`train: expected a harness, got ${describe(harness)}`);
  }
  const batchSize = positiveInt(options.batch, 'batch', 1);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed))
    throw new ArgumentError(`train: seed must be a safe integer, got ${describe(seed)}`);
  const checkpointEvery = positiveInt(options.checkpointEvery, 'checkpointEvery', 500, 0);
  const logEvery = positiveInt(options.logEvery, 'logEvery', 10);
  const sampleEvery = positiveInt(options.sampleEvery, 'sampleEvery', 100);
  const sampleCount = positiveInt(options.sampleCount, 'sampleCount', 4);
  const perStep = positiveInt(harness.batchesPerStep, 'batchesPerStep', 1);
  if (options.steps !== undefined && options.epochs !== undefined) {
    throw new ArgumentError('train: give steps or epochs, not both');
  }
  const emaBeta = options.ema?.beta;
  if (
    options.ema !== undefined &&
    (typeof emaBeta !== 'number' || !(emaBeta >= 0 && emaBeta < 1))
  ) {
    throw new ArgumentError(`train: ema.beta must be in [0, 1), got ${describe(emaBeta)}`);
  }
  if (options.resume && !options.out)
    throw new ArgumentError('train: resume needs the run folder (out)');
  const maxSeconds = options.maxSeconds;
  if (maxSeconds !== undefined && !(typeof maxSeconds === 'number' && maxSeconds > 0)) {
    throw new ArgumentError(
      `train: maxSeconds must be a positive number, got ${describe(maxSeconds)}`,
    );
  }
  const engine = options.engine ?? 'tfjs';
  if (!TRAIN_ENGINES.includes(engine)) {
    throw new ArgumentError(
      `train: engine must be one of ${TRAIN_ENGINES.join(', ')}, got ${describe(options.engine)}`,
    );
  }
  return {
    engine,
    batchSize,
    seed,
    checkpointEvery,
    logEvery,
    sampleEvery,
    sampleCount,
    perStep,
    emaBeta,
    maxSeconds,
  };
}
