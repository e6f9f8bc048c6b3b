import { tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { Dataset } from '../src/pipeline/dataset.js';

/** Sample i: an HWC image filled with i, its label and a name. */
function numbered(n: number, delayMs = 0) {
  return Dataset.indexed(n, async (i) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs * ((i * 7) % 3)));
    return { image: tf.fill([2, 3, 1], i), label: i, name: `s${i}` };
  });
}

async function labels(ds: Dataset<{ label: tf.Tensor1D }>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of ds) out.push(Array.from(await b.label.data()));
  return out;
}

describeBackends('pipeline', () => {
  it('batches records into NHWC tensors, number vectors and string arrays', async () => {
    const before = tf.memory().numTensors;
    const batches = await numbered(5).batch(2).toArray();
    expect(batches.map((b) => b.image.shape)).toEqual([
      [2, 2, 3, 1],
      [2, 2, 3, 1],
      [1, 2, 3, 1],
    ]);
    expect(batches[1]!.label.dtype).toBe('int32');
    expect(Array.from(await batches[1]!.label.data())).toEqual([2, 3]);
    expect(batches[2]!.name).toEqual(['s4']);
    const image = await batches[1]!.image.array();
    expect((image as number[][][][])[1]![1]![2]![0]).toBe(3);
    for (const b of batches) tf.dispose([b.image, b.label]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shuffles by seed: a permutation, the same for the same seed and epoch, new each epoch', async () => {
    const a = numbered(20).shuffle(7).batch(20);
    const b = numbered(20).shuffle(7).batch(20);
    const [a0] = await labels(a);
    const [a1] = await labels(a);
    const [b0] = await labels(b);
    const [c0] = await labels(numbered(20).shuffle(8).batch(20));
    expect([...a0!].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    expect(b0).toEqual(a0);
    expect(a1).not.toEqual(a0);
    expect(c0).not.toEqual(a0);
    // Epochs can be named: epoch 1 of a fresh dataset is the second epoch above.
    const again = numbered(20).shuffle(7).batch(20);
    const out: number[] = [];
    for await (const x of again.iterate({ epoch: 1 })) out.push(...(await x.label.data()));
    expect(out).toEqual(a1);
  });

  it('buffer-shuffles a stream deterministically and completely', async () => {
    const stream = () =>
      Dataset.stream(async function* () {
        for (let i = 0; i < 30; i++) yield { label: i };
      });
    const first = await labels(stream().shuffle(3, { bufferSize: 8 }).batch(30));
    const second = await labels(stream().shuffle(3, { bufferSize: 8 }).batch(30));
    expect(first).toEqual(second);
    expect([...first[0]!].sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
    expect(first[0]).not.toEqual([...Array(30).keys()]);
  });

  it('map runs in tidy and frees the input tensors the output drops', async () => {
    const before = tf.memory().numTensors;
    const ds = numbered(6)
      .map(({ image, label }) => ({ doubled: tf.mul(tf.add(image, 0), 2), label }))
      .batch(4)
      .prefetch(2);
    const seen: number[] = [];
    for await (const b of ds) {
      seen.push(...(await b.doubled.data()).filter((_, i) => i % 6 === 0));
      expect(tf.memory().numTensors - before).toBeLessThanOrEqual(2 * 2 + 2);
    }
    expect(seen).toEqual([0, 2, 4, 6, 8, 10]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prefetch keeps order with out-of-order arrivals and leaks nothing on an early break', async () => {
    const before = tf.memory().numTensors;
    const ds = numbered(12, 3).prefetch(4);
    const seen: number[] = [];
    for await (const x of ds) {
      seen.push(x.label);
      if (x.label === 5) break;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tf.memory().numTensors).toBe(before);
    const all = await labels(numbered(12, 2).prefetch(3).batch(5).prefetch(2));
    expect(all.flat()).toEqual([...Array(12).keys()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('skipped samples make a batch smaller; dropRemainder drops short batches', async () => {
    const ds = Dataset.indexed(7, (i) => (i === 2 ? undefined : { label: i }));
    expect(await labels(ds.batch(3))).toEqual([[0, 1], [3, 4, 5], [6]]);
    expect(await labels(ds.batch(3, { dropRemainder: true }))).toEqual([[3, 4, 5]]);
  });

  it('a batch of unequal shapes is a ShapeError naming the field, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const ds = Dataset.indexed(2, (i) => ({ x: tf.zeros([i + 1]) }));
    await expect(ds.batch(2).toArray()).rejects.toThrow(/field x of sample 1 is \[2\].*\[1\]/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('take limits an epoch', async () => {
    expect((await labels(numbered(10).take(3).batch(10))).flat()).toEqual([0, 1, 2]);
  });
});

describeBackends('augment', () => {
  it('crops and flips every field alike, label maps by nearest neighbour, by seed, leaking nothing', async () => {
    const { augment } = await import('../src/pipeline/augment.js');
    // A label map and the same values as an image: a shared crop keeps them equal.
    const ids = Int32Array.from({ length: 12 * 10 }, (_, i) => (i * 7) % 5);
    const ds = Dataset.indexed(4, () => ({
      image: tf.tensor3d(Float32Array.from(ids), [12, 10, 1]),
      labels: tf.tensor2d(ids, [12, 10], 'int32'),
      name: 'x',
    }));
    const before = tf.memory().numTensors;
    const crops = ds.mapAsync(augment({ preprocess: 'crop', cropSize: 6, seed: 2 }));
    const seen = new Set<string>();
    for (let epoch = 0; epoch < 3; epoch++) {
      for await (const s of crops.iterate({ epoch })) {
        expect(s.image.shape).toEqual([6, 6, 1]);
        expect(s.labels.dtype).toBe('int32');
        const a = Array.from(await s.image.data());
        expect(Array.from(await s.labels.data())).toEqual(a);
        seen.add(a.join());
        expect(s.name).toBe('x');
      }
    }
    expect(seen.size).toBeGreaterThan(3);
    const again = await crops.toArray({ epoch: 1 });
    const first = await ds
      .mapAsync(augment({ preprocess: 'crop', cropSize: 6, seed: 2 }))
      .toArray({ epoch: 1 });
    for (let i = 0; i < 4; i++)
      expect(await again[i]!.image.data()).toEqual(await first[i]!.image.data());
    tf.dispose([...again, ...first].flatMap((s) => [s.image, s.labels]));
    const resized = await ds.mapAsync(augment({ loadSize: 16, cropSize: 14 })).toArray();
    expect(resized[0]!.image.shape).toEqual([14, 14, 1]);
    expect(resized[0]!.labels.shape).toEqual([14, 14]);
    tf.dispose(resized.flatMap((s) => [s.image, s.labels]));
    expect(tf.memory().numTensors).toBe(before);
  });
});
