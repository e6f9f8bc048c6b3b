import {
  ArgumentError,
  currentBackend,
  describe,
  FormatError,
  loadCheckpoint,
  type Module,
  type RngState,
  rng,
  StateDictError,
  saveCheckpoint,
  tf,
  writeFileAtomic,
  writeSafetensors,
} from '@atelier/core';
import type { Dataset } from '@atelier/datasets';
import { createSchedule, type ScheduleSpec } from '../schedules/create-schedule.js';
import type { ScheduleState } from '../schedules/schedule.js';
import { Ema } from '../training/ema.js';
import { BatchLoader, type DataPosition, disposeBatch } from './batch-loader.js';
import { DivergenceError, LossWatch, nonFiniteWeight } from './divergence.js';
import type { Harness, Json, JsonObject } from './harness.js';
import { isolated } from './isolated.js';
import type { MetricsLine } from './metrics-line.js';
import { StepRate, type TrainProgress } from './progress.js';
import { randomStates, setRandomStates } from './random-states.js';
import { renderReport } from './report.js';
import { RunFolder } from './run-folder.js';
import { sampleGrid } from './sample-grid.js';
import { optimizerVariables, StepRun } from './step-context.js';

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
}

const FORMAT_VERSION = 1;

/** What a checkpoint's `extra` holds beside modules, optimizers, step and RNG. */
interface TrainState {
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
function checkTrainState(extra: unknown, file: string): TrainState {
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

function positiveInt(value: unknown, name: string, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new ArgumentError(`train: ${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return v;
}

/** Reads scalars with one transfer. */
async function readScalars(terms: Map<string, tf.Scalar>): Promise<Record<string, number>> {
  if (terms.size === 0) return {};
  const stacked = tf.tidy(() => tf.stack([...terms.values()].map((t) => tf.cast(t, 'float32'))));
  const values = await stacked.data();
  stacked.dispose();
  const out: Record<string, number> = {};
  [...terms.keys()].forEach((k, i) => {
    out[k] = values[i]!;
  });
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Trains a harness: seeded batches, learning-rate schedule, EMA, metrics, samples,
 * checkpoints (every `checkpointEvery` steps, at the end, and on an interrupt), the
 * report, progress, and resuming, bit for bit, from the run folder's checkpoint.
 */
export async function train(harness: Harness, options: TrainOptions): Promise<TrainResult> {
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

  const loader = new BatchLoader<unknown>(options.data, batchSize, seed, options.shuffle ?? true);
  const stepsPerEpoch = Math.max(1, Math.floor(loader.batchesPerEpoch / perStep));
  let totalSteps =
    options.epochs !== undefined
      ? positiveInt(options.epochs, 'epochs', 1) * stepsPerEpoch
      : positiveInt(options.steps, 'steps', stepsPerEpoch);
  const schedule = createSchedule(options.schedule);
  const harnessRng = rng(seed).fork('harness');
  const variables = optimizerVariables(harness);
  const baseLr = Object.fromEntries(Object.entries(harness.optimizers).map(([k, o]) => [k, o.lr]));

  // EMA shadows are modules of the checkpoint too.
  const emas: Ema[] = [];
  const shadows: Record<string, Module> = {};
  if (emaBeta !== undefined) {
    for (const name of harness.generators) {
      const source = harness.modules[name];
      if (!source)
        throw new ArgumentError(`harness '${harness.name}' names a generator '${name}' it lacks`);
      const shadow = harness.createModule(name);
      emas.push(new Ema(source, shadow, emaBeta));
      shadows[`${name}_ema`] = shadow;
    }
  }
  // The shadows are the trainer's: they go when the run ends, however it ends.
  try {
    const checkpointModules = { ...harness.modules, ...shadows };
    const optimizers = Object.fromEntries(
      Object.entries(harness.optimizers).map(([k, o]) => [k, o.optimizer]),
    );

    const folder = options.out ? await RunFolder.open(options.out) : undefined;
    let step = 0;
    let elapsedBefore = 0;
    let lastLosses: Record<string, number> = {};
    let metrics: MetricsLine[] = [];
    let checkpointStep: number | undefined;
    const config = {
      harness: harness.name,
      options: harness.config,
      train: {
        batch: batchSize,
        steps: totalSteps,
        seed,
        checkpointEvery,
        logEvery,
        sampleEvery,
        sampleCount,
        shuffle: options.shuffle ?? true,
        schedule: (options.schedule ?? { kind: 'constant' }) as Json,
        ema: emaBeta ?? null,
      },
      data: options.dataDescription ?? null,
      backend: currentBackend()?.name ?? tf.getBackend(),
    };

    if (folder) {
      const hasCheckpoint = await folder.exists('checkpoint.safetensors');
      if (options.resume) {
        if (!hasCheckpoint)
          throw new ArgumentError(
            `train: nothing to resume: ${folder.checkpoint} does not exist (start the run again with force, --force in the CLI)`,
          );
        const saved = (await folder.readJson('config.json')) as { harness?: unknown } | undefined;
        if (saved && saved.harness !== harness.name) {
          throw new StateDictError(
            `train: ${folder.dir} holds a '${String(saved.harness)}' run; it cannot resume as '${harness.name}'`,
          );
        }
        const info = await loadCheckpoint(folder.checkpoint, {
          modules: checkpointModules,
          optimizers,
        });
        const state = checkTrainState(info.extra, folder.checkpoint);
        if (state.harness !== harness.name) {
          throw new StateDictError(
            `train: the checkpoint was written by the '${String(state?.harness)}' harness; this run is '${harness.name}'`,
          );
        }
        if (!sameJson(state.config, harness.config)) {
          throw new ArgumentError(
            `train: the checkpoint's ${harness.name} options differ from this run's; resume with the same options (saved: ${JSON.stringify(state.config)})`,
          );
        }
        if (
          state.batch !== batchSize ||
          state.seed !== seed ||
          (state.ema ?? null) !== (emaBeta ?? null)
        ) {
          throw new ArgumentError(
            `train: resume with the batch, seed and ema of the checkpoint (batch ${state.batch}, seed ${state.seed}, ema ${state.ema}), got batch ${batchSize}, seed ${seed}, ema ${emaBeta ?? null}`,
          );
        }
        step = info.step;
        harnessRng.setState(info.rng as RngState);
        loader.position = state.position;
        schedule.setState(state.schedule);
        elapsedBefore = state.elapsed;
        lastLosses = state.lastLosses ?? {};
        setRandomStates(checkpointModules, state.randomStates ?? {});
        harness.setState?.(state.harnessState);
        harness.afterLoad?.();
        checkpointStep = step;
        metrics = await folder.metricsUpTo(step);
        await folder.dropSamplesAfter(step);
      } else {
        await checkFreshFolder(folder, hasCheckpoint, options.force === true);
        if (options.force) await folder.clearRun(harness.generators.map((g) => `${g}.safetensors`));
        await folder.startMetrics();
      }
      await folder.writeJson('config.json', config);
    }

    // Fixed rows for the sample grids, taken once so every grid shows the same inputs.
    let sampleBatch: unknown;
    if (folder) {
      const source = options.sampleData ?? options.data;
      const n = Math.min(sampleCount, source.size ?? sampleCount);
      const { collate } = await import('@atelier/datasets');
      const items = (
        await Promise.all(Array.from({ length: n }, (_, i) => source.get(i, 0)))
      ).filter((s) => s !== undefined);
      sampleBatch = items.length > 0 ? collate(items as never) : undefined;
    }
    const sampleColumns: string[] = [];
    let sampledAt = -1;

    let stopRequested = false;
    const stop = () => {
      stopRequested = true;
    };
    options.signal?.addEventListener('abort', stop);
    if (options.signal?.aborted) stopRequested = true;
    let signalCount = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signalCount++;
      if (signalCount > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
      stop();
    };
    if (options.handleSignals) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }

    const started = Date.now();
    const elapsed = () => elapsedBefore + (Date.now() - started) / 1000;
    const rate = new StepRate();
    const pending: MetricsLine[] = [];
    let epochLosses: number[] = [];
    const currentLr = () => {
      const factor = schedule.factor();
      return Object.fromEntries(Object.entries(baseLr).map(([k, lr]) => [k, lr * factor]));
    };
    const groups: Record<string, string[]> = {};

    const progress = (phase: TrainProgress['phase']) => {
      const perSecond = rate.perSecond;
      const bySteps = perSecond > 0 ? (totalSteps - step) / perSecond : undefined;
      const byTime =
        maxSeconds !== undefined
          ? Math.max(0, maxSeconds - (Date.now() - started) / 1000)
          : undefined;
      options.onProgress?.({
        phase,
        step,
        totalSteps,
        epoch: loader.position.epoch,
        stepsPerSecond: perSecond,
        etaSeconds:
          byTime !== undefined && bySteps !== undefined
            ? Math.min(byTime, bySteps)
            : (bySteps ?? byTime),
        losses: lastLosses,
        lr: currentLr(),
        out: folder?.dir,
      });
    };

    const writeSamples = async () => {
      if (!folder || sampleBatch === undefined) return;
      // A diverged generator's grid would be refused as a NaN image: name the cause.
      await assertFinite();
      const generators: Record<string, Module> = {};
      for (const name of harness.generators)
        generators[name] = (shadows[`${name}_ema`] ?? harness.modules[name])!;
      sampledAt = step;
      const grid = isolated(generators, () =>
        tf.tidy(() => {
          const columns = harness.samples(sampleBatch, generators);
          sampleColumns.splice(0, sampleColumns.length, ...columns.map((c) => c.title));
          return sampleGrid(columns);
        }),
      );
      try {
        await folder.writeSample(step, grid);
      } finally {
        grid.dispose();
      }
    };

    const writeReport = async (
      status: 'running' | 'finished' | 'interrupted' | 'failed',
      message?: string,
    ) => {
      if (!folder) return;
      const html = renderReport({
        harness: harness.name,
        status,
        step,
        totalSteps,
        checkpointStep,
        groups,
        metrics,
        samples: await folder.samples(),
        config,
        columns: sampleColumns,
        updated: new Date().toISOString(),
        ...(message ? { message } : {}),
      });
      await folder.writeText('index.html', html);
    };

    const flushMetrics = async () => {
      if (folder) await folder.appendMetrics(pending);
      pending.length = 0;
    };

    // Every step's losses are watched on the device; the weights are checked before
    // anything is written from them, so no checkpoint or export ever holds a NaN.
    const watch = new LossWatch();
    const diverged = (at: number, what: string) =>
      new DivergenceError(
        `train: the run diverged at step ${at}: ${what}; ${
          checkpointStep !== undefined
            ? `the checkpoint of step ${checkpointStep} is the last finite one (nothing later was saved)`
            : 'no checkpoint was written'
        }`,
        at,
        checkpointStep,
      );
    const assertFinite = async () => {
      const bad = await watch.firstBadStep();
      if (bad !== undefined) throw diverged(bad, 'a loss was NaN or infinite');
      const weight = await nonFiniteWeight(checkpointModules);
      if (weight !== undefined)
        throw diverged(step, `${weight} holds NaN or infinite values (the losses were finite)`);
    };

    const checkpoint = async () => {
      if (!folder) return;
      await assertFinite();
      await flushMetrics();
      const state: TrainState = {
        trainer: FORMAT_VERSION,
        harness: harness.name,
        config: harness.config,
        batch: batchSize,
        seed,
        position: loader.position,
        schedule: schedule.state(),
        elapsed: elapsed(),
        ema: emaBeta ?? null,
        harnessState: harness.state?.() ?? null,
        randomStates: randomStates(checkpointModules),
        lastLosses,
      };
      await saveCheckpoint(folder.checkpoint, {
        modules: checkpointModules,
        optimizers,
        step,
        rng: harnessRng.state(),
        extra: state as unknown as Json,
      });
      checkpointStep = step;
      progress('checkpoint');
    };

    progress('start');
    let status: 'finished' | 'interrupted' = 'finished';
    try {
      if (folder && step === 0) {
        await writeSamples();
        await writeReport('running');
      }
      while (step < totalSteps) {
        if (stopRequested) {
          status = 'interrupted';
          break;
        }
        const loaded = [];
        for (let i = 0; i < perStep; i++) loaded.push(await loader.next());
        const batches = loaded.map((l) => l.batch);
        const epoch = loaded[0]!.epoch;
        let logged: Map<string, tf.Scalar>;
        try {
          for (const b of batches) harness.check(b);
          const lr = currentLr();
          for (const [name, spec] of Object.entries(harness.optimizers))
            setLearningRate(spec.optimizer, lr[name]!);
          const run = new StepRun(step, epoch, harnessRng, harness, variables);
          try {
            harness.step(batches, run);
          } catch (error) {
            run.abort();
            throw error;
          }
          logged = run.finish();
          for (const [group, terms] of run.groups()) {
            const list = (groups[group] ??= []);
            for (const t of terms) if (!list.includes(t)) list.push(t);
          }
        } finally {
          for (const b of batches) disposeBatch(b);
        }
        for (const e of emas) e.update();
        step++;
        watch.observe(step, logged.values());
        rate.tick(Date.now());
        const epochEnded = loaded.some((l) => l.lastOfEpoch);
        if (step % logEvery === 0 || epochEnded || step === totalSteps) {
          const values = await readScalars(logged);
          const badStep = await watch.firstBadStep();
          if (badStep !== undefined) {
            tf.dispose([...logged.values()]);
            const now = Object.entries(values).filter(([, v]) => !Number.isFinite(v));
            throw diverged(
              badStep,
              `a loss was NaN or infinite${now.length > 0 ? ` (at step ${step}: ${now.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
            );
          }
          lastLosses = values;
          const line: MetricsLine = {
            step,
            epoch,
            elapsed: Number(elapsed().toFixed(3)),
            lr: currentLr(),
            losses: values,
          };
          metrics.push(line);
          pending.push(line);
          if (harness.monitor !== undefined && values[harness.monitor] !== undefined)
            epochLosses.push(values[harness.monitor]!);
        }
        tf.dispose([...logged.values()]);
        if (epochEnded) {
          const metric =
            epochLosses.length > 0
              ? epochLosses.reduce((a, b) => a + b, 0) / epochLosses.length
              : undefined;
          schedule.endEpoch(metric);
          epochLosses = [];
        }
        await loader.settled();
        progress('step');
        if (folder && (step % sampleEvery === 0 || step === totalSteps)) {
          await flushMetrics();
          await writeSamples();
          await writeReport('running');
        }
        if (folder && checkpointEvery > 0 && step % checkpointEvery === 0 && step < totalSteps)
          await checkpoint();
        if (maxSeconds !== undefined && (Date.now() - started) / 1000 >= maxSeconds) {
          // The time budget ends the run: its length is the steps it made.
          totalSteps = step;
          break;
        }
      }
      if (!folder) await assertFinite();
      if (folder) {
        if (sampledAt !== step) {
          await flushMetrics();
          await writeSamples();
        }
        await checkpoint();
        if (status === 'finished') await exportGenerators(folder, harness, shadows);
        await writeReport(
          status,
          status === 'interrupted' ? 'interrupted: resume with --resume' : undefined,
        );
      }
    } catch (error) {
      await flushMetrics().catch(() => undefined);
      await writeReport('failed', (error as Error).message).catch(() => undefined);
      throw error;
    } finally {
      if (options.handleSignals) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      options.signal?.removeEventListener('abort', stop);
      await loader.close();
      watch.dispose();
      if (sampleBatch !== undefined) disposeBatch(sampleBatch);
    }
    progress(status === 'finished' ? 'done' : 'interrupted');
    return {
      status,
      step,
      epoch: loader.position.epoch,
      losses: lastLosses,
      metrics,
      out: folder?.dir,
      report: folder?.report,
    };
  } finally {
    for (const shadow of Object.values(shadows)) shadow.dispose();
  }
}

/**
 * A new run goes into an empty folder only, unless forced: files there, a user's or
 * a run's killed before its first checkpoint, would be replaced (config.json,
 * metrics.jsonl, index.html), and a run with a checkpoint is resumed, not restarted.
 */
async function checkFreshFolder(
  folder: RunFolder,
  hasCheckpoint: boolean,
  force: boolean,
): Promise<void> {
  if (force) return;
  if (hasCheckpoint) {
    throw new ArgumentError(
      `train: ${folder.dir} already holds a run; resume it (--resume), choose another folder, or start it over with force (--force)`,
    );
  }
  const contents = await folder.contents();
  if (contents.length > 0) {
    const shown = contents.slice(0, 5).join(', ') + (contents.length > 5 ? ', ...' : '');
    throw new ArgumentError(
      `train: ${folder.dir} is not empty (${shown}) and holds no run to resume; choose an empty folder, or write the run over it with force (--force)`,
    );
  }
}

/** Sets an optimizer's learning rate (tfjs reads the field at every update). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate?: number };
  if (typeof o.learningRate !== 'number') {
    throw new ArgumentError(
      `train: the optimizer ${optimizer.getClassName()} has no learning rate to schedule`,
    );
  }
  o.learningRate = lr;
}

/**
 * Writes each generator's weights (the EMA's where kept) as `<name>.safetensors` in
 * PyTorch's layout and key names: the file `atelier translate --weights` and PyTorch's
 * reference implementation both load.
 */
async function exportGenerators(
  folder: RunFolder,
  harness: Harness,
  shadows: Record<string, Module>,
): Promise<void> {
  for (const name of harness.generators) {
    const module = shadows[`${name}_ema`] ?? harness.modules[name]!;
    const state = module.stateDict({ to: 'torch' });
    try {
      const bytes = await writeSafetensors(state, {
        format: 'pt',
        'atelier.harness': harness.name,
        'atelier.module': name,
        'atelier.config': JSON.stringify(harness.config),
      });
      await writeFileAtomic(folder.file(`${name}.safetensors`), bytes);
    } finally {
      tf.dispose(Object.values(state));
    }
  }
}
