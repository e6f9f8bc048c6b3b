import { tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import { chainData } from '../harnesses/chain.js';
import type { SyntheticSource } from '../harnesses/descriptor.js';
import { type CropBox, DETAIL_SCALE, detailBox, detailCrops } from './facade-details.js';

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
 * The detail stage's pair for one facade: one of its windows or doors (a different one
 * each epoch), cut out of the photo with a margin and upsampled to the photo's side (A),
 * and the same crop of the facade rendered DETAIL_SCALE times finer (B).
 */
async function detailPair(
  low: Dataset<synthetic.FacadeSample>,
  high: Dataset<synthetic.FacadeSample>,
  size: number,
  index: number,
  epoch: number,
): Promise<{ A: tf.Tensor3D; B: tf.Tensor3D }> {
  const [l, h] = [await low.get(index, epoch), await high.get(index, epoch)];
  try {
    const openings = synthetic.facadeOpenings(await l!.labels.data(), size);
    const box: CropBox =
      openings.length > 0 ? detailBox(openings[(index + epoch) % openings.length]!) : [0, 0, 1, 1];
    return tf.tidy(() => {
      const crop = (photo: tf.Tensor3D) =>
        tf.squeeze(detailCrops(tf.expandDims(photo, 0) as tf.Tensor4D, [box], 0, size), [0]);
      return { A: crop(l!.B) as tf.Tensor3D, B: crop(h!.B) as tf.Tensor3D };
    });
  } finally {
    tf.dispose([l!.A, l!.B, l!.labels, h!.A, h!.B, h!.labels]);
  }
}

/**
 * FrankenGAN's three pairings from the synthetic facades (one seed renders the same
 * building at any resolution): shape mask -> label map; label map -> photo; and a
 * window's or door's crop of the photo -> the same crop rendered DETAIL_SCALE times finer.
 */
export const FRANKENGAN_FACADES: SyntheticSource = {
  count: 400,
  load(base) {
    const low = synthetic.facades(base);
    const high = synthetic.facades({ ...base, size: base.size * DETAIL_SCALE });
    const shape = low.map((s) => ({ A: facadeMask(s.labels), B: s.A }));
    const labels = low.map((s) => ({ A: s.A, B: s.B }));
    const details = Dataset.indexed(base.count, (index, epoch) =>
      detailPair(low, high, base.size, index, epoch),
    );
    return {
      dataset: chainData({ shape, labels, details }) as Dataset<unknown>,
      channels: { A: 3, B: 3 },
    };
  },
};
