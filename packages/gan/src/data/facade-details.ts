import { ShapeError, tf } from '@atelier/core';
import { synthetic } from '@atelier/datasets';

type FacadeOpening = synthetic.FacadeOpening;

/** How much finer the detail stage renders a facade than the stages before it. */
export const DETAIL_SCALE = 4;
/** The margin around an opening in its crop, as a share of the opening's long side. */
const MARGIN = 0.25;

/** A crop box as tf.image.cropAndResize takes it: [top, left, bottom, right] in [0, 1]. */
export type CropBox = [number, number, number, number];

/**
 * The square crop around an opening: its long side plus a margin each side (the frame
 * and a little wall), moved inside the image where it fits.
 */
export function detailBox(o: FacadeOpening): CropBox {
  const side = Math.min(1, Math.max(o.x1 - o.x0, o.y1 - o.y0) * (1 + 2 * MARGIN));
  const start = (lo: number, hi: number) => Math.min(1 - side, Math.max(0, (lo + hi - side) / 2));
  const [top, left] = [start(o.y0, o.y1), start(o.x0, o.x1)];
  return [top, left, top + side, left + side];
}

/** The crops `boxes` of image `index` of `images`, each resized (bilinear) to size x size. */
export function detailCrops(images: tf.Tensor4D, boxes: CropBox[], index: number, size: number) {
  return tf.tidy(
    () =>
      tf.image.cropAndResize(
        images,
        tf.tensor2d(boxes, [boxes.length, 4]),
        tf.fill([boxes.length], index, 'int32') as tf.Tensor1D,
        [size, size],
        'bilinear',
      ) as tf.Tensor4D,
  );
}

function checkLabelMaps(labels: tf.Tensor4D, where: string): void {
  const [, h, w, c] = labels.shape;
  if (labels.rank !== 4 || h !== w || c !== 3)
    throw new ShapeError(`${where}: expected square RGB label maps, got [${labels.shape}]`);
}

/** The openings of each map in `unit` (N label maps, RGB in [0, 1], one after another). */
function openingsOf(unit: Float32Array, n: number, size: number): FacadeOpening[][] {
  const pixels = size * size * 3;
  return Array.from({ length: n }, (_, i) => {
    const ids = synthetic.facadeClassIds(unit.subarray(i * pixels, (i + 1) * pixels), size);
    return synthetic.facadeOpenings(ids, size);
  });
}

/**
 * The windows and doors of each label map of a batch [N, S, S, 3] in [-1, 1] (palette
 * colours, generated ones too: nearest colour). Reads the maps synchronously (cpu, wasm,
 * WebGPU in browsers); Node's WebGPU cannot: use readLabelOpenings there.
 */
export function labelOpenings(labels: tf.Tensor4D): FacadeOpening[][] {
  checkLabelMaps(labels, 'labelOpenings');
  const unit = tf.tidy(() => tf.div(tf.add(labels, 1), 2).dataSync() as Float32Array);
  return openingsOf(unit, labels.shape[0], labels.shape[1]);
}

/** labelOpenings, reading the maps asynchronously (every backend). */
export async function readLabelOpenings(labels: tf.Tensor4D): Promise<FacadeOpening[][]> {
  checkLabelMaps(labels, 'readLabelOpenings');
  const unit = tf.tidy(() => tf.div(tf.add(labels, 1), 2));
  try {
    return openingsOf((await unit.data()) as Float32Array, labels.shape[0], labels.shape[1]);
  } finally {
    unit.dispose();
  }
}

/** `patch` [1, h, w, C] placed at (top, left) of a [1, H, W, C] canvas over `base`. */
function paste(base: tf.Tensor4D, patch: tf.Tensor4D, top: number, left: number): tf.Tensor4D {
  const [, H, W] = base.shape;
  const [, h, w] = patch.shape;
  const pads: [number, number][] = [
    [0, 0],
    [top, H - top - h],
    [left, W - left - w],
    [0, 0],
  ];
  const mask = tf.pad(tf.ones([1, h, w, 1]), pads);
  return tf.where(tf.cast(tf.broadcastTo(mask, base.shape), 'bool'), tf.pad(patch, pads), base);
}

/**
 * FrankenGAN's detail pass: the photo upsampled `scale` times, each window and door of
 * the label map cut out of the photo (a square crop with margin, resized to the photo's
 * side), redrawn by `refine(crops, image)`, and its rectangle pasted back at the higher
 * resolution. [N, S, S, 3] in, [N, S·scale, S·scale, 3] out. `openings` (one list per
 * image) default to labelOpenings(labels); readLabelOpenings gives them on any backend.
 */
export function refineOpenings(
  labels: tf.Tensor4D,
  photo: tf.Tensor4D,
  refine: (crops: tf.Tensor4D, image: number) => tf.Tensor4D,
  scale = DETAIL_SCALE,
  openings: FacadeOpening[][] = labelOpenings(labels),
): tf.Tensor4D {
  const [n, s] = photo.shape;
  if (labels.shape[0] !== n || labels.shape[1] !== s)
    throw new ShapeError(
      `refineOpenings: label maps [${labels.shape}] and photos [${photo.shape}] differ`,
    );
  if (openings.length !== n)
    throw new ShapeError(
      `refineOpenings: expected openings for ${n} images, got ${openings.length}`,
    );
  const big = s * scale;
  return tf.tidy(() => {
    const up = tf.image.resizeBilinear(photo, [big, big], true) as tf.Tensor4D;
    const images = openings.map((found, i) => {
      let image = tf.slice(up, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      if (found.length === 0) return image;
      const boxes = found.map(detailBox);
      const refined = refine(detailCrops(photo, boxes, i, s), i);
      for (const [k, o] of found.entries()) {
        const [top, left, bottom] = boxes[k]!.map((v) => Math.round(v * big));
        const side = bottom! - top!;
        const crop = tf.image.resizeBilinear(
          tf.slice(refined, [k, 0, 0, 0], [1, -1, -1, -1]),
          [side, side],
          true,
        );
        // The opening's rectangle, kept inside its crop (rounding may put it a pixel out).
        const [y0, x0] = [Math.round(o.y0 * big), Math.round(o.x0 * big)];
        const y1 = Math.min(Math.round(o.y1 * big), top! + side);
        const x1 = Math.min(Math.round(o.x1 * big), left! + side);
        if (y1 <= y0 || x1 <= x0) continue;
        const rect = tf.slice(crop, [0, y0 - top!, x0 - left!, 0], [1, y1 - y0, x1 - x0, -1]);
        image = paste(image, rect as tf.Tensor4D, y0, x0);
      }
      return image;
    });
    return tf.concat(images, 0) as tf.Tensor4D;
  });
}
