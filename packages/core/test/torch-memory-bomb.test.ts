import { describe, expect, it } from 'vitest';
import { FormatError, readTorchCheckpoint, TORCH_MAX_TOTAL_BYTES, tf } from '../src/index.js';
import {
  intTuple,
  op,
  pickle,
  rebuildTensor,
  storageId,
  torchArchive,
} from '../src/testing/torch-files.js';

/** `count` views of size `side` x `side`, stride 0, over one one-element storage. */
function strideZeroViews(count: number, side: number): Uint8Array {
  const parts: number[] = [...op.proto, ...op.emptyDict];
  for (let i = 0; i < count; i++) {
    parts.push(
      ...op.str(`w${i}`),
      ...rebuildTensor(storageId('0', 1), 0, intTuple([side, side]), intTuple([0, 0])),
      ...op.setitem,
    );
  }
  return torchArchive(pickle(parts, op.stop), [['0', new Uint8Array(4)]]);
}

describe('readTorchCheckpoint: total materialised bytes', () => {
  it('refuses 200 stride-0 views of 4096x4096 over one 4-byte storage before allocating', () => {
    const file = strideZeroViews(200, 4096);
    expect(file.length).toBeLessThan(64_000);
    const before = tf.memory().numTensors;
    const heap = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    expect(() => readTorchCheckpoint(file)).toThrow(FormatError);
    expect(() => readTorchCheckpoint(file)).toThrow(
      /200 tensors would take 13421772800 bytes once materialised, more than the limit of 2147483648 \(raise it with the maxBytes option/,
    );
    expect(performance.now() - start).toBeLessThan(2000);
    expect(process.memoryUsage().arrayBuffers - heap).toBeLessThan(64 * 2 ** 20);
    expect(tf.memory().numTensors).toBe(before);
    expect(TORCH_MAX_TOTAL_BYTES).toBe(2 ** 31);
  });

  it('counts every view, and the limit can be lowered or raised', () => {
    const file = strideZeroViews(3, 1024); // 3 x 4 MiB
    expect(() => readTorchCheckpoint(file, { maxBytes: 8 * 2 ** 20 })).toThrow(
      /3 tensors would take 12582912 bytes/,
    );
    const tensors = readTorchCheckpoint(file, { maxBytes: 12 * 2 ** 20 });
    expect(Object.keys(tensors)).toEqual(['w0', 'w1', 'w2']);
    expect(tensors.w2!.shape).toEqual([1024, 1024]);
    tf.dispose(Object.values(tensors));
    expect(() => readTorchCheckpoint(file, { maxBytes: -1 })).toThrow(/maxBytes must be/);
  });
});
