import {
  ArgumentError,
  currentBackend,
  loadCheckpoint,
  type Module,
  type Rng,
  type RngState,
  rng,
  StateDictError,
  saveCheckpoint,
  tf,
  writeFileAtomic,
  writeSafetensors,
} from '@atelier/core';
import { createSchedule } from '../schedules/create-schedule.js';
import type { LrSchedule } from '../schedules/schedule.js';
import { Ema } from '../training/ema.js';
import { BatchLoader, disposeBatch } from './batch-loader.js';
import { DivergenceError, LossWatch, nonFiniteWeight } from './divergence.js';
import type { Harness, Json } from './harness.js';
import { isolated } from './isolated.js';
import type { MetricsLine } from './metrics-line.js';
import { OnnxStepEngine } from './onnx-engine.js';
import { StepRate, type TrainProgress } from './progress.js';
import { randomStates, setRandomStates } from './random-states.js';
import { renderReport } from './report.js';
import { RunFolder } from './run-folder.js';
import { sampleGrid } from './sample-grid.js';
import { optimizerVariables, StepRun } from './step-context.js';
import {
  positiveInt,
  type TrainOptions,
  type TrainResult,
  type TrainSettings,
} from './train-options.js';
import { checkTrainState, TRAIN_STATE_VERSION, type TrainState } from './train-state.js';

type RunStatus = 'finished' | 'interrupted';

/**
 * One call of `train`: the state a run carries from its start to its end, and the named
 * steps `train` takes — open the folder (a fresh run or a resume), loop over the steps,
 * finish (samples, checkpoint, exported weights, report), dispose.
 */
export class TrainRun {
  readonly loader: BatchLoader<unknown>;
  readonly schedule: LrSchedule;
  readonly harnessRng: Rng;
  readonly variables: Map<string, tf.Variable[]>;
  readonly baseLr: Record<string, number>;
  readonly emas: Ema[] = [];
  /** EMA shadows by `<generator>_ema`: modules of the checkpoint too. */
  readonly shadows: Record<string, Module> = {};
  totalSteps: number;
  step = 0;
  folder: RunFolder | undefined;
  config: Record<string, Json> = {};
  lastLosses: Record<string, number> = {};
  metrics: MetricsLine[] = [];
  checkpointStep: number | undefined;
  /** Term names by the optimizer whose update logged them (one report chart each). */
  readonly groups: Record<string, string[]> = {};
  #elapsedBefore = 0;
  #started = Date.now();
  readonly #rate = new StepRate();
  readonly #pending: MetricsLine[] = [];
  #epochLosses: number[] = [];
  // Every step's losses are watched on the device; the weights are checked before
  // anything is written from them, so no checkpoint or export ever holds a NaN.
  readonly #watch = new LossWatch();
  #sampleBatch: unknown;
  readonly #sampleColumns: string[] = [];
  #sampledAt = -1;
  #stopRequested = false;
  #signalCount = 0;
  /** The onnxruntime engine, when it runs the steps. */
  #engine: OnnxStepEngine | undefined;

  constructor(
    readonly harness: Harness,
    readonly options: TrainOptions,
    readonly settings: TrainSettings,
  ) {
    const { batchSize, seed, perStep } = settings;
    this.loader = new BatchLoader<unknown>(options.data, batchSize, seed, options.shuffle ?? true);
    const stepsPerEpoch = Math.max(1, Math.floor(this.loader.batchesPerEpoch / perStep));
    this.totalSteps =
      options.epochs !== undefined
        ? positiveInt(options.epochs, 'epochs', 1) * stepsPerEpoch
        : positiveInt(options.steps, 'steps', stepsPerEpoch);
    this.schedule = createSchedule(options.schedule);
    this.harnessRng = rng(seed).fork('harness');
    this.variables = optimizerVariables(harness);
    this.baseLr = Object.fromEntries(Object.entries(harness.optimizers).map(([k, o]) => [k, o.lr]));
  }

  /** Makes the EMA shadows (the trainer's: `dispose` removes them however the run ends). */
  createShadows(): void {
    const beta = this.settings.emaBeta;
    if (beta === undefined) return;
    for (const name of this.harness.generators) {
      const source = this.harness.modules[name];
      if (!source)
        throw new ArgumentError(
          `harness '${this.harness.name}' names a generator '${name}' it lacks`,
        );
      const shadow = this.harness.createModule(name);
      this.emas.push(new Ema(source, shadow, beta));
      this.shadows[`${name}_ema`] = shadow;
    }
  }

  get checkpointModules(): Record<string, Module> {
    return { ...this.harness.modules, ...this.shadows };
  }

  get optimizers(): Record<string, tf.Optimizer> {
    return Object.fromEntries(
      Object.entries(this.harness.optimizers).map(([k, o]) => [k, o.optimizer]),
    );
  }

  /** Seconds the run has trained, across resumes. */
  elapsed(): number {
    return this.#elapsedBefore + (Date.now() - this.#started) / 1000;
  }

  currentLr(): Record<string, number> {
    const factor = this.schedule.factor();
    return Object.fromEntries(Object.entries(this.baseLr).map(([k, lr]) => [k, lr * factor]));
  }

  /** Opens the run folder: resumes from its checkpoint or starts a fresh run there. */
  async open(): Promise<void> {
    const { options, harness, settings } = this;
    this.folder = options.out ? await RunFolder.open(options.out) : undefined;
    this.config = {
      harness: harness.name,
      options: harness.config,
      train: {
        batch: settings.batchSize,
        steps: this.totalSteps,
        seed: settings.seed,
        checkpointEvery: settings.checkpointEvery,
        logEvery: settings.logEvery,
        sampleEvery: settings.sampleEvery,
        sampleCount: settings.sampleCount,
        shuffle: options.shuffle ?? true,
        schedule: (options.schedule ?? { kind: 'constant' }) as Json,
        ema: settings.emaBeta ?? null,
        ...(settings.engine !== 'tfjs' ? { engine: settings.engine } : {}),
      },
      data: options.dataDescription ?? null,
      backend: currentBackend()?.name ?? tf.getBackend(),
    };
    const folder = this.folder;
    if (!folder) return;
    const hasCheckpoint = await folder.exists('checkpoint.safetensors');
    if (options.resume) {
      await this.#resume(folder, hasCheckpoint);
    } else {
      await checkFreshFolder(folder, hasCheckpoint, options.force === true);
      if (options.force) await folder.clearRun(harness.generators.map((g) => `${g}.safetensors`));
      await folder.startMetrics();
    }
    await folder.writeJson('config.json', this.config);
    await this.#takeSampleBatch(folder);
  }

  /**
   * Loads the onnxruntime engine when asked for; 'auto' stays on tfjs where it does not
   * load (a browser, or @atelier/onnx or onnxruntime-node missing).
   */
  async startEngine(): Promise<void> {
    const choice = this.settings.engine;
    if (choice === 'tfjs') return;
    const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
    if (choice === 'auto' && !inNode) return;
    try {
      this.#engine = await OnnxStepEngine.create(this.harness, this.variables);
    } catch (error) {
      if (choice === 'auto') return;
      throw error;
    }
  }

  /** The engine that ran the last step ('tfjs' before any). */
  engine: 'tfjs' | 'onnxruntime' = 'tfjs';

  /** Loads the checkpoint and every state a bit-identical continuation needs. */
  async #resume(folder: RunFolder, hasCheckpoint: boolean): Promise<void> {
    const { harness, settings } = this;
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
    const modules = this.checkpointModules;
    const info = await loadCheckpoint(folder.checkpoint, {
      modules,
      optimizers: this.optimizers,
    });
    const state = checkTrainState(info.extra, folder.checkpoint);
    if (state.harness !== harness.name) {
      throw new StateDictError(
        `train: the checkpoint was written by the '${String(state?.harness)}' harness; this run is '${harness.name}'`,
      );
    }
    if (JSON.stringify(state.config) !== JSON.stringify(harness.config)) {
      throw new ArgumentError(
        `train: the checkpoint's ${harness.name} options differ from this run's; resume with the same options (saved: ${JSON.stringify(state.config)})`,
      );
    }
    const ema = settings.emaBeta ?? null;
    if (
      state.batch !== settings.batchSize ||
      state.seed !== settings.seed ||
      (state.ema ?? null) !== ema
    ) {
      throw new ArgumentError(
        `train: resume with the batch, seed and ema of the checkpoint (batch ${state.batch}, seed ${state.seed}, ema ${state.ema}), got batch ${settings.batchSize}, seed ${settings.seed}, ema ${ema}`,
      );
    }
    this.step = info.step;
    this.harnessRng.setState(info.rng as RngState);
    this.loader.position = state.position;
    this.schedule.setState(state.schedule);
    this.#elapsedBefore = state.elapsed;
    this.lastLosses = state.lastLosses ?? {};
    setRandomStates(modules, state.randomStates ?? {});
    harness.setState?.(state.harnessState);
    harness.afterLoad?.();
    this.checkpointStep = this.step;
    this.metrics = await folder.metricsUpTo(this.step);
    await folder.dropSamplesAfter(this.step);
  }

  /** Fixed rows for the sample grids, taken once so every grid shows the same inputs. */
  async #takeSampleBatch(folder: RunFolder | undefined): Promise<void> {
    if (!folder) return;
    const source = this.options.sampleData ?? this.options.data;
    const n = Math.min(this.settings.sampleCount, source.size ?? this.settings.sampleCount);
    const { collate } = await import('@atelier/datasets');
    const items = (await Promise.all(Array.from({ length: n }, (_, i) => source.get(i, 0)))).filter(
      (s) => s !== undefined,
    );
    this.#sampleBatch = items.length > 0 ? collate(items as never) : undefined;
  }

  readonly #stop = () => {
    this.#stopRequested = true;
  };

  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.#signalCount++;
    if (this.#signalCount > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    this.#stop();
  };

  /** Listens for the abort signal (and SIGINT/SIGTERM where asked); `dispose` stops. */
  listen(): void {
    this.options.signal?.addEventListener('abort', this.#stop);
    if (this.options.signal?.aborted) this.#stopRequested = true;
    if (this.options.handleSignals) {
      process.on('SIGINT', this.#onSignal);
      process.on('SIGTERM', this.#onSignal);
    }
  }

  progress(phase: TrainProgress['phase']): void {
    const { maxSeconds } = this.settings;
    const perSecond = this.#rate.perSecond;
    const bySteps = perSecond > 0 ? (this.totalSteps - this.step) / perSecond : undefined;
    const byTime =
      maxSeconds !== undefined
        ? Math.max(0, maxSeconds - (Date.now() - this.#started) / 1000)
        : undefined;
    this.options.onProgress?.({
      phase,
      step: this.step,
      totalSteps: this.totalSteps,
      epoch: this.loader.position.epoch,
      stepsPerSecond: perSecond,
      etaSeconds:
        byTime !== undefined && bySteps !== undefined
          ? Math.min(byTime, bySteps)
          : (bySteps ?? byTime),
      losses: this.lastLosses,
      lr: this.currentLr(),
      out: this.folder?.dir,
    });
  }

  /** The steps up to `totalSteps`, the time budget or a stop request, then `finish`. */
  async loop(): Promise<RunStatus> {
    this.#started = Date.now();
    const { folder, settings } = this;
    this.progress('start');
    let status: RunStatus = 'finished';
    try {
      if (folder && this.step === 0) {
        await this.writeSamples();
        await this.writeReport('running');
      }
      while (this.step < this.totalSteps) {
        if (this.#stopRequested) {
          status = 'interrupted';
          break;
        }
        await this.#trainStep();
        if (
          settings.maxSeconds !== undefined &&
          (Date.now() - this.#started) / 1000 >= settings.maxSeconds
        ) {
          // The time budget ends the run: its length is the steps it made.
          this.totalSteps = this.step;
          break;
        }
      }
      await this.finish(status);
    } catch (error) {
      await this.#flushMetrics().catch(() => undefined);
      await this.writeReport('failed', (error as Error).message).catch(() => undefined);
      throw error;
    }
    return status;
  }

  /** One step: its batches, the harness's updates, EMA, metrics, samples and checkpoint. */
  async #trainStep(): Promise<void> {
    const { harness, settings, folder } = this;
    const loaded = [];
    for (let i = 0; i < settings.perStep; i++) loaded.push(await this.loader.next());
    const batches = loaded.map((l) => l.batch);
    const epoch = loaded[0]!.epoch;
    let logged: Map<string, tf.Scalar>;
    try {
      for (const b of batches) harness.check(b);
      logged = await this.#runUpdates(batches, epoch);
    } finally {
      for (const b of batches) disposeBatch(b);
    }
    if (this.emas.length > 0) this.#engine?.sync();
    for (const e of this.emas) e.update();
    this.step++;
    this.#watch.observe(this.step, logged.values());
    this.#rate.tick(Date.now());
    const epochEnded = loaded.some((l) => l.lastOfEpoch);
    const { step, totalSteps } = this;
    if (step % settings.logEvery === 0 || epochEnded || step === totalSteps)
      await this.#logMetrics(logged, epoch);
    tf.dispose([...logged.values()]);
    if (epochEnded) this.#endEpoch();
    await this.loader.settled();
    this.progress('step');
    if (folder && (step % settings.sampleEvery === 0 || step === totalSteps)) {
      await this.#flushMetrics();
      await this.writeSamples();
      await this.writeReport('running');
    }
    const every = settings.checkpointEvery;
    if (folder && every > 0 && step % every === 0 && step < totalSteps) await this.checkpoint();
  }

  /** The harness's step at this step's learning rates; returns its logged terms. */
  async #runUpdates(batches: unknown[], epoch: number): Promise<Map<string, tf.Scalar>> {
    const lr = this.currentLr();
    for (const [name, spec] of Object.entries(this.harness.optimizers))
      setLearningRate(spec.optimizer, lr[name]!);
    const engine = this.#engine;
    if (engine) {
      try {
        const { logged, groups } = await engine.step(
          batches,
          epoch,
          this.step,
          this.harnessRng,
          lr,
        );
        this.#addGroups(groups);
        this.engine = 'onnxruntime';
        return logged;
      } catch (error) {
        // 'auto' takes tfjs for a step that does not trace (the trace changed nothing).
        if (this.settings.engine !== 'auto' || !engine.isRefusal(error)) throw error;
        this.#engine = undefined;
        await engine.dispose();
      }
    }
    this.engine = 'tfjs';
    const run = new StepRun(this.step, epoch, this.harnessRng, this.harness, this.variables);
    try {
      this.harness.step(batches, run);
    } catch (error) {
      run.abort();
      throw error;
    }
    const logged = run.finish();
    this.#addGroups(run.groups());
    return logged;
  }

  #addGroups(groups: Map<string, string[]>): void {
    for (const [group, terms] of groups) {
      const list = (this.groups[group] ??= []);
      for (const t of terms) if (!list.includes(t)) list.push(t);
    }
  }

  /** Reads the step's terms (one transfer), refuses a diverged run, records the line. */
  async #logMetrics(logged: Map<string, tf.Scalar>, epoch: number): Promise<void> {
    const values = await readScalars(logged);
    const badStep = await this.#watch.firstBadStep();
    if (badStep !== undefined) {
      tf.dispose([...logged.values()]);
      const now = Object.entries(values).filter(([, v]) => !Number.isFinite(v));
      throw this.#diverged(
        badStep,
        `a loss was NaN or infinite${now.length > 0 ? ` (at step ${this.step}: ${now.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
      );
    }
    this.lastLosses = values;
    const line: MetricsLine = {
      step: this.step,
      epoch,
      elapsed: Number(this.elapsed().toFixed(3)),
      lr: this.currentLr(),
      losses: values,
    };
    this.metrics.push(line);
    this.#pending.push(line);
    const monitor = this.harness.monitor;
    if (monitor !== undefined && values[monitor] !== undefined)
      this.#epochLosses.push(values[monitor]!);
  }

  /** Steps the schedule with the epoch's mean monitored loss. */
  #endEpoch(): void {
    const losses = this.#epochLosses;
    const metric =
      losses.length > 0 ? losses.reduce((a, b) => a + b, 0) / losses.length : undefined;
    this.schedule.endEpoch(metric);
    this.#epochLosses = [];
  }

  /** The end of the loop: last samples, the checkpoint, exported weights, the report. */
  async finish(status: RunStatus): Promise<void> {
    const folder = this.folder;
    if (!folder) {
      await this.#assertFinite();
      return;
    }
    if (this.#sampledAt !== this.step) {
      await this.#flushMetrics();
      await this.writeSamples();
    }
    await this.checkpoint();
    if (status === 'finished') await exportGenerators(folder, this.harness, this.shadows);
    await this.writeReport(
      status,
      status === 'interrupted' ? 'interrupted: resume with --resume' : undefined,
    );
  }

  result(status: RunStatus): TrainResult {
    return {
      status,
      step: this.step,
      epoch: this.loader.position.epoch,
      losses: this.lastLosses,
      metrics: this.metrics,
      out: this.folder?.dir,
      report: this.folder?.report,
      engine: this.engine,
    };
  }

  async writeSamples(): Promise<void> {
    const folder = this.folder;
    const sampleBatch = this.#sampleBatch;
    if (!folder || sampleBatch === undefined) return;
    // A diverged generator's grid would be refused as a NaN image: name the cause.
    await this.#assertFinite();
    const generators: Record<string, Module> = {};
    for (const name of this.harness.generators)
      generators[name] = (this.shadows[`${name}_ema`] ?? this.harness.modules[name])!;
    this.#sampledAt = this.step;
    const columns = this.#sampleColumns;
    const grid = isolated(generators, () =>
      tf.tidy(() => {
        const made = this.harness.samples(sampleBatch, generators);
        columns.splice(0, columns.length, ...made.map((c) => c.title));
        return sampleGrid(made);
      }),
    );
    try {
      await folder.writeSample(this.step, grid);
    } finally {
      grid.dispose();
    }
  }

  async writeReport(
    status: 'running' | 'finished' | 'interrupted' | 'failed',
    message?: string,
  ): Promise<void> {
    const folder = this.folder;
    if (!folder) return;
    const html = renderReport({
      harness: this.harness.name,
      status,
      step: this.step,
      totalSteps: this.totalSteps,
      checkpointStep: this.checkpointStep,
      groups: this.groups,
      metrics: this.metrics,
      samples: await folder.samples(),
      config: this.config,
      columns: this.#sampleColumns,
      updated: new Date().toISOString(),
      ...(message ? { message } : {}),
    });
    await folder.writeText('index.html', html);
  }

  async #flushMetrics(): Promise<void> {
    if (this.folder) await this.folder.appendMetrics(this.#pending);
    this.#pending.length = 0;
  }

  #diverged(at: number, what: string): DivergenceError {
    const saved = this.checkpointStep;
    return new DivergenceError(
      `train: the run diverged at step ${at}: ${what}; ${
        saved !== undefined
          ? `the checkpoint of step ${saved} is the last finite one (nothing later was saved)`
          : 'no checkpoint was written'
      }`,
      at,
      saved,
    );
  }

  async #assertFinite(): Promise<void> {
    // Weights are read below: onnxruntime's go back to the modules first.
    this.#engine?.sync();
    const bad = await this.#watch.firstBadStep();
    if (bad !== undefined) throw this.#diverged(bad, 'a loss was NaN or infinite');
    const weight = await nonFiniteWeight(this.checkpointModules);
    if (weight !== undefined)
      throw this.#diverged(
        this.step,
        `${weight} holds NaN or infinite values (the losses were finite)`,
      );
  }

  async checkpoint(): Promise<void> {
    const folder = this.folder;
    if (!folder) return;
    await this.#assertFinite();
    await this.#flushMetrics();
    const { harness, settings } = this;
    const modules = this.checkpointModules;
    const state: TrainState = {
      trainer: TRAIN_STATE_VERSION,
      harness: harness.name,
      config: harness.config,
      batch: settings.batchSize,
      seed: settings.seed,
      position: this.loader.position,
      schedule: this.schedule.state(),
      elapsed: this.elapsed(),
      ema: settings.emaBeta ?? null,
      harnessState: harness.state?.() ?? null,
      randomStates: randomStates(modules),
      lastLosses: this.lastLosses,
    };
    await saveCheckpoint(folder.checkpoint, {
      modules,
      optimizers: this.optimizers,
      step: this.step,
      rng: this.harnessRng.state(),
      extra: state as unknown as Json,
    });
    this.checkpointStep = this.step;
    this.progress('checkpoint');
  }

  /** Stops listening, closes the loader and frees the run's tensors (not the shadows). */
  async close(): Promise<void> {
    // The modules hold the run's weights when it ends, however it ends.
    const engine = this.#engine;
    this.#engine = undefined;
    if (engine) {
      try {
        engine.sync();
      } finally {
        await engine.dispose();
      }
    }
    if (this.options.handleSignals) {
      process.off('SIGINT', this.#onSignal);
      process.off('SIGTERM', this.#onSignal);
    }
    this.options.signal?.removeEventListener('abort', this.#stop);
    await this.loader.close();
    this.#watch.dispose();
    if (this.#sampleBatch !== undefined) disposeBatch(this.#sampleBatch);
  }

  /** Removes the EMA shadows. */
  disposeShadows(): void {
    for (const shadow of Object.values(this.shadows)) shadow.dispose();
  }
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
