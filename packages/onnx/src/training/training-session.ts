import { ArgumentError, describe, tf } from '@atelier/core';
import { encodeOnnxModel } from '../onnx-model.js';
import { loadOnnxRuntime, type OrtRuntime, type OrtSession, type OrtTensor } from '../runtime.js';
import { replayDraw } from './random-draws.js';
import type { TrainingStepGraph } from './trace-training-step.js';

export interface TrainingSessionOptions {
  /** Threads onnxruntime uses inside an op; its default when absent. */
  threads?: number;
}

function ortTensorOf(ort: OrtRuntime, data: tf.TypedArray | Uint8Array, t: tf.Tensor): OrtTensor {
  const type = t.dtype === 'int32' ? 'int32' : t.dtype === 'bool' ? 'bool' : 'float32';
  return new ort.Tensor(type, data as Float32Array, t.shape);
}

/**
 * A traced training step run by onnxruntime. The state (parameters, optimizer moments,
 * norm statistics) stays in onnxruntime's tensors from run to run: each run's state
 * outputs are the next run's inputs, and nothing goes back to the tfjs variables until
 * `syncToTfjs` (checkpoints, samples, EMA, the end of a run).
 */
export class TrainingSession {
  readonly #ort: OrtRuntime;
  readonly #session: OrtSession;
  readonly #graph: TrainingStepGraph;
  readonly #state = new Map<string, OrtTensor>();
  /** The latest value of each state slot that is produced (by output name). */
  readonly #produced = new Map<string, OrtTensor>();
  #synced = true;

  private constructor(ort: OrtRuntime, session: OrtSession, graph: TrainingStepGraph) {
    this.#ort = ort;
    this.#session = session;
    this.#graph = graph;
  }

  /** Compiles the graph and takes the state's current values from the tfjs variables. */
  static async create(
    graph: TrainingStepGraph,
    options: TrainingSessionOptions = {},
  ): Promise<TrainingSession> {
    const threads = options.threads;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
      throw new ArgumentError(
        `TrainingSession: threads must be a positive integer, got ${describe(threads)}`,
      );
    }
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(encodeOnnxModel(graph.model), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      interOpNumThreads: 1,
      ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
    });
    const training = new TrainingSession(ort, session, graph);
    await training.loadFromTfjs();
    return training;
  }

  get graph(): TrainingStepGraph {
    return this.#graph;
  }

  /** Reads the state from the tfjs variables (after a checkpoint was loaded into them). */
  async loadFromTfjs(): Promise<void> {
    this.#state.clear();
    for (const slot of this.#graph.state) {
      if (slot.input === undefined) continue;
      const data = await slot.variable.data();
      this.#state.set(slot.input, ortTensorOf(this.#ort, data.slice(), slot.variable));
    }
    this.#produced.clear();
    this.#synced = true;
  }

  /**
   * One step: draws the step's random tensors from their streams (as the tfjs step
   * would, in the same order), feeds them with `feeds`, runs, and keeps the new state.
   * Returns the step's results by name.
   */
  async run(feeds: Record<string, tf.Tensor>): Promise<Record<string, Float32Array>> {
    const inputs: Record<string, OrtTensor> = {};
    for (const name of this.#graph.feeds) {
      const t = feeds[name];
      if (!(t instanceof tf.Tensor))
        throw new ArgumentError(
          `TrainingSession.run: no tensor fed as '${name}', got ${describe(t)}`,
        );
      inputs[name] = ortTensorOf(this.#ort, await t.data(), t);
    }
    for (const draw of this.#graph.draws) {
      const t = replayDraw(draw);
      try {
        inputs[draw.input] = ortTensorOf(this.#ort, await t.data(), t);
      } finally {
        t.dispose();
      }
    }
    for (const [name, value] of this.#state) inputs[name] = value;
    const results = await this.#session.run(inputs);
    for (const slot of this.#graph.state) {
      if (slot.output === undefined) continue;
      const next = results[slot.output]!;
      this.#produced.set(slot.output, next);
      if (slot.input !== undefined) this.#state.set(slot.input, next);
    }
    this.#synced = false;
    const out: Record<string, Float32Array> = {};
    for (const name of this.#graph.outputs) out[name] = results[name]!.data as Float32Array;
    return out;
  }

  /** Writes the state onnxruntime holds into the tfjs variables. */
  syncToTfjs(): void {
    if (this.#synced) return;
    for (const slot of this.#graph.state) {
      if (slot.output === undefined) continue;
      const value = this.#produced.get(slot.output);
      if (!value) continue;
      const v = slot.variable;
      tf.tidy(() => {
        v.assign(tf.tensor(value.data as Float32Array, v.shape, v.dtype));
      });
    }
    this.#synced = true;
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}
