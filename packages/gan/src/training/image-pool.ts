import { ArgumentError, buffer, describe, Module, type Rng, ShapeError, tf } from '@atelier/core';

/**
 * CycleGAN's history of generated images (Shrivastava et al.; junyanz's `ImagePool`):
 * the discriminator sees a mix of the newest fakes and older ones. Until the pool is
 * full each image is stored and returned; afterwards, with probability 0.5, a random
 * stored image is returned and the new one takes its place, else the new one is
 * returned. The stored images are buffers, so a checkpoint keeps the pool and a resumed
 * run draws the same images.
 */
export class ImagePool extends Module {
  readonly capacity: number;
  readonly imageShape: [number, number, number];
  readonly images: tf.Variable[];
  /** How many slots are filled (int32 scalar). */
  readonly stored: tf.Variable;
  #count = 0;

  constructor(capacity: number, imageShape: [number, number, number]) {
    super();
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new ArgumentError(
        `ImagePool: capacity must be an integer >= 0, got ${describe(capacity)}`,
      );
    }
    if (
      !Array.isArray(imageShape) ||
      imageShape.length !== 3 ||
      !imageShape.every((d) => Number.isSafeInteger(d) && d > 0)
    ) {
      throw new ArgumentError(
        `ImagePool: imageShape must be [H, W, C], got ${describe(imageShape)}`,
      );
    }
    this.capacity = capacity;
    this.imageShape = [...imageShape] as [number, number, number];
    this.images = Array.from({ length: capacity }, () =>
      buffer(() => tf.zeros([1, ...imageShape])),
    );
    this.stored = buffer(() => tf.scalar(0, 'int32'));
  }

  /** Filled slots. Read from the buffer after loading a state dict. */
  get size(): number {
    return this.#count;
  }

  /** Re-reads the fill count from its buffer (after loadStateDict). */
  sync(): void {
    this.#count = this.stored.dataSync()[0]!;
  }

  /**
   * The images to show the discriminator for a batch [N, H, W, C] of new fakes; draws
   * from `random`. The result is a new tensor (not connected to the generator's graph).
   */
  query(images: tf.Tensor4D, random: Rng): tf.Tensor4D {
    if (!(images instanceof tf.Tensor) || images.rank !== 4) {
      throw new ShapeError(
        `ImagePool.query: expected images [N, H, W, C], got ${describe(images)}`,
      );
    }
    const [, h, w, c] = images.shape;
    if (h !== this.imageShape[0] || w !== this.imageShape[1] || c !== this.imageShape[2]) {
      throw new ShapeError(
        `ImagePool.query: the pool holds [${this.imageShape.join(', ')}] images, got ${describe(images)}`,
      );
    }
    if (this.capacity === 0) return tf.clone(images);
    return tf.tidy(() => {
      const out: tf.Tensor4D[] = [];
      const n = images.shape[0];
      for (let i = 0; i < n; i++) {
        const image = tf.slice(images, [i, 0, 0, 0], [1, h, w, c]) as tf.Tensor4D;
        if (this.#count < this.capacity) {
          this.images[this.#count]!.assign(image);
          this.#count++;
          out.push(image);
        } else if (random.float() > 0.5) {
          const slot = random.int(this.capacity);
          const variable = this.images[slot]!;
          out.push(tf.clone(variable) as tf.Tensor4D);
          variable.assign(image);
        } else {
          out.push(image);
        }
      }
      this.stored.assign(tf.scalar(this.#count, 'int32'));
      return (n === 1 ? tf.clone(out[0]!) : tf.concat(out)) as tf.Tensor4D;
    });
  }

  forward(images: tf.Tensor4D): tf.Tensor4D {
    throw new ArgumentError(
      `ImagePool: call query(images, rng), not forward (got ${describe(images)})`,
    );
  }
}
