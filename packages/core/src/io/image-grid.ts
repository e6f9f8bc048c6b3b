import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';

export interface ImageGridOptions {
  /** Images per row; defaults to ceil(sqrt(n)). */
  cols?: number;
  /** Pixels between images and around the border; defaults to 2. */
  pad?: number;
  /** The value of padding and empty cells; defaults to 0. */
  padValue?: number;
}

/**
 * Tiles images [N, H, W, C] (or a list of [H, W, C]) row by row into one image, laid
 * out as torchvision's make_grid: `pad` pixels before every cell and after the last,
 * so the result is [rows (H + pad) + pad, cols (W + pad) + pad, C]; cells past the last
 * image hold `padValue`.
 */
export function imageGrid(
  images: tf.Tensor4D | tf.Tensor3D[],
  options: ImageGridOptions = {},
): tf.Tensor3D {
  const list = Array.isArray(images);
  if (list ? images.some((t) => !(t instanceof tf.Tensor)) : !(images instanceof tf.Tensor)) {
    throw new ArgumentError(
      `imageGrid: expected a tensor [N, H, W, C] or a list of [H, W, C], got ${describe(images)}`,
    );
  }
  const shapes = list ? images.map((t) => t.shape) : [images.shape.slice(1)];
  const first = shapes[0];
  if (!list && images.rank !== 4) {
    throw new ShapeError(`imageGrid: expected images [N, H, W, C], got ${describe(images)}`);
  }
  if (first === undefined || (!list && images.shape[0] === 0)) {
    throw new ArgumentError('imageGrid: expected at least one image, got none');
  }
  const bad = shapes.findIndex((s) => s.length !== 3 || s.some((d, i) => d !== first[i]));
  if (bad >= 0 || first.length !== 3) {
    throw new ShapeError(
      `imageGrid: expected images of one shape [H, W, C], got [${first.join(', ')}] and [${(shapes[bad] ?? first).join(', ')}]`,
    );
  }
  const n = list ? images.length : images.shape[0];
  const { cols = Math.ceil(Math.sqrt(n)), pad = 2, padValue = 0 } = options;
  if (!Number.isInteger(cols) || cols < 1) {
    throw new ArgumentError(`imageGrid: expected cols a positive integer, got ${describe(cols)}`);
  }
  if (!Number.isInteger(pad) || pad < 0) {
    throw new ArgumentError(`imageGrid: expected pad a non-negative integer, got ${describe(pad)}`);
  }
  if (typeof padValue !== 'number' || !Number.isFinite(padValue)) {
    throw new ArgumentError(`imageGrid: expected a finite padValue, got ${describe(padValue)}`);
  }
  const [h, w, c] = first as [number, number, number];
  const columns = Math.min(cols, n);
  const rows = Math.ceil(n / columns);
  return tf.tidy(() => {
    let batch: tf.Tensor4D = list ? (tf.stack(images) as tf.Tensor4D) : images;
    const empty = rows * columns - n;
    if (empty > 0) batch = tf.concat([batch, tf.fill([empty, h, w, c], padValue, batch.dtype)]);
    // Each cell gets its padding above and to the left; the grid gets it below and right.
    const cells = tf.pad(
      batch,
      [
        [0, 0],
        [pad, 0],
        [pad, 0],
        [0, 0],
      ],
      padValue,
    );
    const grid = cells
      .reshape([rows, columns, h + pad, w + pad, c])
      .transpose([0, 2, 1, 3, 4])
      .reshape([rows * (h + pad), columns * (w + pad), c]);
    return tf.pad(
      grid,
      [
        [0, pad],
        [0, pad],
        [0, 0],
      ],
      padValue,
    ) as tf.Tensor3D;
  });
}
