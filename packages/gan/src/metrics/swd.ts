import { ArgumentError, describe, type Rng, rng, ShapeError, tf } from '@atelier/core';

/** The 5×5 binomial filter of cv2.pyrDown (the reference's `gaussian_filter`). */
const BINOMIAL = [1, 4, 6, 4, 1];

function binomialFilter(channels: number, gain: number): tf.Tensor4D {
  const k: number[] = [];
  for (const a of BINOMIAL)
    for (const b of BINOMIAL) for (let c = 0; c < channels; c++) k.push((a * b * gain) / 256);
  return tf.tensor4d(k, [5, 5, channels, 1]);
}

/** Blur with the binomial filter, mirrored borders (scipy's 'mirror', tf's 'reflect'). */
function blur(x: tf.Tensor4D, gain: number, stride: 1 | 2): tf.Tensor4D {
  const padded = tf.mirrorPad(
    x,
    [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ],
    'reflect',
  );
  return tf.depthwiseConv2d(padded, binomialFilter(x.shape[3], gain), stride, 'valid');
}

/** cv2.pyrDown: blur, keep even pixels. */
function pyrDown(x: tf.Tensor4D): tf.Tensor4D {
  return blur(x, 1, 2);
}

/** cv2.pyrUp: zeros between the pixels, blur with 4× the filter. */
function pyrUp(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  // A zero after every column, then after every row, in rank-4 views.
  const columns = tf.pad(tf.reshape(x, [n * h, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, 1],
    [0, 0],
  ]);
  const rows = tf.pad(tf.reshape(columns, [n, h, 1, 2 * w * c]), [
    [0, 0],
    [0, 0],
    [0, 1],
    [0, 0],
  ]);
  return blur(tf.reshape(rows, [n, 2 * h, 2 * w, c]) as tf.Tensor4D, 4, 1);
}

/**
 * The Laplacian pyramid of ProGAN's SWD (metrics/sliced_wasserstein.py): level i is
 * the band between the image downsampled i times and its upsampled next level; the
 * last level is the low-pass image itself. NHWC images, sides divisible by 2^(levels−1).
 */
export function laplacianPyramid(images: tf.Tensor4D, levels: number): tf.Tensor4D[] {
  if (!Number.isInteger(levels) || levels < 1)
    throw new ArgumentError(
      `laplacianPyramid: levels must be an integer >= 1, got ${describe(levels)}`,
    );
  const side = images.shape[1];
  if (side % 2 ** (levels - 1) !== 0 || images.shape[2] % 2 ** (levels - 1) !== 0) {
    throw new ShapeError(
      `laplacianPyramid: ${levels} levels need sides divisible by ${2 ** (levels - 1)}, got ${describe(images)}`,
    );
  }
  return tf.tidy(() => {
    const gaussian = [images];
    for (let i = 1; i < levels; i++) gaussian.push(pyrDown(gaussian[i - 1]!));
    return gaussian.map((g, i) =>
      i + 1 < levels ? tf.sub(g, pyrUp(gaussian[i + 1]!)) : tf.clone(g),
    ) as tf.Tensor4D[];
  });
}

/** Centres of the patches: row-major pixel coordinates, one per patch, with its image. */
export interface PatchCentres {
  image: Int32Array;
  y: Int32Array;
  x: Int32Array;
}

/** `perImage` random centres per image, at least nhoodSize/2 from the borders (np.random.randint). */
export function randomCentres(
  count: number,
  side: number,
  nhoodSize: number,
  perImage: number,
  random: Rng,
): PatchCentres {
  const h = Math.floor(nhoodSize / 2);
  if (side - 2 * h < 1)
    throw new ShapeError(
      `swd: ${side}-pixel levels are too small for ${nhoodSize}×${nhoodSize} patches`,
    );
  const total = count * perImage;
  const out = { image: new Int32Array(total), y: new Int32Array(total), x: new Int32Array(total) };
  for (let i = 0; i < total; i++) {
    out.image[i] = Math.floor(i / perImage);
    out.x[i] = h + random.int(side - 2 * h);
    out.y[i] = h + random.int(side - 2 * h);
  }
  return out;
}

/**
 * The patches as descriptors [patches, C·k·k], components in the reference's order
 * (channel, column, row: its ogrid puts x before y), each channel then normalised to mean 0 and standard
 * deviation 1 over all patches and positions (`finalize_descriptors`).
 */
export function patchDescriptors(
  level: Float32Array,
  shape: [number, number, number, number],
  centres: PatchCentres,
  nhoodSize: number,
): Float32Array {
  const [, hh, ww, c] = shape;
  const k = nhoodSize;
  const r = Math.floor(k / 2);
  const n = centres.image.length;
  const dim = c * k * k;
  const out = new Float32Array(n * dim);
  for (let p = 0; p < n; p++) {
    const img = centres.image[p]!;
    const cy = centres.y[p]!;
    const cx = centres.x[p]!;
    if (cy < r || cy >= hh - r || cx < r || cx >= ww - r || img < 0 || img >= shape[0]) {
      throw new ShapeError(
        `swd: patch ${p} at (${img}, ${cy}, ${cx}) leaves the ${hh}×${ww} level`,
      );
    }
    for (let ch = 0; ch < c; ch++)
      for (let dy = 0; dy < k; dy++)
        for (let dx = 0; dx < k; dx++) {
          const src = ((img * hh + cy - r + dy) * ww + cx - r + dx) * c + ch;
          out[p * dim + (ch * k + dx) * k + dy] = level[src]!;
        }
  }
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    let squares = 0;
    const count = n * k * k;
    for (let p = 0; p < n; p++)
      for (let j = 0; j < k * k; j++) sum += out[p * dim + ch * k * k + j]!;
    const mean = sum / count;
    for (let p = 0; p < n; p++)
      for (let j = 0; j < k * k; j++) squares += (out[p * dim + ch * k * k + j]! - mean) ** 2;
    const std = Math.sqrt(squares / count) || 1;
    for (let p = 0; p < n; p++)
      for (let j = 0; j < k * k; j++) {
        const i = p * dim + ch * k * k + j;
        out[i] = (out[i]! - mean) / std;
      }
  }
  return out;
}

/**
 * Sliced Wasserstein distance of two equal-sized descriptor sets along `directions`
 * [dim, D] (unit columns): the mean over directions and points of |sort(A·d) − sort(B·d)|.
 */
export async function slicedWasserstein(
  a: Float32Array,
  b: Float32Array,
  dim: number,
  directions: tf.Tensor2D,
): Promise<number> {
  if (a.length !== b.length || a.length % dim !== 0 || directions.shape[0] !== dim) {
    throw new ShapeError(
      `slicedWasserstein: expected two sets of the same size with ${dim} components and directions [${dim}, D], got ${a.length}, ${b.length} values and ${describe(directions)}`,
    );
  }
  const n = a.length / dim;
  const value = tf.tidy(() => {
    const sorted = (x: Float32Array) =>
      tf.topk(tf.transpose(tf.matMul(tf.tensor2d(x, [n, dim]), directions)), n).values;
    return tf.mean(tf.abs(tf.sub(sorted(a), sorted(b))));
  });
  const out = (await value.data())[0]!;
  value.dispose();
  return out;
}

export interface SwdOptions {
  /** Patch side (default 7). */
  nhoodSize?: number;
  /** Patches per image and level (default 128). */
  nhoodsPerImage?: number;
  /** Random directions per level (default 512: the reference's 4 repeats × 128). */
  directions?: number;
  /** The smallest level (default 16, the reference's). */
  minResolution?: number;
  /** Seeds the patch centres and directions (default 0). */
  seed?: number;
  /** Fixed directions per level, [C·k·k, D] unit columns, instead of drawn ones. */
  fixedDirections?: tf.Tensor2D[];
  /** Fixed centres per level for the two sets, instead of drawn ones. */
  fixedCentres?: { real: PatchCentres; fake: PatchCentres }[];
}

export interface SwdResult {
  /** The side of each level, largest first. */
  resolutions: number[];
  /** SWD ×10³ per level, as the paper's tables. */
  perLevel: number[];
  /** Their mean. */
  average: number;
}

/** The resolutions ProGAN's SWD measures: the image side halved while >= minResolution. */
export function swdResolutions(side: number, minResolution = 16): number[] {
  const out: number[] = [];
  for (let r = side; r >= minResolution && Number.isInteger(r); r /= 2) out.push(r);
  return out;
}

/**
 * ProGAN's sliced Wasserstein distance (Karras et al. 2018, §5 and
 * metrics/sliced_wasserstein.py): per level of a Laplacian pyramid (image size down to
 * 16 px), 128 random 7×7 patches an image, each colour channel normalised over the
 * patches, SWD along 512 random unit directions, ×10³; and the mean of the levels.
 * `real` and `fake` are NHWC image batches of the same shape (any value range: the
 * normalisation removes it).
 *
 * @example
 * const swd = await slicedWassersteinDistance(realImages, fakeImages); // ×10³, per level and averaged
 */
export async function slicedWassersteinDistance(
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  options: SwdOptions = {},
): Promise<SwdResult> {
  for (const [name, t] of [
    ['real', real],
    ['fake', fake],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 4)
      throw new ShapeError(`swd: expected ${name} images [N, H, W, C], got ${describe(t)}`);
  }
  if (!tf.util.arraysEqual(real.shape, fake.shape) || real.shape[1] !== real.shape[2]) {
    throw new ShapeError(
      `swd: expected square real and fake batches of one shape, got [${real.shape.join(', ')}] and [${fake.shape.join(', ')}]`,
    );
  }
  const nhood = options.nhoodSize ?? 7;
  const perImage = options.nhoodsPerImage ?? 128;
  const count = options.directions ?? 512;
  for (const [name, v] of [
    ['nhoodSize', nhood],
    ['nhoodsPerImage', perImage],
    ['directions', count],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new ArgumentError(`swd: ${name} must be an integer >= 1, got ${describe(v)}`);
  }
  const resolutions = swdResolutions(real.shape[1], options.minResolution ?? 16);
  if (resolutions.length === 0) {
    throw new ShapeError(
      `swd: ${real.shape[1]}-pixel images are smaller than minResolution ${options.minResolution ?? 16}`,
    );
  }
  const random = rng(options.seed ?? 0);
  const pyramids = [real, fake].map((x) => laplacianPyramid(x, resolutions.length));
  const dim = real.shape[3] * nhood * nhood;
  const perLevel: number[] = [];
  try {
    for (let i = 0; i < resolutions.length; i++) {
      const side = resolutions[i]!;
      const fixed = options.fixedCentres?.[i];
      const descriptors = await Promise.all(
        pyramids.map(async (pyramid, which) => {
          const level = pyramid[i]!;
          const centres =
            (which === 0 ? fixed?.real : fixed?.fake) ??
            randomCentres(level.shape[0], side, nhood, perImage, random);
          return patchDescriptors(
            (await level.data()) as Float32Array,
            level.shape,
            centres,
            nhood,
          );
        }),
      );
      const directions =
        options.fixedDirections?.[i] ??
        tf.tidy(() => {
          const d = random.normal([dim, count]) as tf.Tensor2D;
          return tf.div(d, tf.norm(d, 'euclidean', 0, true)) as tf.Tensor2D;
        });
      try {
        perLevel.push(
          1e3 * (await slicedWasserstein(descriptors[0]!, descriptors[1]!, dim, directions)),
        );
      } finally {
        if (directions !== options.fixedDirections?.[i]) directions.dispose();
      }
    }
  } finally {
    tf.dispose(pyramids.flat());
  }
  return {
    resolutions,
    perLevel,
    average: perLevel.reduce((s, v) => s + v, 0) / perLevel.length,
  };
}
