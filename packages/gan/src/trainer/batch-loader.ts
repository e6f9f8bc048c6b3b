import { ArgumentError, AtelierError, describe, rng } from '@atelier/core';
import { collate, type Dataset, disposeElement } from '@atelier/datasets';

/** Where the data stands: the epoch and the next position in its order. */
export interface DataPosition {
  epoch: number;
  /** Samples of this epoch's order already consumed. */
  index: number;
}

export interface LoadedBatch<B> {
  batch: B;
  epoch: number;
  /** True when this batch is the epoch's last full one. */
  lastOfEpoch: boolean;
}

/**
 * Seeded batches from a dataset with random access: epoch e visits the samples in the
 * order rng(seed).fork('order e').permutation(size), batchSize at a time, dropping an
 * incomplete remainder (shapes stay constant). The position is two integers, so a
 * resumed run continues with exactly the batches the interrupted one would have seen.
 * One batch is fetched ahead, so decoding in worker threads overlaps a step.
 */
export class BatchLoader<B> {
  readonly batchesPerEpoch: number;
  #position: DataPosition = { epoch: 0, index: 0 };
  #ahead: { position: DataPosition; promise: Promise<LoadedBatch<B> | undefined> } | undefined;
  #order: { epoch: number; order: number[] } | undefined;

  constructor(
    private readonly dataset: Dataset<unknown>,
    readonly batchSize: number,
    private readonly seed: number,
    private readonly shuffle = true,
  ) {
    if (!dataset || typeof (dataset as Dataset).get !== 'function') {
      throw new ArgumentError(`train: data must be a Dataset, got ${describe(dataset)}`);
    }
    if (!dataset.randomAccess || dataset.size === undefined) {
      throw new ArgumentError(
        'train: the data must have random access and a known size (a source, a synthetic set, or their map); a stream cannot resume at a position',
      );
    }
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ArgumentError(
        `train: batch must be a positive integer, got ${describe(batchSize)}`,
      );
    }
    if (dataset.size < batchSize) {
      throw new ArgumentError(
        `train: the dataset holds ${dataset.size} samples, fewer than one batch of ${batchSize}`,
      );
    }
    this.batchesPerEpoch = Math.floor(dataset.size / batchSize);
  }

  get position(): DataPosition {
    return { ...this.#position };
  }

  set position(p: DataPosition) {
    if (
      !Number.isSafeInteger(p?.epoch) ||
      p.epoch < 0 ||
      !Number.isSafeInteger(p.index) ||
      p.index < 0 ||
      p.index % this.batchSize !== 0 ||
      p.index + this.batchSize > this.batchesPerEpoch * this.batchSize
    ) {
      throw new ArgumentError(`BatchLoader: invalid data position ${JSON.stringify(p)}`);
    }
    void this.#drop();
    this.#position = { ...p };
  }

  /** The next batch; the caller owns its tensors. */
  async next(): Promise<LoadedBatch<B>> {
    for (;;) {
      const current =
        this.#ahead && same(this.#ahead.position, this.#position) ? this.#ahead : undefined;
      this.#ahead = undefined;
      const promise = current?.promise ?? this.#load(this.#position);
      const loaded = await promise;
      this.#position = this.#advance(this.#position);
      this.#ahead = { position: this.#position, promise: this.#load(this.#position) };
      // Swallow a rejection here; it is raised when the batch is asked for.
      this.#ahead.promise.catch(() => undefined);
      if (loaded) return loaded;
    }
  }

  /**
   * Waits until the batch fetched ahead is ready (without taking it), so that the
   * tensors alive between steps are the same every step.
   */
  async settled(): Promise<void> {
    await this.#ahead?.promise.catch(() => undefined);
  }

  /** Releases a batch fetched ahead. */
  async close(): Promise<void> {
    await this.#drop();
  }

  #drop(): Promise<void> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    return ahead
      ? ahead.promise.then(
          (b) => disposeElement(b?.batch),
          () => undefined,
        )
      : Promise.resolve();
  }

  #advance(p: DataPosition): DataPosition {
    const index = p.index + this.batchSize;
    return index + this.batchSize > this.batchesPerEpoch * this.batchSize
      ? { epoch: p.epoch + 1, index: 0 }
      : { epoch: p.epoch, index };
  }

  #orderOf(epoch: number): number[] {
    if (this.#order?.epoch !== epoch) {
      const size = this.dataset.size!;
      const order = this.shuffle
        ? rng(this.seed).fork(`order ${epoch}`).permutation(size)
        : Array.from({ length: size }, (_, i) => i);
      this.#order = { epoch, order };
    }
    return this.#order.order;
  }

  /** Batch at `p`, or undefined when every sample of it was skipped (broken files). */
  async #load(p: DataPosition): Promise<LoadedBatch<B> | undefined> {
    const order = this.#orderOf(p.epoch).slice(p.index, p.index + this.batchSize);
    const samples = await Promise.all(order.map((i) => this.dataset.get(i, p.epoch)));
    const present = samples.filter((s) => s !== undefined);
    if (present.length === 0) return undefined;
    let batch: B;
    try {
      batch = collate(present as never) as B;
    } catch (error) {
      if (error instanceof AtelierError) throw error;
      throw new AtelierError(
        `train: could not batch samples ${order.join(', ')}: ${(error as Error).message}`,
      );
    }
    const lastOfEpoch = p.index + 2 * this.batchSize > this.batchesPerEpoch * this.batchSize;
    return { batch, epoch: p.epoch, lastOfEpoch };
  }
}

function same(a: DataPosition, b: DataPosition): boolean {
  return a.epoch === b.epoch && a.index === b.index;
}

/** Drops tensors of a batch that is not used. */
export function disposeBatch(batch: unknown): void {
  disposeElement(batch);
}
