import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BackendError, init, ops, tf, wasmThreads } from '../src/index.js';
import { testBackends } from '../src/testing/index.js';

/**
 * Multi-threaded wasm in Node (tfjs's threaded SIMD build, started by wasm-threads.ts).
 * This file starts the wasm backend with two threads, so it must be the first wasm
 * start of its process (vitest runs each file in its own).
 */

/** CPU ticks of each thread of this process (Linux), busiest first. */
function threadTicks(): number[] {
  return readdirSync('/proc/self/task')
    .map((task) => {
      const fields = readFileSync(`/proc/self/task/${task}/stat`, 'utf8')
        .split(') ')[1]!
        .split(' ');
      return Number(fields[11]) + Number(fields[12]);
    })
    .sort((a, b) => b - a);
}

describe.skipIf(!testBackends().includes('wasm'))('wasm with threads in Node', () => {
  it('starts with the threads asked for and computes what cpu computes', async () => {
    await init({ backend: 'cpu' });
    const x = tf.randomNormal([2, 12, 10, 8], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 2, 8], 0, 1, 'float32', 2);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(ops.conv2d(a, b, { groups: 4, stride: 2, padding: 1 })));
    const [dxWant, dwWant] = tf
      .grads(f)([x, w])
      .map((g) => g.dataSync());

    expect(wasmThreads()).toBe(1);
    await init({ backend: 'wasm', threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmThreads()).toBe(2);
    const [dx, dw] = tf.grads(f)([x, w]);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a).every((v, i) => Math.abs(v - b[i]!) <= 1e-4 * (1 + Math.abs(b[i]!)));
    expect(close(await dx!.data(), dxWant!)).toBe(true);
    expect(close(await dw!.data(), dwWant!)).toBe(true);
    tf.dispose([x, w, dx!, dw!]);
  });

  it.skipIf(!existsSync('/proc/self/task'))(
    'shares convolution work with a second thread',
    async () => {
      const x = tf.randomNormal([1, 96, 96, 32]);
      const w = tf.randomNormal([3, 3, 32, 32]);
      const before = threadTicks();
      for (let i = 0; i < 12; i++) {
        const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
        await y.data();
        y.dispose();
      }
      const after = threadTicks();
      // The two busiest threads both did a good part of the work (the pool's worker
      // besides the main thread); Node's own helper threads stay far below.
      const gained = after.map((t, i) => t - (before[i] ?? 0)).sort((a, b) => b - a);
      expect(gained[1]!).toBeGreaterThan(0.25 * gained[0]!);
      tf.dispose([x, w]);
    },
  );

  it('refuses to change the thread count once started', async () => {
    await expect(init({ backend: 'wasm', threads: 1 })).rejects.toThrow(BackendError);
    await expect(init({ backend: 'wasm', threads: 0 })).rejects.toThrow(/integer >= 1/);
    await init({ backend: 'wasm' });
    expect(wasmThreads()).toBe(2);
  });
});
