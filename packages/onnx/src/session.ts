import { ArgumentError, describe, isModule, type Module, tf } from '@atelier/core';
import { buildOnnxGraph, type OnnxGraphExport } from './export.js';
import { encodeOnnxModel } from './onnx-model.js';
import { loadOnnxRuntime, type OrtRuntime, type OrtSession } from './runtime.js';

export interface OnnxSessionOptions {
  /**
   * Threads onnxruntime uses inside an op; its default (one per physical core) when
   * absent.
   */
  threads?: number;
}

type Output = tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;

interface Compiled {
  graph: OnnxGraphExport;
  session: OrtSession;
}

/**
 * A module run natively on the CPU by onnxruntime: traced to ONNX on the first input of
 * each shape (the trace runs once, on the current tfjs backend), then run by
 * onnxruntime's own kernels. Inputs and outputs are tfjs tensors, NHWC, as the module's.
 * For inference: nothing is trained here, and weights are copied when a shape is first
 * seen (`refresh()` after changing them).
 */
export class OnnxSession {
  readonly #ort: OrtRuntime;
  readonly #options: Record<string, unknown>;
  readonly #compiled = new Map<string, Promise<Compiled>>();
  #disposed = false;

  /** @internal use createOnnxSession */
  constructor(
    readonly module: Module,
    ort: OrtRuntime,
    options: OnnxSessionOptions,
  ) {
    this.#ort = ort;
    this.#options = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      interOpNumThreads: 1,
      ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
    };
  }

  #compile(x: tf.Tensor): Promise<Compiled> {
    const key = x.shape.join('x');
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      compiled = (async () => {
        const graph = await buildOnnxGraph(this.module, { input: x });
        const session = await this.#ort.InferenceSession.create(
          encodeOnnxModel(graph.model),
          this.#options,
        );
        return { graph, session };
      })();
      compiled.catch(() => this.#compiled.delete(key));
      this.#compiled.set(key, compiled);
    }
    return compiled;
  }

  /** The module's output for `x` (float32, NHWC), computed by onnxruntime. */
  async run(x: tf.Tensor): Promise<Output> {
    if (this.#disposed) throw new ArgumentError('OnnxSession.run: the session was disposed');
    if (!(x instanceof tf.Tensor) || x.dtype !== 'float32') {
      throw new ArgumentError(`OnnxSession.run: expected a float32 tensor, got ${describe(x)}`);
    }
    const { graph, session } = await this.#compile(x);
    const feed = new this.#ort.Tensor('float32', (await x.data()) as Float32Array, x.shape);
    const results = await session.run({ [graph.inputName]: feed });
    const tensors = graph.outputNames.map((name) => {
      const r = results[name]!;
      return tf.tensor(
        r.data as Float32Array,
        [...r.dims],
        r.type === 'int32' ? 'int32' : 'float32',
      );
    });
    switch (graph.structure.kind) {
      case 'single':
        return tensors[0]!;
      case 'array':
        return tensors;
      case 'record':
        return Object.fromEntries(graph.structure.keys.map((k, i) => [k, tensors[i]!]));
    }
  }

  /** Forgets the compiled graphs: the next run traces the module (and its weights) again. */
  async refresh(): Promise<void> {
    const compiled = [...this.#compiled.values()];
    this.#compiled.clear();
    for (const c of compiled) await (await c.catch(() => undefined))?.session.release();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.refresh();
  }
}

/**
 * Runs `module` with onnxruntime-node (an optional peer dependency: install it beside
 * this package). Native CPU inference, several times faster than tfjs's wasm backend
 * for convolutional networks.
 */
export async function createOnnxSession(
  module: Module,
  options: OnnxSessionOptions = {},
): Promise<OnnxSession> {
  if (!isModule(module)) {
    throw new ArgumentError(`createOnnxSession: expected a Module, got ${describe(module)}`);
  }
  const threads = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new ArgumentError(
      `createOnnxSession: threads must be a positive integer, got ${describe(threads)}`,
    );
  }
  return new OnnxSession(module, await loadOnnxRuntime(), options);
}
