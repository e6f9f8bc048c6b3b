import { Conv2d, Linear } from '@atelier/blocks';
import { ArgumentError, describe, Module, type Rng, rng, ShapeError, tf } from '@atelier/core';

export interface SmallClassifierOptions {
  inChannels?: number;
  numClasses: number;
  /** Channels of the first conv, doubled twice (default 16). */
  width?: number;
  seed?: number | Rng;
}

/**
 * A small convolutional classifier: three 3x3 stride-2 convs with LeakyReLU(0.2),
 * global average pooling to `features` (4·width values), and a linear layer to class
 * logits. Trained on real data, it judges generated samples (accuracy by class) and
 * its features stand in for Inception's in Fréchet distance and KID.
 */
export class SmallClassifier extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly conv3: Conv2d;
  readonly head: Linear;
  readonly inChannels: number;

  constructor(options: SmallClassifierOptions) {
    super();
    const r = typeof options.seed === 'object' ? options.seed : rng(options.seed ?? 0);
    const w = options.width ?? 16;
    this.inChannels = options.inChannels ?? 3;
    const conv = (cin: number, cout: number, label: string) =>
      new Conv2d({
        inChannels: cin,
        outChannels: cout,
        kernelSize: 3,
        stride: 2,
        padding: 1,
        seed: r.fork(label),
      });
    this.conv1 = conv(this.inChannels, w, 'conv1');
    this.conv2 = conv(w, 2 * w, 'conv2');
    this.conv3 = conv(2 * w, 4 * w, 'conv3');
    this.head = new Linear({
      inFeatures: 4 * w,
      outFeatures: options.numClasses,
      seed: r.fork('head'),
    });
  }

  /** Images [N, H, W, C] in [-1, 1] -> features [N, 4·width]. */
  features(images: tf.Tensor4D): tf.Tensor2D {
    if (
      !(images instanceof tf.Tensor) ||
      images.rank !== 4 ||
      images.shape[3] !== this.inChannels
    ) {
      throw new ShapeError(
        `SmallClassifier: expected images [N, H, W, ${this.inChannels}], got ${describe(images)}`,
      );
    }
    let x: tf.Tensor = images;
    for (const conv of [this.conv1, this.conv2, this.conv3]) x = tf.leakyRelu(conv.forward(x), 0.2);
    return tf.mean(x, [1, 2]) as tf.Tensor2D;
  }

  forward(images: tf.Tensor4D): tf.Tensor2D {
    return this.head.forward(this.features(images)) as tf.Tensor2D;
  }
}

export interface FitClassifierOptions {
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
}

/** Trains the classifier with Adam on images [N, H, W, C] and int32 labels [N]; returns the last epoch's mean loss. */
export async function fitClassifier(
  classifier: SmallClassifier,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  options: FitClassifierOptions = {},
): Promise<number> {
  const n = images.shape[0];
  if (labels.rank !== 1 || labels.shape[0] !== n || labels.dtype !== 'int32') {
    throw new ArgumentError(`fitClassifier: expected int32 labels [${n}], got ${describe(labels)}`);
  }
  const epochs = options.epochs ?? 10;
  const batch = Math.min(options.batch ?? 32, n);
  const optimizer = tf.train.adam(options.lr ?? 2e-3);
  const order = rng(options.seed ?? 0);
  const k = classifier.head.outFeatures;
  let last = 0;
  try {
    for (let e = 0; e < epochs; e++) {
      const perm = order.permutation(n);
      let sum = 0;
      let count = 0;
      for (let i = 0; i + batch <= n; i += batch) {
        const idx = tf.tensor1d(perm.slice(i, i + batch), 'int32');
        const cost = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const x = tf.gather(images, idx) as tf.Tensor4D;
              const y = tf.oneHot(tf.gather(labels, idx), k);
              return tf.losses.softmaxCrossEntropy(y, classifier.forward(x)) as tf.Scalar;
            }),
          true,
          classifier.trainableParameters(),
        );
        idx.dispose();
        sum += (await cost!.data())[0]!;
        cost!.dispose();
        count++;
      }
      last = sum / Math.max(1, count);
    }
  } finally {
    optimizer.dispose();
  }
  return last;
}

/** Fraction of images whose arg-max class is the label. */
export async function classifierAccuracy(
  classifier: SmallClassifier,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
): Promise<number> {
  const hits = tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(tf.argMax(classifier.forward(images), 1), labels), 'float32')),
  );
  const value = (await hits.data())[0]!;
  hits.dispose();
  return value / images.shape[0];
}

/** Features of images in batches (for Fréchet distance and KID). */
export function classifierFeatures(
  classifier: SmallClassifier,
  images: tf.Tensor4D,
  batch = 64,
): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let i = 0; i < images.shape[0]; i += batch) {
      const size = Math.min(batch, images.shape[0] - i);
      parts.push(classifier.features(tf.slice(images, [i, 0, 0, 0], [size, -1, -1, -1])));
    }
    return tf.concat(parts) as tf.Tensor2D;
  });
}
