import { ArgumentError, describe, tf } from '@atelier/core';
import { type Dataset, readFlo, videoFrames } from '@atelier/datasets';
import { checkFlow, composeFlows } from './flow.js';

/** One frame: RGB [H, W, 3] in [0, 255], with the optical flows to and from the previous frame. */
export interface VideoFrameInput {
  frame: tf.Tensor3D;
  /** Flow from this frame to the previous one [H, W, 2] (u, v in pixels): it warps the previous output here. */
  flowBackward?: tf.Tensor3D;
  /** Flow from the previous frame to this one; with flowBackward it gives the occlusion mask. */
  flowForward?: tf.Tensor3D;
  /** The frame's number in file names (videoFrames sets it); default index + 1. */
  number?: number;
}

/**
 * Frames as a folder of numbered images (Node; with `flowDir`, the .flo files
 * artistic-videos names backward_{t}_{s}.flo and forward_{s}_{t}.flo, read by
 * @atelier/datasets' videoFrames), a Dataset of videoFrames' elements, or an (async)
 * iterable of frames or tensors [H, W, 3]. Those read from a folder or a dataset are
 * disposed after use, the caller's are not.
 */
export type VideoSource =
  | string
  | Dataset<VideoFrameInput>
  | Iterable<VideoFrameInput | tf.Tensor3D>
  | AsyncIterable<VideoFrameInput | tf.Tensor3D>;

/** A frame as a flow function sees it: its 0-based index and the frame [H, W, 3] in [0, 255]. */
export interface FrameRef {
  index: number;
  frame: tf.Tensor3D;
}

/**
 * Optical flow computed by the caller: the flow from frame `from` to frame `to`,
 * [H, W, 2] (u, v in pixels at `from`'s pixels, pointing to where they are in `to`), or
 * undefined where it has none (then the files, the frames' own flows, or a chain of
 * consecutive flows are used). The returned tensor is disposed by the caller of the
 * function (stylizeVideo): return a new one each time.
 */
export type FlowFunction = (
  from: FrameRef,
  to: FrameRef,
) => tf.Tensor3D | undefined | Promise<tf.Tensor3D | undefined>;

interface Item {
  input: VideoFrameInput;
  owned: boolean;
}

const FN = 'stylizeVideo';

function isFrameInput(x: unknown): x is VideoFrameInput {
  return x !== null && typeof x === 'object' && (x as VideoFrameInput).frame instanceof tf.Tensor;
}

function asItem(x: unknown, index: number, owned: boolean): Item {
  if (x instanceof tf.Tensor) return { input: { frame: x as tf.Tensor3D }, owned };
  if (isFrameInput(x)) return { input: x, owned };
  throw new ArgumentError(
    `${FN}: frame ${index} must be a tensor [H, W, 3] or { frame, flowBackward?, flowForward? }, got ${describe(x)}`,
  );
}

function disposeItem(item: Item): void {
  if (!item.owned) return;
  const f = item.input;
  tf.dispose([f.frame, f.flowBackward, f.flowForward].filter((t) => t !== undefined));
}

type Fetch = (index: number) => Promise<Item | undefined>;

/** Sequential access to an iterator: items come in order, each once. */
function streamFetch(iterator: AsyncIterator<unknown>, owned: boolean): Fetch {
  let next = 0;
  return async (index) => {
    if (index !== next) {
      throw new ArgumentError(
        `${FN}: frame ${index} of a stream was asked for after frame ${next - 1}; give a folder, a Dataset or an array for this schedule`,
      );
    }
    const r = await iterator.next();
    if (r.done) return undefined;
    next++;
    return asItem(r.value, index, owned);
  };
}

async function fetchOf(
  source: VideoSource,
  flowDir: string | undefined,
): Promise<{ fetch: Fetch; reloadable: boolean; size?: number | undefined } | undefined> {
  if (typeof source === 'string') {
    const ds = await videoFrames({ dir: source, range: 'byte', ...(flowDir ? { flowDir } : {}) });
    return { fetch: datasetFetch(ds), reloadable: true, size: ds.size };
  }
  if (source === null || typeof source !== 'object') return undefined;
  if ('randomAccess' in source) {
    const ds = source as Dataset<VideoFrameInput>;
    if (ds.randomAccess) return { fetch: datasetFetch(ds), reloadable: true, size: ds.size };
    return { fetch: streamFetch(ds[Symbol.asyncIterator](), true), reloadable: false };
  }
  if (Symbol.asyncIterator in source)
    return { fetch: streamFetch(source[Symbol.asyncIterator](), false), reloadable: false };
  if (Array.isArray(source)) {
    const items = source as unknown[];
    const fetch: Fetch = async (i) => (i < items.length ? asItem(items[i], i, false) : undefined);
    return { fetch, reloadable: true, size: items.length };
  }
  if (Symbol.iterator in source) {
    const it = (source as Iterable<unknown>)[Symbol.iterator]();
    const iterator: AsyncIterator<unknown> = { next: async () => it.next() };
    return { fetch: streamFetch(iterator, false), reloadable: false };
  }
  return undefined;
}

function datasetFetch(ds: Dataset<VideoFrameInput>): Fetch {
  return async (i) => {
    if (ds.size !== undefined && i >= ds.size) return undefined;
    const x = await ds.get(i);
    return x === undefined ? undefined : asItem(x, i, true);
  };
}

/**
 * The frames of a video and the flows between any two of them, read as needed: frames
 * from a folder, a random-access Dataset or an array are read again when asked for
 * after `retain` dropped them; a stream's frames are read once, in order, and kept until
 * dropped. Flow from `from` to `to` comes from, in order: the flow function; the
 * frames' own consecutive flows; the file backward_{t}_{s}.flo / forward_{s}_{t}.flo in
 * `flowDir` (t, s the frames' numbers); the chain of consecutive flows composed.
 */
export class FrameSequence {
  private readonly cache = new Map<number, Item>();
  private end: number | undefined;

  private constructor(
    private readonly fetch: Fetch,
    readonly reloadable: boolean,
    /** The frame count when the source knows it (a folder, a Dataset, an array). */
    readonly size: number | undefined,
    private readonly flowFn: FlowFunction | undefined,
    private readonly flowDir: string | undefined,
  ) {}

  static async open(
    source: VideoSource,
    options: { flowDir?: string | undefined; flow?: FlowFunction | undefined },
  ): Promise<FrameSequence> {
    if (options.flow !== undefined && typeof options.flow !== 'function') {
      throw new ArgumentError(
        `${FN}: flow must be a function (from, to) => flow [H, W, 2], got ${describe(options.flow)}`,
      );
    }
    const opened = await fetchOf(source, options.flowDir);
    if (!opened) {
      throw new ArgumentError(
        `${FN}: frames must be a folder path, a Dataset of frames, or an iterable of { frame, flowBackward?, flowForward? } or tensors, got ${describe(source)}`,
      );
    }
    const { fetch, reloadable, size } = opened;
    return new FrameSequence(fetch, reloadable, size, options.flow, options.flowDir);
  }

  /** Frame `index` with its own flows, or undefined past the last one. */
  async item(index: number): Promise<VideoFrameInput | undefined> {
    if (this.end !== undefined && index >= this.end) return undefined;
    let item = this.cache.get(index);
    if (!item) {
      item = await this.fetch(index);
      if (!item) {
        this.end = index;
        return undefined;
      }
      checkFrame(item.input.frame, index);
      this.cache.set(index, item);
    }
    return item.input;
  }

  async frame(index: number): Promise<tf.Tensor3D | undefined> {
    return (await this.item(index))?.frame;
  }

  /** The number of frames (reads a stream to its end). */
  async length(): Promise<number> {
    let i = this.cache.size ? Math.max(...this.cache.keys()) + 1 : 0;
    while (this.end === undefined) if ((await this.item(i)) !== undefined) i++;
    return this.end;
  }

  /** The flow [H, W, 2] from frame `from` to frame `to` at the frames' size, or undefined; the caller owns it. */
  async flow(from: number, to: number): Promise<tf.Tensor3D | undefined> {
    const direct = await this.directFlow(from, to);
    if (direct || Math.abs(from - to) <= 1) return direct;
    const step = Math.sign(to - from);
    let chain = await this.directFlow(from, from + step);
    for (let k = from + step; chain && k !== to; k += step) {
      const link = await this.directFlow(k, k + step);
      const longer = link ? composeFlows(chain, link) : undefined;
      tf.dispose([chain, link].filter((t) => t !== undefined));
      chain = longer;
    }
    return chain;
  }

  /** Drops the frames outside [lo, hi] (a stream's only below lo: it cannot be read again). */
  retain(lo: number, hi: number): void {
    for (const [i, item] of this.cache) {
      if (i < lo || (this.reloadable && i > hi)) {
        disposeItem(item);
        this.cache.delete(i);
      }
    }
  }

  dispose(): void {
    for (const item of this.cache.values()) disposeItem(item);
    this.cache.clear();
  }

  private async directFlow(from: number, to: number): Promise<tf.Tensor3D | undefined> {
    const a = await this.item(from);
    const b = await this.item(to);
    if (!a || !b) return undefined;
    const what = `the flow from frame ${from} to frame ${to}`;
    if (this.flowFn) {
      const f = await this.flowFn({ index: from, frame: a.frame }, { index: to, frame: b.frame });
      if (f !== undefined) {
        try {
          return checkFlow(f, a.frame, what);
        } catch (error) {
          if (f instanceof tf.Tensor) f.dispose();
          throw error;
        }
      }
    }
    if (from === to + 1 && a.flowBackward)
      return tf.clone(checkFlow(a.flowBackward, a.frame, `frame ${from}'s flowBackward`));
    if (from === to - 1 && b.flowForward)
      return tf.clone(checkFlow(b.flowForward, a.frame, `frame ${to}'s flowForward`));
    return this.flowFile(from, to, a, b);
  }

  private async flowFile(
    from: number,
    to: number,
    a: VideoFrameInput,
    b: VideoFrameInput,
  ): Promise<tf.Tensor3D | undefined> {
    if (!this.flowDir) return undefined;
    const { join } = await import('node:path');
    const { access } = await import('node:fs/promises');
    const kind = from > to ? 'backward' : 'forward';
    const path = join(this.flowDir, `${kind}_${a.number ?? from + 1}_${b.number ?? to + 1}.flo`);
    if (
      !(await access(path).then(
        () => true,
        () => false,
      ))
    )
      return undefined;
    const f = await readFlo(path);
    try {
      return checkFlow(f, a.frame, path);
    } catch (error) {
      f.dispose();
      throw error;
    }
  }
}

function checkFrame(frame: tf.Tensor, index: number): void {
  if (frame.rank !== 3 || frame.shape[2] !== 3) {
    throw new ArgumentError(`${FN}: frame ${index} must be RGB [H, W, 3], got ${describe(frame)}`);
  }
}
