import { ArgumentError, describe, rng, tf } from '@atelier/core';
import { collate } from './collate.js';
import { disposeElement, type Element } from './elements.js';

/** What batching makes of an element type: tensors stacked, numbers and booleans as vectors, strings as arrays. */
export type Batched<T> = T extends tf.Tensor
  ? tf.Tensor
  : T extends number | boolean
    ? tf.Tensor1D
    : T extends string
      ? string[]
      : T extends (infer U)[]
        ? Batched<U>[]
        : T extends object
          ? { [K in keyof T]: Batched<T[K]> }
          : T;

/** Where a sample sits in the current pass: its position and the epoch (0, 1, ...). */
export interface SampleContext {
  index: number;
  epoch: number;
}

/**
 * How a dataset produces its elements. `get` gives random access (sources, synthetic
 * sets, and whatever map/shuffle/batch make of them); `stream` is the sequential form
 * every dataset has. `undefined` from either marks a sample that was skipped (a broken
 * file under `skipBroken`): iteration passes over it and a batch comes out smaller.
 */
interface Producer<T> {
  size: number | undefined;
  get?: (index: number, epoch: number) => Promise<T | undefined>;
  stream: (epoch: number) => AsyncIterator<T | undefined>;
}

export interface IterateOptions {
  /** Which epoch this pass is (shuffles and augmentations draw from it); default: the next. */
  epoch?: number;
  /**
   * Dispose each element when the next one is requested (and the last when the loop
   * ends or breaks). Default true: a training loop then leaks nothing. With false the
   * caller owns every element.
   */
  dispose?: boolean;
}

function streamFromGet<T>(
  size: number,
  get: (index: number, epoch: number) => Promise<T | undefined>,
): (epoch: number) => AsyncIterator<T | undefined> {
  return async function* (epoch: number) {
    for (let i = 0; i < size; i++) yield await get(i, epoch);
  } as (epoch: number) => AsyncIterator<T | undefined>;
}

function checkCount(n: unknown, what: string, min = 1): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new ArgumentError(`${what}: expected an integer >= ${min}, got ${describe(n)}`);
  }
  return n;
}

/**
 * A dataset: a lazy, composable sequence of elements, iterated with `for await`.
 *
 * ```ts
 * const batches = (await alignedFolder({ dir: 'facades/train' })).shuffle(1).batch(4).prefetch(2);
 * for await (const { A, B } of batches) step(A, B); // A, B: [4, 256, 256, 3], disposed after
 * ```
 *
 * Each `for await` is one epoch; shuffles and augmentations reseed from (seed, epoch),
 * so the same seeds give the same epochs, batch for batch.
 */
export class Dataset<T = Element> {
  private epochs = 0;

  private constructor(private readonly producer: Producer<T>) {}

  /** A dataset of `size` elements produced on demand by `get(index, epoch)`. */
  static indexed<T>(
    size: number,
    get: (index: number, epoch: number) => T | undefined | Promise<T | undefined>,
  ): Dataset<T> {
    checkCount(size, 'Dataset.indexed: size', 0);
    const access = async (index: number, epoch: number) => get(index, epoch);
    return new Dataset<T>({ size, get: access, stream: streamFromGet(size, access) });
  }

  /** A dataset from an async generator per epoch (length unknown unless given). */
  static stream<T>(
    generate: (epoch: number) => AsyncIterable<T> | Iterable<T>,
    size?: number,
  ): Dataset<T> {
    return new Dataset<T>({
      size,
      stream: (epoch) => {
        const it = generate(epoch);
        return Symbol.asyncIterator in it
          ? (it as AsyncIterable<T>)[Symbol.asyncIterator]()
          : (async function* () {
              yield* it as Iterable<T>;
            })();
      },
    });
  }

  /** The elements of an array (which the dataset does not own: it hands out clones). */
  static fromArray<T>(items: T[]): Dataset<T> {
    return Dataset.indexed(items.length, (i) => cloneElement(items[i]!));
  }

  /** The number of elements of an epoch, when known (an upper bound where files are skipped). */
  get size(): number | undefined {
    return this.producer.size;
  }

  /** Whether `get` is available. */
  get randomAccess(): boolean {
    return this.producer.get !== undefined;
  }

  /** Element `index` of epoch `epoch` (default 0); the caller owns it. */
  async get(index: number, epoch = 0): Promise<T | undefined> {
    const { get, size } = this.producer;
    if (!get) throw new ArgumentError('Dataset.get: this dataset is a stream (no random access)');
    if (!Number.isInteger(index) || index < 0 || (size !== undefined && index >= size)) {
      throw new ArgumentError(
        `Dataset.get: index must be an integer in [0, ${size}), got ${describe(index)}`,
      );
    }
    return get(index, epoch);
  }

  /**
   * Applies `fn` to each element, inside `tf.tidy`: its intermediate tensors are freed,
   * and the input's tensors that the result does not keep are disposed.
   */
  map<U>(fn: (x: T, context: SampleContext) => U): Dataset<U> {
    if (typeof fn !== 'function')
      throw new ArgumentError(`map: expected a function, got ${describe(fn)}`);
    return this.mapAsync(
      (x, ctx) => tf.tidy(() => fn(x, ctx) as tf.TensorContainer) as unknown as U,
    );
  }

  /** `map` for async functions (no tidy: the function frees its own intermediates). */
  mapAsync<U>(fn: (x: T, context: SampleContext) => U | Promise<U>): Dataset<U> {
    if (typeof fn !== 'function')
      throw new ArgumentError(`mapAsync: expected a function, got ${describe(fn)}`);
    const apply = async (
      x: T | undefined,
      index: number,
      epoch: number,
    ): Promise<U | undefined> => {
      if (x === undefined) return undefined;
      let out: U;
      try {
        out = await fn(x, { index, epoch });
      } catch (error) {
        disposeElement(x);
        throw error;
      }
      disposeElement(x, out);
      return out;
    };
    const { get, size } = this.producer;
    const source = this.producer;
    return new Dataset<U>({
      size,
      get: get && (async (i, epoch) => apply(await get(i, epoch), i, epoch)),
      stream: async function* (epoch: number) {
        const it = source.stream(epoch);
        let index = 0;
        try {
          for (let r = await it.next(); !r.done; r = await it.next())
            yield await apply(r.value, index++, epoch);
        } finally {
          await it.return?.();
        }
      } as (epoch: number) => AsyncIterator<U | undefined>,
    });
  }

  /**
   * Shuffles each epoch with a seeded generator. With random access the whole epoch is
   * permuted (nothing is held in memory); a stream, or `bufferSize`, shuffles within a
   * buffer of that many elements, as tf.data does.
   */
  shuffle(seed: number, options: { bufferSize?: number } = {}): Dataset<T> {
    if (!Number.isSafeInteger(seed))
      throw new ArgumentError(`shuffle: expected an integer seed, got ${describe(seed)}`);
    const root = rng(seed);
    const { get, size } = this.producer;
    if (get && size !== undefined && options.bufferSize === undefined) {
      let cached: { epoch: number; order: number[] } | undefined;
      const order = (epoch: number) => {
        if (cached?.epoch !== epoch)
          cached = { epoch, order: root.fork(`epoch ${epoch}`).permutation(size) };
        return cached.order;
      };
      const permuted = (i: number, epoch: number) => get(order(epoch)[i]!, epoch);
      return new Dataset<T>({ size, get: permuted, stream: streamFromGet(size, permuted) });
    }
    const bufferSize = checkCount(options.bufferSize ?? 1000, 'shuffle: bufferSize');
    const source = this.producer;
    return new Dataset<T>({
      size,
      stream: async function* (epoch: number) {
        const random = root.fork(`epoch ${epoch}`);
        const buffer: T[] = [];
        const it = source.stream(epoch);
        try {
          for (let r = await it.next(); !r.done; r = await it.next()) {
            if (r.value === undefined) continue;
            buffer.push(r.value);
            if (buffer.length >= bufferSize) {
              const j = random.int(buffer.length);
              const out = buffer[j]!;
              buffer[j] = buffer[buffer.length - 1]!;
              buffer.pop();
              yield out;
            }
          }
          while (buffer.length > 0) {
            const j = random.int(buffer.length);
            const out = buffer[j]!;
            buffer[j] = buffer[buffer.length - 1]!;
            buffer.pop();
            yield out;
          }
        } finally {
          disposeElement(buffer);
          await it.return?.();
        }
      } as (epoch: number) => AsyncIterator<T | undefined>,
    });
  }

  /**
   * Groups `n` consecutive elements into one, stacking tensors along a new first axis
   * (HWC images become NHWC batches). The members are fetched concurrently, so decoding
   * in worker threads overlaps. Skipped samples make a batch smaller.
   */
  batch(n: number, options: { dropRemainder?: boolean } = {}): Dataset<Batched<T>> {
    checkCount(n, 'batch: size');
    const dropRemainder = options.dropRemainder ?? false;
    const { get, size } = this.producer;
    const source = this.producer;
    const finish = (members: (T | undefined)[]): Batched<T> | undefined => {
      const present = members.filter((m): m is T => m !== undefined);
      if (present.length === 0 || (dropRemainder && present.length < n)) {
        disposeElement(present);
        return undefined;
      }
      return collate(present as Element[]) as Batched<T>;
    };
    if (get && size !== undefined) {
      const batches = dropRemainder ? Math.floor(size / n) : Math.ceil(size / n);
      const batchAt = async (b: number, epoch: number) => {
        const indices = Array.from({ length: Math.min(n, size - b * n) }, (_, k) => b * n + k);
        const settled = await Promise.allSettled(indices.map((i) => get(i, epoch)));
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) {
          for (const s of settled) if (s.status === 'fulfilled') disposeElement(s.value);
          throw failed.reason;
        }
        return finish(settled.map((s) => (s as PromiseFulfilledResult<T | undefined>).value));
      };
      return new Dataset<Batched<T>>({
        size: batches,
        get: batchAt,
        stream: streamFromGet(batches, batchAt),
      });
    }
    return new Dataset<Batched<T>>({
      size:
        size === undefined ? undefined : dropRemainder ? Math.floor(size / n) : Math.ceil(size / n),
      stream: async function* (epoch: number) {
        const it = source.stream(epoch);
        let members: T[] = [];
        try {
          for (let r = await it.next(); !r.done; r = await it.next()) {
            if (r.value === undefined) continue;
            members.push(r.value);
            if (members.length === n) {
              const full = members;
              members = [];
              yield finish(full);
            }
          }
          if (members.length > 0) {
            const rest = members;
            members = [];
            yield finish(rest);
          }
        } finally {
          disposeElement(members);
          await it.return?.();
        }
      } as (epoch: number) => AsyncIterator<Batched<T> | undefined>,
    });
  }

  /**
   * Produces up to `k` elements ahead of the consumer, so loading (file reads, worker
   * decoding) overlaps the training step. Elements still in flight when a loop stops
   * early are disposed when they arrive.
   */
  prefetch(k: number): Dataset<T> {
    checkCount(k, 'prefetch: size');
    const { get, size } = this.producer;
    const source = this.producer;
    const stream = async function* (epoch: number) {
      const queue: Promise<IteratorResult<T | undefined>>[] = [];
      let exhausted = false;
      let pulled = 0;
      let it: AsyncIterator<T | undefined> | undefined;
      if (!get) it = source.stream(epoch);
      const pull = (): Promise<IteratorResult<T | undefined>> => {
        if (get && size !== undefined) {
          if (pulled >= size) return Promise.resolve({ done: true, value: undefined });
          const i = pulled++;
          return get(i, epoch).then((value) => ({ done: false, value }));
        }
        // A stream's next() calls are queued by the generator itself, in order.
        return it!.next();
      };
      const fill = () => {
        while (!exhausted && queue.length < k) queue.push(pull());
      };
      try {
        fill();
        while (queue.length > 0) {
          const r = await queue.shift()!;
          if (r.done) {
            exhausted = true;
            continue;
          }
          fill();
          yield r.value;
        }
      } finally {
        // Stopped early: free what is still arriving.
        const pending = queue.splice(0);
        const settled = await Promise.allSettled(pending);
        for (const s of settled)
          if (s.status === 'fulfilled' && !s.value.done) disposeElement(s.value.value);
        await it?.return?.();
      }
    } as (epoch: number) => AsyncIterator<T | undefined>;
    return new Dataset<T>({ size, get, stream });
  }

  /** The first `n` elements of each epoch. */
  take(n: number): Dataset<T> {
    checkCount(n, 'take: count', 0);
    const { get, size } = this.producer;
    const taken = size === undefined ? undefined : Math.min(size, n);
    if (get && taken !== undefined) {
      return new Dataset<T>({ size: taken, get, stream: streamFromGet(taken, get) });
    }
    const source = this.producer;
    return new Dataset<T>({
      size: taken,
      stream: async function* (epoch: number) {
        const it = source.stream(epoch);
        try {
          for (let i = 0; i < n; i++) {
            const r = await it.next();
            if (r.done) return;
            yield r.value;
          }
        } finally {
          await it.return?.();
        }
      } as (epoch: number) => AsyncIterator<T | undefined>,
    });
  }

  /**
   * One epoch, element by element. By default each element is disposed when the next
   * is requested or the loop ends (see `IterateOptions.dispose`).
   */
  async *iterate(options: IterateOptions = {}): AsyncGenerator<T, void, undefined> {
    const epoch = options.epoch ?? this.epochs;
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new ArgumentError(
        `iterate: epoch must be a non-negative integer, got ${describe(epoch)}`,
      );
    }
    this.epochs = epoch + 1;
    const dispose = options.dispose ?? true;
    const it = this.producer.stream(epoch);
    let current: T | undefined;
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (dispose && current !== undefined) disposeElement(current);
        current = undefined;
        if (r.value === undefined) continue;
        current = r.value;
        yield r.value;
      }
    } finally {
      if (dispose && current !== undefined) disposeElement(current);
      await it.return?.();
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return this.iterate();
  }

  /** Calls `fn` on each element of one epoch (elements disposed after `fn` returns). */
  async forEach(fn: (x: T, index: number) => void | Promise<void>): Promise<void> {
    let i = 0;
    for await (const x of this.iterate()) await fn(x, i++);
  }

  /** All elements of one epoch; the caller owns (and disposes) them. */
  async toArray(options: { epoch?: number } = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const x of this.iterate({ ...options, dispose: false })) out.push(x);
    return out;
  }
}

/** A copy whose tensors are new (so the dataset's consumers may dispose them). */
function cloneElement<T>(x: T): T {
  if (x instanceof tf.Tensor) return tf.clone(x) as T;
  if (Array.isArray(x)) return x.map((v) => cloneElement(v)) as T;
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x))
      out[k] = v === undefined ? v : cloneElement(v as Element);
    return out as T;
  }
  return x;
}
