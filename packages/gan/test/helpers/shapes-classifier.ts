import { tf } from '@atelier/core';
import { fitClassifier, harnessData, type ImageBatch, SmallClassifier } from '../../src/index.js';
import { collect } from './collect.js';

/**
 * A small classifier trained on real synthetic shapes (one object an image, 32x32, four
 * classes), the held-out real images it is judged on, and the training data for GANs.
 */
export async function shapesClassifier() {
  const data = await harnessData('cgan', { size: 32, count: 2000, seed: 0 });
  const held = await harnessData('cgan', { size: 32, count: 256, seed: 0, split: 'test' });
  const seen = await collect<ImageBatch>(data.dataset, 1000);
  const real = await collect<ImageBatch>(held.dataset, 256);
  const classifier = new SmallClassifier({ numClasses: 4, width: 16, seed: 0 });
  await fitClassifier(classifier, seen.image, seen.label!, {
    epochs: 15,
    batch: 50,
    lr: 2e-3,
    seed: 0,
  });
  tf.dispose([seen.image, seen.label!]);
  return {
    data,
    classifier,
    real,
    dispose() {
      classifier.dispose();
      tf.dispose([real.image, real.label!]);
    },
  };
}
