import { Conv2d, Linear, MaxPool2d } from '@atelier/blocks';
import {
  ArgumentError,
  describe,
  Module,
  type Rng,
  Sequential,
  ShapeError,
  tf,
} from '@atelier/core';

export interface SiameseNetOptions {
  /** Side of the square images; a multiple of 8 (three 2x2 max-pools). */
  size: number;
  channels: number;
  /** Channels of the first convolution (Koch: 64); the others are 2f, 2f, 4f. */
  features: number;
  /** Size of the embedding (Koch: 4096). */
  embedding: number;
  /** Koch's verification head; false for an embedding trained by a metric loss alone. */
  head: boolean;
}

const relu = (x: tf.Tensor) => tf.relu(x);

/**
 * Koch et al.'s Siamese network (2015), scaled to small images: a convolutional tower
 * (four ReLU convolutions of f, 2f, 2f, 4f channels, a 2x2 max-pool after each of the
 * first three; padded kernels 5, 3, 3, 3 where Koch has 10, 7, 4, 4 unpadded at 105²), a
 * dense layer with a sigmoid to the embedding h, and the verification head
 * p = σ(Σ_j α_j |h1_j − h2_j| + b) on the L1 distance of two embeddings.
 */
export class SiameseNet extends Module {
  readonly tower: Sequential;
  readonly embed: Linear;
  /** α and b of the head: a linear map of |h1 − h2| to one logit (when built with one). */
  readonly head: Linear | undefined;
  readonly #o: SiameseNetOptions;

  constructor(options: SiameseNetOptions, seed: Rng) {
    super();
    const o = options;
    const where = 'SiameseNet';
    for (const key of ['size', 'channels', 'features', 'embedding'] as const) {
      if (!Number.isSafeInteger(o[key]) || o[key] < 1)
        throw new ArgumentError(
          `${where}: ${key} must be a positive integer, got ${describe(o[key])}`,
        );
    }
    if (o.size % 8 !== 0)
      throw new ArgumentError(`${where}: size must be a multiple of 8, got ${o.size}`);
    this.#o = { ...o };
    const f = o.features;
    const widths = [f, 2 * f, 2 * f, 4 * f];
    const kernels = [5, 3, 3, 3];
    const layers: (Module | ((x: tf.Tensor) => tf.Tensor))[] = [];
    let channels = o.channels;
    widths.forEach((out, i) => {
      layers.push(
        new Conv2d({
          inChannels: channels,
          outChannels: out,
          kernelSize: kernels[i]!,
          padding: (kernels[i]! - 1) / 2,
          seed: seed.fork(`conv${i}`),
        }),
        relu,
      );
      if (i < 3) layers.push(new MaxPool2d({ kernelSize: 2 }));
      channels = out;
    });
    this.tower = new Sequential(layers);
    const side = o.size / 8;
    this.embed = new Linear({
      inFeatures: side * side * channels,
      outFeatures: o.embedding,
      seed: seed.fork('embed'),
    });
    this.head = o.head
      ? new Linear({ inFeatures: o.embedding, outFeatures: 1, seed: seed.fork('head') })
      : undefined;
  }

  get options(): SiameseNetOptions {
    return { ...this.#o };
  }

  /** Checks images [N, size, size, channels]. */
  check(x: unknown, where: string): tf.Tensor4D {
    const t = x as tf.Tensor;
    const { size, channels } = this.#o;
    if (!(t instanceof tf.Tensor) || t.rank !== 4 || t.shape[1] !== size || t.shape[2] !== size) {
      throw new ShapeError(
        `${where}: expected images [N, ${size}, ${size}, ${channels}], got ${describe(x)}`,
      );
    }
    if (t.shape[3] !== channels)
      throw new ShapeError(
        `${where}: the network was built for ${channels} channel(s), got ${t.shape[3]}`,
      );
    return t as tf.Tensor4D;
  }

  #head(where: string): Linear {
    if (!this.head)
      throw new ArgumentError(
        `SiameseNet.${where}: this network was built without a verification head`,
      );
    return this.head;
  }

  /** Embeddings h [N, embedding] in (0, 1) of images in [-1, 1]. */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    const h = tf.reshape(this.tower.forward(x), [x.shape[0], -1]);
    return tf.sigmoid(this.embed.forward(h)) as tf.Tensor2D;
  }

  /** The head's logit Σ_j α_j |h1_j − h2_j| + b of embedding pairs [N, D], [N, D] -> [N]. */
  verify(h1: tf.Tensor2D, h2: tf.Tensor2D): tf.Tensor1D {
    const head = this.#head('verify');
    return tf.reshape(head.forward(tf.abs(tf.sub(h1, h2))), [-1]) as tf.Tensor1D;
  }

  /**
   * The head's logit for every pair of a query and a gallery embedding, [Q, D] x [G, D]
   * -> [Q, G], a block of queries at a time so the [q, G, D] differences stay small.
   */
  verifyAll(queries: tf.Tensor2D, gallery: tf.Tensor2D, block = 32): tf.Tensor2D {
    const head = this.#head('verifyAll');
    return tf.tidy(() => {
      const rows: tf.Tensor2D[] = [];
      const [q, d] = queries.shape;
      const g = gallery.shape[0];
      for (let start = 0; start < q; start += block) {
        const n = Math.min(block, q - start);
        const part = tf.slice(queries, [start, 0], [n, d]);
        const diff = tf.abs(tf.sub(tf.expandDims(part, 1), tf.expandDims(gallery, 0)));
        rows.push(tf.reshape(head.forward(diff), [n, g]) as tf.Tensor2D);
      }
      return tf.concat(rows, 0) as tf.Tensor2D;
    });
  }
}
