import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { init, ops, tf, wasmThreads } from '../src/index.js';

/**
 * Node's default wasm thread count: one per core, up to 8. This file must start wasm
 * itself, without @atelier/core/testing (which pins tests to one thread) and without
 * ATELIER_WASM_THREADS.
 */
describe('wasm threads by default in Node', () => {
  it('starts one thread per core (up to 8) when nobody chose a count', async () => {
    delete process.env.ATELIER_WASM_THREADS;
    await init({ backend: 'wasm' });
    expect(wasmThreads()).toBe(Math.min(8, availableParallelism()));
    // It computes: a strided grouped convolution against the same one on cpu.
    const x = tf.randomNormal([1, 9, 11, 8], 0, 1, 'float32', 3);
    const w = tf.randomNormal([3, 3, 4, 6], 0, 1, 'float32', 4);
    const y = await ops.conv2d(x, w, { groups: 2, stride: 2, padding: 1 }).data();
    await init({ backend: 'cpu' });
    const want = await ops.conv2d(x, w, { groups: 2, stride: 2, padding: 1 }).data();
    expect(Array.from(y).every((v, i) => Math.abs(v - want[i]!) < 1e-4)).toBe(true);
  });
});
