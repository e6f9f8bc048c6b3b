import { afterAll, beforeAll, describe } from 'vitest';
import { init, shutdown } from '../backend/init.js';
import { BACKEND_NAMES, type BackendName } from '../backend/names.js';
import { isNode } from '../platform.js';
import { tf } from '../tfjs.js';

// Test runners start many processes at once (one per file, packages in parallel): one
// wasm thread each unless the environment asks for more. Set here, it also reaches the
// child processes tests spawn.
if (isNode && process.env.ATELIER_WASM_THREADS === undefined) {
  process.env.ATELIER_WASM_THREADS = '1';
}

/**
 * WebGPU comes last: a tensor used on a backend moves there, and moving it back out of
 * WebGPU needs a synchronous read, which Node's WebGPU cannot do (tfjs reads through an
 * OffscreenCanvas). Tensors made at a test file's top level then travel cpu -> wasm ->
 * webgpu and never back.
 */
const TEST_ORDER: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

/**
 * The backends the tests run on: all three, or those named in ATELIER_TEST_BACKENDS
 * (comma separated). WebGPU on a machine without a GPU needs SwiftShader (see README).
 */
export function testBackends(): BackendName[] {
  const named = process.env.ATELIER_TEST_BACKENDS;
  if (!named) return [...TEST_ORDER];
  return named
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is BackendName => (BACKEND_NAMES as readonly string[]).includes(s))
    .sort((a, b) => TEST_ORDER.indexOf(a) - TEST_ORDER.indexOf(b));
}

/**
 * Runs a suite once per backend, each after `init({ backend })`.
 * `only` narrows it (e.g. webgpu tests of large tensors are too slow on SwiftShader).
 */
export function describeBackends(
  name: string,
  suite: (backend: BackendName) => void,
  options: { only?: BackendName[] } = {},
): void {
  for (const backend of testBackends()) {
    if (options.only && !options.only.includes(backend)) continue;
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await init({ backend });
      });
      suite(backend);
    });
  }
  afterAll(async () => {
    if (tf.getBackend() === 'webgpu') await shutdown();
  });
}
