import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { init, tf, tfjsCopies } from '../src/index.js';

// Under Vite (this test runner) the backends must resolve the same tfjs-core as we do.
it('loads exactly one tfjs-core, with gradients, chained ops and all three backends', async () => {
  expect(tfjsCopies()).toBe(1);
  expect(tf.findBackendFactory('cpu')).toBeTruthy();
  await init({ backend: 'wasm' });
  expect(tf.getBackend()).toBe('wasm');
  expect(tf.getKernel('Conv2D', 'wasm')).toBeTruthy();
  // Chained ops and gradients come from tfjs-core's deep ESM paths.
  const g = tf.grad((x: tf.Tensor) => x.square().sum())(tf.tensor([3]));
  expect(Array.from(await g.data())).toEqual([6]);
});

it('notices a second copy of tfjs-core', () => {
  // Loading tfjs-core's CJS build beside our bundled ESM copy is exactly the hazard.
  createRequire(import.meta.url)('@tensorflow/tfjs-core');
  expect(tfjsCopies()).toBe(2);
});

it('computes on the CPU backend before init chooses one', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const script = `
    import { tf } from '@atelier/core';
    const y = tf.tensor([1, 2]).square().sum();
    console.log(tf.getBackend(), y.dataSync()[0]);`;
  const { stdout } = await promisify(execFile)('node', ['--input-type=module', '-e', script]);
  expect(stdout.trim()).toBe('cpu 5');
});
