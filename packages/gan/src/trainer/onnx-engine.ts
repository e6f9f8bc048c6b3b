import { BackendError, type Rng, tf } from '@atelier/core';
import type { Harness } from './harness.js';
import { StepRun } from './step-context.js';

/**
 * Which engine runs the training steps: 'tfjs' (the current backend), 'onnxruntime'
 * (each step traced once per batch shape into an ONNX graph run by onnxruntime-node;
 * Node only, needs @atelier/onnx and onnxruntime-node) or 'auto' (onnxruntime where it
 * loads and the harness's step traces, tfjs otherwise).
 */
export type TrainEngine = 'tfjs' | 'onnxruntime' | 'auto';

export const TRAIN_ENGINES: readonly TrainEngine[] = ['tfjs', 'onnxruntime', 'auto'];

/** The part of @atelier/onnx the engine uses: an optional peer, loaded on demand. */
interface OnnxTraining {
  traceTrainingStep(spec: {
    what: string;
    feeds: Record<string, tf.Tensor>;
    step(): Record<string, tf.Tensor>;
    undo?(): void;
  }): Promise<{ model: unknown }>;
  encodeOnnxModel(model: unknown): Uint8Array;
  TrainingSession: {
    create(graph: unknown, options?: { threads?: number }): Promise<OnnxSessionLike>;
  };
  adamUpdate(
    optimizer: tf.Optimizer,
    gradients: tf.NamedTensorMap,
    negativeLr: tf.Scalar,
    what: string,
  ): void;
  ensureAdamMoments(optimizer: tf.Optimizer, variables: tf.Variable[], what: string): void;
  OnnxTrainingError: new (message: string, unsupported: string[]) => Error;
}

interface OnnxSessionLike {
  loadFromTfjs(): Promise<void>;
  run(feeds: Record<string, tf.Tensor>): Promise<Record<string, Float32Array>>;
  syncToTfjs(): void;
  release(): Promise<void>;
}

/** @atelier/onnx with onnxruntime-node, or a BackendError saying what to install. */
async function loadOnnxTraining(what: string): Promise<OnnxTraining> {
  const specifier = '@atelier/onnx';
  try {
    const onnx = (await import(/* @vite-ignore */ specifier)) as OnnxTraining & {
      loadOnnxRuntime(): Promise<unknown>;
    };
    await onnx.loadOnnxRuntime();
    return onnx;
  } catch (error) {
    throw new BackendError(
      `${what}: engine 'onnxruntime' needs @atelier/onnx and onnxruntime-node in Node (npm i @atelier/onnx onnxruntime-node)`,
      { cause: error },
    );
  }
}

/** Every tensor of a batch (a tensor, or records and arrays of them), with a path. */
function batchTensors(value: unknown, path: string, out: [string, tf.Tensor][]): void {
  if (value instanceof tf.Tensor) out.push([path, value]);
  else if (Array.isArray(value))
    value.forEach((v, i) => {
      batchTensors(v, `${path}_${i}`, out);
    });
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value))
      batchTensors(v, `${path}_${k.replace(/\W/g, '_')}`, out);
}

function feedsOf(batches: unknown[]): [string, tf.Tensor][] {
  const out: [string, tf.Tensor][] = [];
  batches.forEach((b, i) => {
    batchTensors(b, `batch${i}`, out);
  });
  return out;
}

interface Compiled {
  session: OnnxSessionLike;
  /** Updates per optimizer in one step: each counts one Adam iteration. */
  updates: Map<string, number>;
  groups: Map<string, string[]>;
}

/**
 * Runs a harness's steps on onnxruntime: the first step of each batch shape is traced
 * (a dry run on tfjs, undone) into one graph of all the step's updates, which then
 * runs every step with the weights, Adam's moments and norm statistics kept in
 * onnxruntime. `sync()` writes them back to the harness's modules, which the trainer
 * does before samples, checkpoints, EMA and the end of the run.
 */
export class OnnxStepEngine {
  readonly #onnx: OnnxTraining;
  readonly #harness: Harness;
  readonly #variables: Map<string, tf.Variable[]>;
  readonly #compiled = new Map<string, Compiled>();
  #current: Compiled | undefined;

  private constructor(onnx: OnnxTraining, harness: Harness, variables: Map<string, tf.Variable[]>) {
    this.#onnx = onnx;
    this.#harness = harness;
    this.#variables = variables;
  }

  static async create(
    harness: Harness,
    variables: Map<string, tf.Variable[]>,
  ): Promise<OnnxStepEngine> {
    const onnx = await loadOnnxTraining(`train: harness '${harness.name}'`);
    return new OnnxStepEngine(onnx, harness, variables);
  }

  /** Whether `error` is the engine's refusal of a step it cannot trace. */
  isRefusal(error: unknown): boolean {
    return error instanceof this.#onnx.OnnxTrainingError;
  }

  /** The negative learning rates, one scalar per optimizer, as tfjs's Adam multiplies. */
  #rates(lr: Record<string, number>): Record<string, tf.Scalar> {
    return Object.fromEntries(
      Object.keys(this.#harness.optimizers).map((name) => [`lr_${name}`, tf.scalar(-lr[name]!)]),
    );
  }

  /**
   * Traces the step for this batch shape into a graph and opens its session. The step
   * is traced twice, as steps `step` and `step + 1`, with the harness's host-side state
   * (pools, counters) left to change between the two: a step whose graph differs is
   * steered by something a graph cannot hold and is refused, never run wrongly. The
   * harness's state is put back afterwards.
   */
  async #compile(
    batches: unknown[],
    epoch: number,
    step: number,
    rng: Rng,
    lr: Record<string, number>,
  ): Promise<Compiled> {
    const harness = this.#harness;
    const what = `train: harness '${harness.name}'`;
    this.sync();
    for (const [name, spec] of Object.entries(harness.optimizers))
      this.#onnx.ensureAdamMoments(spec.optimizer, this.#variables.get(name)!, what);
    const saved = harness.state?.();
    const rates = this.#rates(lr);
    try {
      const first = await this.#trace(batches, epoch, step, rng, rates, what);
      const second = await this.#trace(batches, epoch, step + 1, rng, rates, what);
      const [a, b] = [first.graph.model, second.graph.model].map((m) =>
        this.#onnx.encodeOnnxModel(m),
      );
      if (a!.length !== b!.length || a!.some((v, i) => v !== b![i])) {
        throw new this.#onnx.OnnxTrainingError(
          `${what}: its step is not the same graph from one step to the next (host-side state such as an image pool, or the step index, steers it); run it with engine 'tfjs'`,
          ['host-side state'],
        );
      }
      const session = await this.#onnx.TrainingSession.create(first.graph);
      return { session, updates: first.updates, groups: first.groups };
    } finally {
      tf.dispose(Object.values(rates));
      if (saved !== undefined) harness.setState?.(saved);
      harness.afterLoad?.();
    }
  }

  /** One dry-run trace of the step, every update's Adam step taking its rate as an input. */
  async #trace(
    batches: unknown[],
    epoch: number,
    step: number,
    rng: Rng,
    rates: Record<string, tf.Scalar>,
    what: string,
  ) {
    const harness = this.#harness;
    const updates = new Map<string, number>();
    let groups = new Map<string, string[]>();
    const originals = new Map<tf.Optimizer, tf.Optimizer['applyGradients']>();
    const graph = await this.#onnx.traceTrainingStep({
      what,
      feeds: { ...Object.fromEntries(feedsOf(batches)), ...rates },
      step: () => {
        for (const [name, spec] of Object.entries(harness.optimizers)) {
          const optimizer = spec.optimizer;
          originals.set(optimizer, optimizer.applyGradients);
          optimizer.applyGradients = (gradients) => {
            updates.set(name, (updates.get(name) ?? 0) + 1);
            this.#onnx.adamUpdate(
              optimizer,
              gradients as tf.NamedTensorMap,
              rates[`lr_${name}`]!,
              what,
            );
          };
        }
        const run = new StepRun(step, epoch, rng, harness, this.#variables);
        try {
          harness.step(batches, run);
        } catch (error) {
          run.abort();
          throw error;
        } finally {
          for (const [optimizer, original] of originals) optimizer.applyGradients = original;
        }
        groups = run.groups();
        return Object.fromEntries(run.finish());
      },
      undo: () => {
        for (const [name, count] of updates) {
          const o = harness.optimizers[name]!.optimizer as unknown as { iterations_: number };
          o.iterations_ -= count;
        }
      },
    });
    return { graph, updates, groups };
  }

  /**
   * One step on onnxruntime; returns the logged terms (scalars the caller disposes) and
   * which optimizer logged each.
   */
  async step(
    batches: unknown[],
    epoch: number,
    step: number,
    rng: Rng,
    lr: Record<string, number>,
  ): Promise<{ logged: Map<string, tf.Scalar>; groups: Map<string, string[]> }> {
    const feeds = feedsOf(batches);
    const key = feeds.map(([name, t]) => `${name}:${t.dtype}:${t.shape.join('x')}`).join(',');
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      compiled = await this.#compile(batches, epoch, step, rng, lr);
      this.#compiled.set(key, compiled);
      this.#current = compiled;
    }
    if (this.#current !== compiled) {
      // Another shape's session holds the latest state: through tfjs to this one.
      this.sync();
      this.#current = compiled;
      await compiled.session.loadFromTfjs();
    }
    const rates = this.#rates(lr);
    let results: Record<string, Float32Array>;
    try {
      results = await compiled.session.run({ ...Object.fromEntries(feeds), ...rates });
    } finally {
      tf.dispose(Object.values(rates));
    }
    for (const [name, count] of compiled.updates) {
      const o = this.#harness.optimizers[name]!.optimizer as unknown as { iterations_: number };
      o.iterations_ += count;
    }
    const logged = new Map<string, tf.Scalar>();
    for (const [name, values] of Object.entries(results)) logged.set(name, tf.scalar(values[0]!));
    return { logged, groups: compiled.groups };
  }

  /** Writes the state onnxruntime holds back into the harness's modules and optimizers. */
  sync(): void {
    this.#current?.session.syncToTfjs();
  }

  async dispose(): Promise<void> {
    for (const c of this.#compiled.values()) await c.session.release();
    this.#compiled.clear();
    this.#current = undefined;
  }
}
