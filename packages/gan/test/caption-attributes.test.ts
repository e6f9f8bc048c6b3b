import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { CaptionAttributeReader, type CaptionBatch, harnessData } from '../src/index.js';
import { collect } from './helpers/collect.js';

/** Argmax of one attribute's classifier, read back for an independent count. */
function predictions(reader: CaptionAttributeReader, name: string, images: tf.Tensor4D) {
  return Array.from(
    tf.tidy(() => tf.argMax(reader.classifiers[name]!.forward(images), 1)).dataSync(),
  );
}

describeBackends(
  'caption attribute reader',
  () => {
    it('reads shape and colour of held-out real 16 px shapes; accuracy and allCorrect count its predictions', async () => {
      const source = { data: 'synthetic:shapes-single', size: 16, seed: 0 };
      const train = await collect<CaptionBatch>(
        (await harnessData('stackgan', { ...source, count: 256 })).dataset,
        256,
      );
      const held = await collect<CaptionBatch>(
        (await harnessData('stackgan', { ...source, count: 64, split: 'test' })).dataset,
        64,
      );
      const labels = (b: CaptionBatch) => ({
        shape: tf.cast(b.label!, 'int32') as tf.Tensor1D,
        colour: tf.cast(b.colour!, 'int32') as tf.Tensor1D,
      });
      const trainLabels = labels(train);
      const heldLabels = labels(held);
      const reader = new CaptionAttributeReader({
        side: 16,
        attributes: { shape: 4, colour: 6 },
        seed: 3,
      });
      const before = tf.memory().numTensors;
      await reader.fit(train.image, trainLabels, { epochs: 10, seed: 3 });
      expect(tf.memory().numTensors).toBe(before);
      const acc = await reader.accuracy(held.image, heldLabels);
      // Independent count from the classifiers' own argmax.
      const truth = {
        shape: Array.from(heldLabels.shape.dataSync()),
        colour: Array.from(heldLabels.colour.dataSync()),
      };
      const shape = predictions(reader, 'shape', held.image);
      const colour = predictions(reader, 'colour', held.image);
      const hits = (p: number[], t: number[]) => p.filter((v, i) => v === t[i]).length / 64;
      expect(acc.shape).toBeCloseTo(hits(shape, truth.shape), 6);
      expect(acc.colour).toBeCloseTo(hits(colour, truth.colour), 6);
      const both = shape.filter((v, i) => v === truth.shape[i] && colour[i] === truth.colour[i]);
      expect(await reader.allCorrect(held.image, heldLabels)).toBeCloseTo(both.length / 64, 6);
      console.log(`reader on held-out real 16 px: shape ${acc.shape} colour ${acc.colour}`);
      // Real images are read well above chance (0.25 and 0.17).
      expect(acc.colour).toBeGreaterThan(0.7);
      expect(acc.shape).toBeGreaterThan(0.45);
      const f = reader.features(held.image);
      expect(f.shape).toEqual([64, 2 * 64]);
      f.dispose();
      tf.dispose([train.image, train.embedding, train.label!, train.colour!]);
      tf.dispose([held.image, held.embedding, held.label!, held.colour!]);
      tf.dispose([...Object.values(trainLabels), ...Object.values(heldLabels)]);
      reader.dispose();
    });

    it('typed errors for bad options, images and labels', async () => {
      expect(() => new CaptionAttributeReader({ side: 2, attributes: { a: 2 } })).toThrow(
        ArgumentError,
      );
      expect(() => new CaptionAttributeReader({ side: 16, attributes: {} })).toThrow(ArgumentError);
      expect(() => new CaptionAttributeReader({ side: 16, attributes: { a: 1 } })).toThrow(
        /attribute 'a'/,
      );
      const reader = new CaptionAttributeReader({ side: 8, attributes: { colour: 6 } });
      const images = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
      const wrongSide = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
      const good = { colour: tf.tensor1d([0, 1], 'int32') };
      await expect(reader.accuracy(wrongSide, good)).rejects.toThrow(ShapeError);
      await expect(reader.accuracy(images, {})).rejects.toThrow(/attribute 'colour'/);
      await expect(
        reader.fit(images, { colour: tf.tensor1d([0, 1], 'float32') as tf.Tensor1D }),
      ).rejects.toThrow(/int32 labels/);
      tf.dispose([images, wrongSide, good.colour]);
      reader.dispose();
    });
  },
  { only: ['wasm'] },
);
