import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tfjs.js';
import { recordFactoryError } from './capture.js';

/**
 * Multi-threaded wasm in Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build whose emscripten glue supports
 * Node (worker_threads, a shared WebAssembly.Memory), but tfjs never uses it there:
 * its WASM_HAS_MULTITHREAD_SUPPORT flag is false in Node, and it would hand the glue
 * a pthread worker script as a blob: URL, which Node's Worker cannot load. The glue's
 * own XNNPACK thread pool is also capped at (logical cores / 2), one thread on a
 * 2-core machine. This file starts that build itself:
 * - pthread workers run tfjs's worker source (shipped as a string) with `eval: true`,
 *   through a Worker subclass put in place only while the glue creates its pool;
 * - the workers load the glue from its file in node_modules;
 * - the core count the glue reports is set to 2 * threads, so the pool gets `threads`.
 * The result is tfjs's own BackendWasm with all its kernels, registered as 'wasm'.
 */

/** The path emscripten is told for its worker script; it never reaches the file system. */
const WORKER_SENTINEL = 'atelier:wasm-pthread-worker';

type Factory = (config: Record<string, unknown>) => Promise<Record<string, any>>;

interface NodeParts {
  factory: Factory;
  gluePath: string;
  binary: Uint8Array;
  workerSource: string;
  workerThreads: { Worker: new (file: string, options?: object) => object };
}

async function loadNodeParts(): Promise<NodeParts> {
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const { readFileSync } = await import('node:fs');
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const gluePath = join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const worker = require(join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  return {
    factory: require(gluePath) as Factory,
    gluePath,
    binary: readFileSync(join(root, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm')),
    // tfjs unescapes newlines the same way before it makes its blob.
    workerSource: worker.wasmWorkerContents.replace(/\n/g, '\\n'),
    workerThreads: require('node:worker_threads'),
  };
}

/**
 * Node's flags for the pthread workers: this process's, without --input-type. Workers
 * inherit execArgv, and under `node --input-type=module -e` the worker source (a
 * CommonJS script) would be evaluated as a module and fail on `require`.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) out.push(arg);
  }
  return out;
}

/** Replaces the glue's core count (navigator.hardwareConcurrency or os.cpus()) in its imports. */
function reportCores(imports: Record<string, Record<string, unknown>>, cores: number): boolean {
  for (const space of Object.values(imports)) {
    for (const [name, value] of Object.entries(space)) {
      if (typeof value === 'function' && String(value).includes('cpus().length')) {
        space[name] = () => cores;
        return true;
      }
    }
  }
  return false;
}

async function startThreaded(parts: NodeParts, threads: number): Promise<BackendWasm> {
  const { workerThreads, workerSource } = parts;
  const NodeWorker = workerThreads.Worker;
  class PthreadWorker extends NodeWorker {
    constructor(file: string, options?: object) {
      if (file === WORKER_SENTINEL) {
        super(workerSource, { ...options, eval: true, execArgv: workerExecArgv() });
      } else super(file, options);
    }
  }
  let fail: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  let ready: Promise<Record<string, any>>;
  // The glue takes worker_threads.Worker (as global.Worker) and fills its pool now.
  workerThreads.Worker = PthreadWorker;
  try {
    ready = parts.factory({
      mainScriptUrlOrBlob: parts.gluePath,
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.worker.js') ? WORKER_SENTINEL : prefix + path,
      instantiateWasm: (
        imports: Record<string, Record<string, unknown>>,
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) => {
        reportCores(imports, 2 * threads);
        WebAssembly.instantiate(parts.binary as BufferSource, imports as WebAssembly.Imports).then(
          ({ instance, module }) => receive(instance, module),
          fail,
        );
        return {};
      },
      onAbort: (message: unknown) => fail(new Error(`threaded wasm aborted: ${String(message)}`)),
    });
  } finally {
    workerThreads.Worker = NodeWorker;
  }
  const module = await Promise.race([ready, failed]);
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  const backend = new BackendWasm(
    module as unknown as ConstructorParameters<typeof BackendWasm>[0],
  );
  // The pool's threads now wait for work forever; they must not keep Node alive.
  for (const worker of module.PThread?.runningWorkers ?? []) worker.unref?.();
  return backend;
}

/**
 * Makes the 'wasm' backend start tfjs's threaded SIMD build with `threads` threads
 * (Node only; call before the wasm backend is first started). When it cannot start and
 * `fallback` is given, the backend comes from `fallback` instead (a default thread
 * count must not make wasm unusable where workers are not allowed).
 */
export async function registerThreadedWasm(
  threads: number,
  priority: number,
  fallback?: () => Promise<tf.KernelBackend>,
): Promise<void> {
  const parts = await loadNodeParts();
  if (tf.findBackendFactory('wasm') != null) tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        return await startThreaded(parts, threads);
      } catch (error) {
        if (fallback) return fallback();
        recordFactoryError('wasm', error);
        throw error;
      }
    },
    priority,
  );
}
