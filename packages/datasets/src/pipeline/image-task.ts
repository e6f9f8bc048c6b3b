import { FormatError, readImage } from '@atelier/core';
import { rgbToLabArray } from '../image/lab.js';
import { columns, type Pixels } from '../image/pixels.js';
import { type ImageRange, scaleInto } from '../image/range.js';
import { drawParams, preprocess, type ResolvedPreprocess } from './preprocess.js';

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

export async function decodeToPixels(path: string, channels: 1 | 3): Promise<Pixels> {
  const image = await readImage(path, { channels });
  try {
    const [height, width, c] = image.shape;
    // Our own copy: the backend may reuse or free its buffer on dispose.
    const data = Float32Array.from(image.dataSync() as Float32Array);
    return { data, height, width, channels: c };
  } finally {
    image.dispose();
  }
}

function finish(p: Pixels, task: ImageTask): TaskPart[] {
  if (task.output === 'image') {
    return [
      {
        data: scaleInto(p.data, 255, task.range),
        height: p.height,
        width: p.width,
        channels: p.channels,
      },
    ];
  }
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

export async function runImageTask(task: ImageTask, decoded?: Pixels): Promise<TaskPart[]> {
  const image = decoded ?? (await decodeToPixels(task.path, task.channels));
  let parts = [image];
  if (task.split === 'halves') {
    if (image.width < 2)
      throw new FormatError(
        `${task.path}: an aligned pair needs a width of at least 2, got ${image.width}`,
      );
    const half = Math.floor(image.width / 2);
    parts = [columns(image, 0, half), columns(image, half, half)];
  }
  const out: TaskPart[] = [];
  parts.forEach((part, k) => {
    const draws = task.draws[Math.min(k, task.draws.length - 1)]!;
    const params = drawParams(part.width, part.height, task.preprocess, fromDraws(draws));
    out.push(...finish(preprocess(part, task.preprocess, params, 255), task));
  });
  return out;
}
