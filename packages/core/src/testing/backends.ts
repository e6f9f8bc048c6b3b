import { afterAll, beforeAll, describe } from 'vitest';
import { init, shutdown } from '../backend/init.js';
import { BACKEND_NAMES, type BackendName } from '../backend/names.js';
import { tf } from '../tfjs.js';

/**
 * The backends the tests run on: all three, or those named in ATELIER_TEST_BACKENDS
 * (comma separated). WebGPU on a machine without a GPU needs SwiftShader (see README).
 */
export function testBackends(): BackendName[] {
  const named = process.env.ATELIER_TEST_BACKENDS;
  if (!named) return [...BACKEND_NAMES];
  return named
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is BackendName => (BACKEND_NAMES as readonly string[]).includes(s));
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
