import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ArgumentError, BackendError, describe } from '../errors.js';
import { envVar } from '../platform.js';
import { tf } from '../tfjs.js';
import { keepFactoryErrors, recordFactoryError } from './capture.js';
import { registerThreadedWasm } from './wasm-threads.js';

const WASM_PRIORITY = 2;
/** tfjs's own (single-threaded in Node) wasm backend factory. */
const tfjsWasmFactory = tf.findBackendFactory('wasm');
let configuredThreads = 1;
/** The count a caller chose (option or ATELIER_WASM_THREADS), once one has. */
let chosenThreads: number | undefined;

/** Whether the wasm backend exists (findBackend would start it). */
function wasmStarted(): boolean {
  const { registry } = tf.engine() as unknown as { registry: Record<string, unknown> };
  return registry.wasm != null;
}

/** The most threads the default takes: beyond this the serial parts dominate. */
const MAX_DEFAULT_THREADS = 8;

/** Node's default: one thread per core the process may use, up to MAX_DEFAULT_THREADS. */
async function defaultNodeThreads(): Promise<number> {
  if (__NODE__) {
    const os = await import('node:os');
    const cores =
      typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    return Math.max(1, Math.min(MAX_DEFAULT_THREADS, cores));
  }
  return 1;
}

/**
 * Chooses the number of wasm threads (before the wasm backend first starts): the
 * `threads` option, else ATELIER_WASM_THREADS, else in Node one per core (up to 8). In
 * Node, more than one starts tfjs's threaded SIMD build (see wasm-threads.ts), which
 * roughly halves convolution times on two cores; a default that cannot start falls back
 * to one thread, and explicit `wasmPaths` keep tfjs's own single-threaded loader. In
 * the browser tfjs uses that build by itself where the page is cross-origin isolated.
 */
async function configureThreads(
  option: number | undefined,
  explicitBinaries: boolean,
): Promise<void> {
  const fromEnv = envVar('ATELIER_WASM_THREADS');
  const chosen = option ?? (fromEnv ? Number(fromEnv) : undefined);
  if (chosen === undefined) {
    // The default never overrides a backend already started or a count chosen before.
    // Binaries the caller points to are loaded by tfjs's own (single-threaded) loader:
    // the threaded build in Node reads the installed package's files.
    if (!__NODE__ || explicitBinaries || wasmStarted() || chosenThreads !== undefined) return;
    await applyThreads(await defaultNodeThreads(), true);
    return;
  }
  if (chosen === configuredThreads && chosenThreads !== undefined) return;
  if (!Number.isInteger(chosen) || chosen < 1) {
    throw new ArgumentError(
      `wasm threads must be an integer >= 1 (option threads or ATELIER_WASM_THREADS), got ${describe(option ?? fromEnv)}`,
    );
  }
  if (wasmStarted()) {
    // ATELIER_WASM_THREADS is a default for the process: it never fails a later init.
    if (chosen === wasmThreads() || option === undefined) return;
    throw new BackendError(
      `the wasm backend already runs with ${wasmThreads()} thread(s); choose threads before it first starts`,
    );
  }
  chosenThreads = chosen;
  await applyThreads(chosen, false);
}

/** Registers the wasm build for `threads`; a default falls back to one thread if it fails. */
async function applyThreads(threads: number, isDefault: boolean): Promise<void> {
  if (threads === configuredThreads) return;
  if (__NODE__) {
    if (threads > 1) {
      await registerThreadedWasm(threads, WASM_PRIORITY, isDefault ? singleThreaded : undefined);
    } else if (tfjsWasmFactory != null) {
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', singleThreaded, WASM_PRIORITY);
    }
  } else {
    setThreadsCount(threads);
  }
  configuredThreads = threads;
}

/** tfjs's own single-threaded wasm backend, its start failure kept for init's message. */
async function singleThreaded(): Promise<tf.KernelBackend> {
  try {
    configuredThreads = 1;
    return await tfjsWasmFactory!();
  } catch (error) {
    recordFactoryError('wasm', error);
    throw error;
  }
}

/** The number of threads the wasm backend runs (once started) or will start with. */
export function wasmThreads(): number {
  return wasmStarted() ? getThreadsCount() : configuredThreads;
}

let configuredPrefix: string | undefined;

/**
 * Points the wasm backend at its binaries. In Node they are read from the installed
 * `@tensorflow/tfjs-backend-wasm` package; in the browser they sit beside this bundle
 * (`dist/browser/wasm/`), unless the caller serves them elsewhere.
 */
export async function prepareWasm(prefix?: string, threads?: number): Promise<string> {
  await configureThreads(threads, prefix !== undefined);
  keepFactoryErrors('wasm', WASM_PRIORITY);
  let resolved = prefix;
  if (resolved === undefined) {
    if (__NODE__) {
      const { createRequire } = await import('node:module');
      const { dirname, join } = await import('node:path');
      const require = createRequire(import.meta.url);
      const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
      resolved = join(dirname(pkg), 'dist') + '/';
    } else {
      resolved = new URL('./wasm/', import.meta.url).href;
    }
  }
  if (resolved !== configuredPrefix) {
    setWasmPaths(resolved);
    configuredPrefix = resolved;
  }
  return configuredPrefix;
}
