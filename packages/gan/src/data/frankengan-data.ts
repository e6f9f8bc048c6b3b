import { tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import { chainData } from '../harnesses/chain.js';
import type { SyntheticSource } from '../harnesses/descriptor.js';

/** The facade's shape: +1 where the building is (any class but sky), −1 elsewhere; 3 channels. */
function facadeMask(labels: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const building = tf.where(
      tf.equal(labels, 0),
      tf.fill(labels.shape, -1),
      tf.fill(labels.shape, 1),
    );
    return tf.tile(tf.expandDims(building, 2), [1, 1, 3]) as tf.Tensor3D;
  });
}

/**
 * The detail stage's crop: the lower middle of the facade (its ground-floor windows and
 * door), the same region in both renders: a size/2 crop of the photo upsampled to size
 * (the input), and the size crop of the facade rendered at twice the resolution.
 */
export function detailCrop(photo: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, s] = photo.shape;
    const crop = tf.slice(photo, [0, s / 2, s / 4, 0], [-1, s / 2, s / 2, -1]);
    return tf.image.resizeBilinear(crop, [s, s], true) as tf.Tensor4D;
  });
}

/**
 * FrankenGAN's three pairings from the synthetic facades (one seed renders the same
 * building at any resolution): shape mask -> label map; label map -> photo; and the
 * photo's detail crop upsampled -> the same crop rendered at twice the resolution.
 */
export const FRANKENGAN_FACADES: SyntheticSource = {
  count: 400,
  load(base) {
    const low = synthetic.facades(base);
    const high = synthetic.facades({ ...base, size: base.size * 2 });
    const shape = low.map((s) => ({ A: facadeMask(s.labels), B: s.A }));
    const labels = low.map((s) => ({ A: s.A, B: s.B }));
    const details = Dataset.indexed(base.count, async (index, epoch) => {
      const [l, h] = [await low.get(index, epoch), await high.get(index, epoch)];
      const s = base.size;
      const pair = tf.tidy(() => ({
        A: tf.squeeze(detailCrop(tf.expandDims(l!.B, 0) as tf.Tensor4D), [0]),
        B: tf.slice(h!.B, [s, s / 2, 0], [s, s, -1]),
      }));
      tf.dispose([l!.A, l!.B, l!.labels, h!.A, h!.B, h!.labels]);
      return pair;
    });
    return {
      dataset: chainData({ shape, labels, details }) as Dataset<unknown>,
      channels: { A: 3, B: 3 },
    };
  },
};
