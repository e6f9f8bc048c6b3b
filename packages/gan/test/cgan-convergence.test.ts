import { rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  cgan,
  classifierAccuracy,
  classifierFeatures,
  frechetFeatureDistance,
  kernelDistance,
  train,
} from '../src/index.js';
import { shapesClassifier } from './helpers/shapes-classifier.js';

// A class-conditional GAN on synthetic shapes (sphere, cube, cylinder, cone; one object
// an image) at 32x32, judged by a small classifier trained on the real images: the
// samples are classified as the class they were drawn for far above chance (0.25), and
// they come closer to real images in Fréchet distance over the classifier's features
// than an untrained generator's. (lr 1e-3 instead of DCGAN's 2e-4: the budget is 100
// steps.) Measured on wasm: classifier 0.91 on held-out real shapes, cGAN samples 0.69,
// FD 322 -> 232. Weak points, stated: the class accuracy is not monotonic in training
// (0.30 after 200 steps of the same run, while FD falls to 53), and KID rises at 100
// steps (202 -> 3689: class-typical but off-distribution samples); KID is printed, not
// asserted, here. The unconditional GAN's FD and KID are asserted in gan-convergence.

let judge: Awaited<ReturnType<typeof shapesClassifier>>;

describeBackends(
  'conditional GAN on shapes',
  () => {
    beforeAll(async () => {
      judge = await shapesClassifier();
    });
    afterAll(() => judge.dispose());

    it('samples are recognised as their class and come closer to real ones', async () => {
      const { classifier, real, data } = judge;
      const realAccuracy = await classifierAccuracy(classifier, real.image, real.label!);
      const harness = cgan({ numClasses: 4, size: 32, ngf: 16, ndf: 16, lr: 1e-3, seed: 0 });
      const labels = tf.tensor1d(
        Array.from({ length: 256 }, (_, i) => i % 4),
        'int32',
      );
      const z = rng(9).normal([256, 100]) as tf.Tensor2D;
      const features = () =>
        tf.tidy(() => classifierFeatures(classifier, harness.generate(labels, z)));
      const realFeatures = classifierFeatures(classifier, real.image);
      const untrained = features();
      await train(harness, { data: data.dataset, batch: 32, steps: 100, seed: 0, logEvery: 25 });
      const fake = harness.generate(labels, z);
      const accuracy = await classifierAccuracy(classifier, fake, labels);
      const trained = features();
      const fd = [
        await frechetFeatureDistance(realFeatures, untrained),
        await frechetFeatureDistance(realFeatures, trained),
      ];
      const kid = [
        (await kernelDistance(realFeatures, untrained, { subsets: 10, subsetSize: 128 })).mean,
        (await kernelDistance(realFeatures, trained, { subsets: 10, subsetSize: 128 })).mean,
      ];
      console.log(
        `shapes classifier: real ${realAccuracy.toFixed(3)}, cGAN samples ${accuracy.toFixed(3)} (chance 0.25); ` +
          `FD ${fd[0]!.toFixed(2)} -> ${fd[1]!.toFixed(2)}, KID ${kid[0]!.toFixed(3)} -> ${kid[1]!.toFixed(3)}`,
      );
      expect(realAccuracy).toBeGreaterThan(0.8);
      expect(accuracy).toBeGreaterThan(0.5);
      expect(fd[1]).toBeLessThan(fd[0]! * 0.9);
      tf.dispose([labels, z, fake, realFeatures, untrained, trained]);
      harness.dispose();
    });
  },
  { only: ['wasm'] },
);
