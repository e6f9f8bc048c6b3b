import {
  ArgumentError,
  describe,
  FormatError,
  isNode,
  resolveMaxPixels,
  rng,
  tf,
} from '@atelier/core';
import { loadSharp } from '../image/native-jpeg.js';
import { checkRange, type ImageRange } from '../image/range.js';
import type { ImageDecoder, ImageTask, TaskPart } from '../pipeline/image-task.js';
import {
  type PreprocessOptions,
  type ResolvedPreprocess,
  resolvePreprocess,
} from '../pipeline/preprocess.js';
import { resolveWorkers, runTask, type WorkersOption } from '../pipeline/worker-pool.js';
import { type DataFileOptions, type DataFilePolicy, resolveDataFiles } from './data-files.js';
import type { ListOptions, ProgressCallback } from './files.js';
import { ImageCache } from './image-cache.js';

/** Options every image-folder source takes. */
export interface ImageSourceOptions extends PreprocessOptions, DataFileOptions {
  /** Seed of the augmentations (crop positions, flips, shuffles of a side); default 0. */
  seed?: number;
  /** Value range: 'signed' [-1, 1] (default, as junyanz), 'unit' [0, 1] or 'byte' [0, 255]. */
  range?: ImageRange;
  /** Decode threads: 'auto' (default, Node: one per spare core, up to 4) or a number; 0 decodes in this thread. */
  workers?: WorkersOption;
  /**
   * 'auto' (default): 'native' where `sharp` loads (Node), 'js' elsewhere.
   * 'native': JPEGs through libjpeg-turbo (the optional `sharp` package), the library
   * PIL decodes with: the same bytes as PIL, about 6x faster; other formats as 'js'.
   * 'js': core's pure JavaScript decoders, the same pixels on every machine (JPEGs
   * within a few levels of PIL's).
   */
  decoder?: ImageDecoder | 'auto';
  /** Skip files that fail to decode, with a warning, instead of failing the epoch. */
  skipBroken?: boolean;
  /** Where skip warnings go (default console.warn). */
  onWarning?: (message: string) => void;
  /** Progress of preparing the source (scanning large folders, caching). */
  onProgress?: ProgressCallback;
  /**
   * Keep each decoded file in memory (as bytes) after its first read: later epochs only
   * crop and flip. Default false (every epoch reads and decodes, as torchvision does).
   */
  cache?: boolean;
  /**
   * The decoders' pixel budget: a file whose header declares more pixels is a
   * FormatError naming it (skipped with `skipBroken`). Default: ATELIER_MAX_PIXELS,
   * else 2^26 (8192 x 8192).
   */
  maxPixels?: number;
}

export interface ResolvedSource {
  seed: number;
  range: ImageRange;
  workers: number;
  skipBroken: boolean;
  warn: (message: string) => void;
  onProgress: ProgressCallback | undefined;
  preprocess: ResolvedPreprocess;
  cache: boolean;
  decoder: ImageDecoder;
  maxPixels: number;
  files: DataFilePolicy;
}

export async function resolveSource(
  fn: string,
  options: ImageSourceOptions,
  defaults: PreprocessOptions = {},
): Promise<ResolvedSource> {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError(`${fn}: expected an options object, got ${describe(options)}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed))
    throw new ArgumentError(`${fn}: seed must be a safe integer, got ${describe(seed)}`);
  const workers = options.workers;
  if (
    workers !== undefined &&
    workers !== 'auto' &&
    !(Number.isInteger(workers) && workers >= 0 && workers <= 64)
  ) {
    throw new ArgumentError(
      `${fn}: workers must be 'auto' or an integer in [0, 64], got ${describe(workers)}`,
    );
  }
  const requested = options.decoder ?? 'auto';
  if (requested !== 'js' && requested !== 'native' && requested !== 'auto') {
    throw new ArgumentError(
      `${fn}: decoder must be 'auto', 'js' or 'native', got ${describe(requested)}`,
    );
  }
  let decoder: ImageDecoder = requested === 'native' ? 'native' : 'js';
  if (requested === 'auto' && isNode && (await loadSharp()).sharp) decoder = 'native';
  if (requested === 'native') {
    const { sharp, error } = await loadSharp();
    if (!sharp) {
      throw new ArgumentError(
        `${fn}: decoder 'native' needs the optional package sharp (npm i sharp), which did not load: ${error}`,
      );
    }
  }
  let preprocess: ResolvedPreprocess;
  try {
    preprocess = resolvePreprocess({ ...defaults, ...options });
  } catch (error) {
    throw new ArgumentError(`${fn}: ${(error as Error).message}`);
  }
  const maxPixels = resolveMaxPixels(options.maxPixels, fn);
  const files = resolveDataFiles(options, fn);
  return {
    seed,
    maxPixels,
    files,
    range: checkRange(options.range, fn),
    workers: await resolveWorkers(workers),
    skipBroken: options.skipBroken ?? false,
    warn: options.onWarning ?? ((m) => console.warn(m)),
    onProgress: options.onProgress,
    preprocess,
    cache: options.cache ?? false,
    decoder,
  };
}

/** `parts` triples of uniforms for sample `index` of `epoch`: the same each run, independent of order. */
export function drawsFor(
  seed: number,
  stream: string,
  epoch: number,
  index: number,
  parts: number,
): number[][] {
  const r = rng(seed).fork(`${stream} ${epoch} ${index}`);
  return Array.from({ length: parts }, () => [r.float(), r.float(), r.float()]);
}

export function partTensor(part: TaskPart): tf.Tensor3D {
  return tf.tensor3d(part.data, [part.height, part.width, part.channels], 'float32');
}

export function imageTask(
  source: ResolvedSource,
  fields: Omit<ImageTask, 'preprocess' | 'range' | 'output'> & Partial<Pick<ImageTask, 'output'>>,
): ImageTask {
  return {
    output: 'image',
    ...fields,
    preprocess: source.preprocess,
    range: source.range,
    decoder: source.decoder,
    limits: { maxPixels: source.maxPixels, maxFileBytes: source.files.maxFileBytes },
  };
}

/**
 * How a source lists its folders: its symlink and size policy, its progress, and with
 * `skipBroken` a refused entry (a FIFO, a device, a link out of the folder) reported
 * once and left out instead of failing.
 */
export function listing(source: ResolvedSource, reported = new Set<string>()): ListOptions {
  const options: ListOptions = { policy: source.files, onProgress: source.onProgress };
  if (source.skipBroken) {
    options.onRefused = (error) => {
      if (reported.has(error.message)) return;
      reported.add(error.message);
      source.warn(`skipping a broken file: ${error.message}`);
    };
  }
  return options;
}

/**
 * Runs the loads of one sample. A file that fails to decode is a FormatError naming it;
 * with `skipBroken` it is reported once and the sample comes back undefined (skipped).
 */
export async function loadSample<T>(
  source: ResolvedSource,
  work: () => Promise<T>,
  reported: Set<string>,
): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof FormatError) || !source.skipBroken) throw error;
    if (!reported.has(error.message)) {
      reported.add(error.message);
      source.warn(`skipping a broken file: ${error.message}`);
    }
    return undefined;
  }
}

/** A source's loader: runs image tasks (here or on the worker threads), through the cache when on. */
export function loader(
  source: ResolvedSource,
  files: number,
): (task: ImageTask) => Promise<TaskPart[]> {
  const cache = source.cache ? new ImageCache(files, source.onProgress) : undefined;
  return async (task) => {
    const decoded = cache?.get(task.path);
    const result = await runTask(
      decoded ? { ...task, decoded } : cache ? { ...task, keepDecoded: true } : task,
      source.workers,
    );
    if (cache && result.decoded) cache.set(task.path, result.decoded);
    return result.parts;
  };
}
