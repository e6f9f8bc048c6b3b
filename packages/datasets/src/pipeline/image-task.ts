import { AtelierError, decodeImage, FormatError, imageInfo } from '@atelier/core';
import { bytesRaster, convertBytes, type DecodedImage } from '../image/bytes.js';
import { rgbToLabArray } from '../image/lab.js';
import { decodeJpegNative, isJpeg } from '../image/native-jpeg.js';
import type { Pixels } from '../image/pixels.js';
import type { ImageRange } from '../image/range.js';
import { resampleWindow } from '../image/resample.js';
import { readDataFile } from '../sources/data-files.js';
import { drawParams, preprocessWindow, type ResolvedPreprocess } from './preprocess.js';

/**
 * One image to load: read, decode, optionally split into its A|B halves, preprocess
 * each part with its own (or a shared) set of random draws, and convert. The same task
 * runs in a worker thread or in the calling thread: plain data in, plain data out.
 */
export interface ImageTask {
  path: string;
  channels: 1 | 3;
  /** 'halves': an aligned pair side by side; the two parts are A (left) and B (right). */
  split: 'none' | 'halves';
  preprocess: ResolvedPreprocess;
  /** Three uniforms in [0, 1) per part (x, y, flip), or one triple shared by both halves. */
  draws: number[][];
  /** 'image' scales into `range`; 'lab' gives L / 50 - 1 and ab / 110 (junyanz's colorization). */
  output: 'image' | 'lab';
  range: ImageRange;
  /** Which decoder reads JPEGs (default 'js', core's). */
  decoder?: ImageDecoder;
  /** The decoded file, when cached: no read, no decode. */
  decoded?: DecodedImage;
  /** Send the decoded file back (to be cached). */
  keepDecoded?: boolean;
  /** The decoders' pixel budget and the largest file read (defaults: core's and data-files.ts'). */
  limits?: DecodeLimits;
}

export interface DecodeLimits {
  maxPixels?: number;
  maxFileBytes?: number;
}

export type { DecodedImage } from '../image/bytes.js';

export interface TaskResult {
  parts: TaskPart[];
  decoded?: DecodedImage;
}

export interface TaskPart {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

function fromDraws(draws: number[]): () => number {
  let k = 0;
  return () => draws[k++ % draws.length]!;
}

/** Core's pure JavaScript decoders, or libjpeg-turbo for JPEGs (see native-jpeg.ts). */
export type ImageDecoder = 'js' | 'native';

/** The same error, with the file's path in front of its message. */
function naming(error: unknown, path: string): unknown {
  if (!(error instanceof AtelierError) || error.message.startsWith(path)) return error;
  const Kind = error.constructor as new (m: string, o?: { cause?: unknown }) => AtelierError;
  return new Kind(`${path}: ${error.message}`, { cause: error });
}

/**
 * Reads (a regular file within `limits.maxFileBytes`) and decodes (within
 * `limits.maxPixels`, checked from the header) a file to 8-bit samples with `channels`
 * channels (converted as PIL's `convert('L')` / `convert('RGB')`). Errors name the file.
 */
export async function decodeToBytes(
  path: string,
  channels: 1 | 3,
  decoder: ImageDecoder = 'js',
  limits: DecodeLimits = {},
): Promise<DecodedImage> {
  const bytes = await readDataFile(path, 'readImage', limits.maxFileBytes);
  let image: Awaited<ReturnType<typeof decodeImage>>;
  try {
    if (decoder === 'native' && isJpeg(bytes)) {
      const { width, height } = imageInfo(bytes, { maxPixels: limits.maxPixels });
      return convertBytes(await decodeJpegNative(bytes, path, width * height), channels);
    }
    // Core decodes to float32 samples; in their own channels they are the file's bytes.
    image = await decodeImage(bytes, { maxPixels: limits.maxPixels });
  } catch (error) {
    throw naming(error, path);
  }
  try {
    const [height, width, c] = image.shape;
    const bytes = new Uint8Array(height * width * c);
    bytes.set(image.dataSync() as Float32Array);
    return convertBytes({ bytes, height, width, channels: c }, channels);
  } finally {
    image.dispose();
  }
}

/** The range's affine map from bytes: v * scale + offset. */
function rangeMap(range: ImageRange): { scale: number; offset: number } {
  if (range === 'signed') return { scale: 2 / 255, offset: -1 };
  if (range === 'unit') return { scale: 1 / 255, offset: 0 };
  return { scale: 1, offset: 0 };
}

/** L / 50 - 1 and ab / 110 from RGB bytes (junyanz's colorization scaling). */
function toLab(p: Pixels): TaskPart[] {
  const n = p.height * p.width;
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < n * 3; i++) rgb[i] = p.data[p.channels === 3 ? i : Math.floor(i / 3)]! / 255;
  const lab = rgbToLabArray(rgb);
  const L = new Float32Array(n);
  const ab = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    L[i] = lab[i * 3]! / 50 - 1;
    ab[i * 2] = lab[i * 3 + 1]! / 110;
    ab[i * 2 + 1] = lab[i * 3 + 2]! / 110;
  }
  return [
    { data: L, height: p.height, width: p.width, channels: 1 },
    { data: ab, height: p.height, width: p.width, channels: 2 },
  ];
}

/**
 * Runs a task. Each part is one resample window over the decoded image (the half of a
 * pair is a column range of it, not a copy), rounded as PIL rounds 8-bit images and
 * written straight into the output range.
 */
export async function runImageTask(task: ImageTask): Promise<TaskResult> {
  const file =
    task.decoded ?? (await decodeToBytes(task.path, task.channels, task.decoder, task.limits));
  const image = bytesRaster(file);
  // A copy of its own for the cache: the decoder's buffer may be shared, and it is sent
  // to the caller's thread by transfer.
  const decoded =
    task.keepDecoded && !task.decoded ? { ...file, bytes: file.bytes.slice() } : undefined;
  const halves = task.split === 'halves';
  if (halves && image.width < 2) {
    throw new FormatError(
      `${task.path}: an aligned pair needs a width of at least 2, got ${image.width}`,
    );
  }
  const partWidth = halves ? Math.floor(image.width / 2) : image.width;
  const map = task.output === 'image' ? rangeMap(task.range) : { scale: 1, offset: 0 };
  const out: TaskPart[] = [];
  for (let k = 0; k < (halves ? 2 : 1); k++) {
    const draws = task.draws[Math.min(k, task.draws.length - 1)]!;
    const params = drawParams(partWidth, image.height, task.preprocess, fromDraws(draws));
    const window = {
      ...preprocessWindow(partWidth, image.height, task.preprocess, params),
      sourceX: k * partWidth,
      sourceWidth: partWidth,
    };
    const part = resampleWindow(image, window, {
      interpolation: task.preprocess.interpolation,
      clampTo: 255,
      round: true,
      ...map,
    });
    if (task.output === 'lab') out.push(...toLab(part));
    else out.push(part);
  }
  return decoded ? { parts: out, decoded } : { parts: out };
}
