import { ArgumentError, describe, fromSigned, imageGrid, ShapeError, tf } from '@atelier/core';
import type { SampleColumn } from './harness.js';

/** An image [N, H, W, C] as 3 channels: grey tiled, alpha dropped, two channels padded with zeros. */
function rgb(images: tf.Tensor4D): tf.Tensor4D {
  const c = images.shape[3];
  if (c === 3) return images;
  if (c === 1) return tf.tile(images, [1, 1, 1, 3]);
  if (c === 2)
    return tf.concat(
      [images, tf.fill([...images.shape.slice(0, 3), 1] as [number, number, number, number], -1)],
      3,
    );
  return tf.slice(images, [0, 0, 0, 0], [-1, -1, -1, 3]);
}

/**
 * One picture of samples: row i shows sample i in every column (input | output |
 * target), columns of other sizes scaled (nearest) to the largest. Values in [-1, 1]
 * in, [0, 255] out, [H', W', 3]; the caller disposes it.
 */
export function sampleGrid(columns: SampleColumn[], pad = 2): tf.Tensor3D {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new ArgumentError(`sampleGrid: expected columns of images, got ${describe(columns)}`);
  }
  const rows = columns[0]!.images.shape[0];
  for (const c of columns) {
    if (!(c.images instanceof tf.Tensor) || c.images.rank !== 4) {
      throw new ShapeError(
        `sampleGrid: column '${c.title}' must be images [N, H, W, C], got ${describe(c.images)}`,
      );
    }
    if (c.images.shape[0] !== rows) {
      throw new ShapeError(
        `sampleGrid: column '${c.title}' has ${c.images.shape[0]} images, the first ${rows}`,
      );
    }
  }
  const h = Math.max(...columns.map((c) => c.images.shape[1]));
  const w = Math.max(...columns.map((c) => c.images.shape[2]));
  return tf.tidy(() => {
    const prepared = columns.map((c) => {
      let x = rgb(c.images);
      if (x.shape[1] !== h || x.shape[2] !== w) x = tf.image.resizeNearestNeighbor(x, [h, w]);
      return tf.unstack(fromSigned(x)) as tf.Tensor3D[];
    });
    const cells: tf.Tensor3D[] = [];
    for (let r = 0; r < rows; r++) for (const column of prepared) cells.push(column[r]!);
    return imageGrid(cells, { cols: columns.length, pad, padValue: 255 });
  });
}
