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

/** Whether the wasm backend exists (findBackend would start it). */
function wasmStarted(): boolean {
  const { registry } = tf.engine() as unknown as { registry: Record<string, unknown> };
  return registry.wasm != null;
}

/**
 * Chooses the number of wasm threads (before the wasm backend first starts): the
 * `threads` option, else ATELIER_WASM_THREADS, else 1. In Node, more than one starts
 * tfjs's threaded SIMD build (see wasm-threads.ts); in the browser tfjs uses it by
 * itself where the page is cross-origin isolated.
 */
async function configureThreads(option: number | undefined): Promise<void> {
  const fromEnv = envVar('ATELIER_WASM_THREADS');
  const requested = option ?? (fromEnv ? Number(fromEnv) : undefined);
  if (requested === undefined || requested === configuredThreads) return;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new ArgumentError(
      `wasm threads must be an integer >= 1 (option threads or ATELIER_WASM_THREADS), got ${describe(option ?? fromEnv)}`,
    );
  }
  if (wasmStarted()) {
    throw new BackendError(
      `the wasm backend already runs with ${configuredThreads} thread(s); choose threads before it first starts`,
    );
  }
  if (__NODE__) {
    if (requested > 1) {
      await registerThreadedWasm(requested, WASM_PRIORITY);
    } else if (tfjsWasmFactory != null) {
      tf.removeBackend('wasm');
      tf.registerBackend(
        'wasm',
        async () => {
          try {
            return await tfjsWasmFactory();
          } catch (error) {
            recordFactoryError('wasm', error);
            throw error;
          }
        },
        WASM_PRIORITY,
      );
    }
  } else {
    setThreadsCount(requested);
  }
  configuredThreads = requested;
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
  await configureThreads(threads);
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
