import { expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { describeBackends } from '../src/testing/index.js';

// tfjs's WebGPU AddN put every input in one shader and, past 7 inputs (8 storage
// buffers with the output, WebGPU's default limit), summed wrongly without an error.
describeBackends('addN sums any number of tensors', () => {
  for (const n of [2, 7, 8, 9, 23]) {
    it(`${n} tensors`, async () => {
      const xs = Array.from({ length: n }, (_, i) => tf.fill([3, 5], i + 1));
      const before = tf.memory().numTensors;
      const y = tf.addN(xs);
      expect(tf.memory().numTensors).toBe(before + 1);
      const values = await y.data();
      expect([...values]).toEqual(new Array(15).fill((n * (n + 1)) / 2));
      tf.dispose([...xs, y]);
    });
  }
});
