import { rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import {
  harnessData,
  kernelDistance,
  progan,
  slicedWassersteinDistance,
  train,
} from '../src/index.js';

// A progressive GAN grown 4 -> 8 -> 16 px on synthetic shapes, 120 steps of 8 images
// (the 16 px layers stable from image 640): its samples come much closer to held-out
// real images in KID over fixed random convolution features than the untrained
// generator's (measured on wasm: KID 1.52 -> 0.44, 26 s). The paper's SWD (16 px
// level) is printed beside it: at this budget it does not move reliably (patch
// structure needs far more images; see results/progan-table1.md), so the test does
// not assert it.

/** Fixed features: two seeded random conv layers, ReLU, per-channel mean and std. */
function randomFeatures() {
  const w1 = tf.mul(rng(1234).normal([5, 5, 3, 32]), Math.sqrt(2 / 75));
  const w2 = tf.mul(rng(1235).normal([3, 3, 32, 64]), Math.sqrt(2 / 288));
  const pool = (x: tf.Tensor4D) => {
    const { mean, variance } = tf.moments(x, [1, 2]);
    return tf.concat([mean, tf.sqrt(tf.add(variance, 1e-8))], 1);
  };
  return {
    of: (images: tf.Tensor4D) =>
      tf.tidy(() => {
        const a = tf.relu(tf.conv2d(images, w1 as tf.Tensor4D, 2, 'same'));
        const b = tf.relu(tf.conv2d(a, w2 as tf.Tensor4D, 2, 'same'));
        return tf.concat([pool(a), pool(b)], 1) as tf.Tensor2D;
      }),
    dispose: () => tf.dispose([w1, w2]),
  };
}

describeBackends(
  'progan on shapes',
  () => {
    it('learns: KID to held-out reals falls well below the untrained generator', async () => {
      const size = 16;
      const data = await harnessData('progan', {
        data: 'synthetic:shapes',
        size,
        count: 256,
        seed: 0,
      });
      const held = await harnessData('progan', {
        data: 'synthetic:shapes',
        size,
        count: 128,
        seed: 99,
      });
      const items = await Promise.all(
        Array.from({ length: 128 }, (_, i) => held.dataset.get(i, 0)),
      );
      const images = items.map((s) => (s as { image: tf.Tensor3D }).image);
      const real = tf.stack(images) as tf.Tensor4D;
      tf.dispose(images);
      const features = randomFeatures();
      const realFeatures = features.of(real);
      const harness = progan({
        size,
        latentDim: 16,
        fmapBase: 64,
        fmapMax: 16,
        stableImages: 160,
        fadeImages: 160,
        seed: 0,
      });
      const G = harness.modules.G!;
      const z = rng(5).normal([128, 16]);
      const measure = async () => {
        const fake = tf.tidy(() => G.forward(z) as tf.Tensor4D);
        const f = features.of(fake);
        const kid = await kernelDistance(realFeatures, f, { subsets: 10, subsetSize: 64 });
        const swd = await slicedWassersteinDistance(real, fake, { nhoodsPerImage: 32, seed: 1 });
        tf.dispose([fake, f]);
        return { kid: kid.mean, swd: swd.average };
      };
      const untrained = await measure();
      await train(harness, { data: data.dataset, batch: 8, steps: 120, seed: 0, logEvery: 20 });
      const trained = await measure();
      console.log(
        `progan on shapes: KID ${untrained.kid.toFixed(4)} -> ${trained.kid.toFixed(4)}, SWD(16 px) ${untrained.swd.toFixed(1)} -> ${trained.swd.toFixed(1)}`,
      );
      expect(trained.kid).toBeLessThan(untrained.kid / 2.5);
      tf.dispose([z, real, realFeatures]);
      features.dispose();
      harness.dispose();
    });
  },
  { only: ['wasm'] },
);
