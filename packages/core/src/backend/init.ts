import { ArgumentError, BackendError } from '../errors.js';
import { envVar } from '../platform.js';
import { tf } from '../tfjs.js';
import { setBackendQuietly, takeFactoryError } from './capture.js';
import { BACKEND_NAMES, type BackendChoice, type BackendName } from './names.js';
import { prepareWasm } from './wasm.js';
import { type AdapterInfo, probeAdapter, registerWebGPU, releaseWebGPU } from './webgpu.js';

export interface InitOptions {
  /** Which backend to run on; defaults to `ATELIER_BACKEND` or `'auto'`. */
  backend?: BackendChoice;
  /** Where the wasm binaries are served (browser); Node finds them by itself. */
  wasmPaths?: string;
  /**
   * Threads of the wasm backend, fixed when it first starts; defaults to
   * `ATELIER_WASM_THREADS` or 1. Node runs tfjs's threaded SIMD build for more than one.
   */
  threads?: number;
}

export interface BackendInfo {
  name: BackendName;
  /** The WebGPU adapter, when the backend is webgpu or webgpu was probed by `'auto'`. */
  adapter?: AdapterInfo;
  /** Why this backend was chosen. */
  reason: string;
}

const CHOICES: readonly string[] = ['auto', ...BACKEND_NAMES];

function parseChoice(value: unknown, source: string): BackendChoice {
  if (typeof value !== 'string' || !CHOICES.includes(value)) {
    throw new ArgumentError(
      `${source}: expected one of ${CHOICES.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as BackendChoice;
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (cause === undefined) return 'no error was reported';
  const message = (cause as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(cause);
}

/** Starts one backend or throws a BackendError carrying the underlying error. */
async function start(name: BackendName, options: InitOptions): Promise<void> {
  let where = '';
  if (name === 'wasm')
    where = ` (binaries from ${await prepareWasm(options.wasmPaths, options.threads)})`;
  if (name === 'webgpu') registerWebGPU();
  if (await setBackendQuietly(name)) return;
  const cause = takeFactoryError(name);
  throw new BackendError(`backend '${name}' failed to initialise${where}: ${causeText(cause)}`, {
    cause,
  });
}

let current: BackendInfo | undefined;

/**
 * Chooses and starts the backend every Atelier package computes on.
 *
 * `'auto'` takes WebGPU on a hardware adapter, and wasm otherwise (a software adapter
 * is slower than wasm), and says why in `reason`. A named backend that cannot start
 * throws a `BackendError`; it is never silently swapped for another.
 */
export async function init(options: InitOptions = {}): Promise<BackendInfo> {
  const fromEnv = envVar('ATELIER_BACKEND');
  const choice =
    options.backend !== undefined
      ? parseChoice(options.backend, 'init({ backend })')
      : fromEnv !== undefined && fromEnv !== ''
        ? parseChoice(fromEnv, 'ATELIER_BACKEND')
        : 'auto';

  if (choice !== 'auto') {
    await start(choice, options);
    let adapter: AdapterInfo | undefined;
    if (choice === 'webgpu') adapter = (await probeAdapter()).info;
    current = {
      name: choice,
      ...(adapter ? { adapter } : {}),
      reason: fromEnv && options.backend === undefined ? 'set by ATELIER_BACKEND' : 'requested',
    };
    return current;
  }

  let adapter: AdapterInfo | undefined;
  let why: string;
  try {
    adapter = (await probeAdapter()).info;
    if (!adapter.isSoftware) {
      await start('webgpu', options);
      current = {
        name: 'webgpu',
        adapter,
        reason: `hardware WebGPU adapter (${adapter.vendor} ${adapter.architecture})`.trim(),
      };
      return current;
    }
    why = `the WebGPU adapter is a software one (${adapter.description || adapter.architecture}), slower than wasm`;
  } catch (error) {
    why = `WebGPU is unavailable: ${causeText(error)}`;
  }
  try {
    await start('wasm', options);
    current = { name: 'wasm', ...(adapter ? { adapter } : {}), reason: why };
  } catch (error) {
    await start('cpu', options);
    current = {
      name: 'cpu',
      ...(adapter ? { adapter } : {}),
      reason: `${why}; wasm failed too: ${causeText(error)}`,
    };
  }
  return current;
}

/** The backend `init` chose last, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * Releases GPU resources so that a Node process can exit; safe to call at any time.
 * The CPU backend is selected afterwards.
 */
export async function shutdown(): Promise<void> {
  if (tf.getBackend() === 'webgpu') await setBackendQuietly('cpu');
  releaseWebGPU();
  current = undefined;
}
