import { expect, it } from 'vitest';
import { readSafetensors, tf, writeSafetensors } from '../src/index.js';

// Node's readFileSync gives a Buffer, usually a view into a shared pool at an odd
// offset: reading must copy the bytes, not view the pool.
it('reads safetensors from a pooled Node Buffer', async () => {
  const t = tf.tensor([1.5, -2, 3.25], [3]);
  const bytes = await writeSafetensors({ t });
  const pool = Buffer.allocUnsafe(bytes.length + 3);
  pool.set(bytes, 3);
  const view = pool.subarray(3);
  const read = readSafetensors(view);
  expect(Array.from(read.tensors.t!.dataSync())).toEqual([1.5, -2, 3.25]);
  tf.dispose([t, read.tensors.t!]);
});
