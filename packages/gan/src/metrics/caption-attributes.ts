import { ArgumentError, describe, rng, ShapeError, tf } from '@atelier/core';
import {
  classifierAccuracy,
  classifierFeatures,
  type FitClassifierOptions,
  fitClassifier,
  SmallClassifier,
} from './classifier.js';

export interface CaptionAttributeReaderOptions {
  /** Side of the images it reads (they are trained and judged at this size). */
  side: number;
  /** Each attribute a caption names and its number of values, e.g. { shape: 4, colour: 6 }. */
  attributes: Record<string, number>;
  /** Width of each attribute's classifier (default 16). */
  width?: number;
  seed?: number;
}

/** Attribute values per image: name → int32 [N] (indices into the attribute's values). */
export type AttributeLabels = Record<string, tf.Tensor1D>;

/**
 * Reads the attributes a caption names (the synthetic shapes' kind and colour) from
 * images: one SmallClassifier per attribute, trained on real images at `side`. Applied
 * to generated images it measures whether a text-to-image model draws what its caption
 * says (accuracy against the caption's attributes; chance is 1 / values), and its
 * features (all attributes' pooled features side by side) serve as the feature space
 * of KID, in place of Inception's.
 */
export class CaptionAttributeReader {
  readonly side: number;
  readonly attributes: Record<string, number>;
  readonly classifiers: Record<string, SmallClassifier>;

  constructor(options: CaptionAttributeReaderOptions) {
    const where = 'CaptionAttributeReader';
    const side = options?.side;
    if (!Number.isSafeInteger(side) || side < 4)
      throw new ArgumentError(`${where}: side must be an integer >= 4, got ${describe(side)}`);
    const attributes = options.attributes;
    const names = attributes && typeof attributes === 'object' ? Object.keys(attributes) : [];
    if (names.length === 0)
      throw new ArgumentError(
        `${where}: expected attributes { name: number of values }, got ${describe(attributes)}`,
      );
    for (const name of names) {
      const k = attributes[name];
      if (!Number.isSafeInteger(k) || (k as number) < 2)
        throw new ArgumentError(
          `${where}: attribute '${name}' needs an integer number of values >= 2, got ${describe(k)}`,
        );
    }
    this.side = side;
    this.attributes = { ...attributes };
    const r = rng(options.seed ?? 0);
    this.classifiers = Object.fromEntries(
      names.map((name) => [
        name,
        new SmallClassifier({
          numClasses: attributes[name]!,
          ...(options.width !== undefined ? { width: options.width } : {}),
          seed: r.fork(name),
        }),
      ]),
    );
  }

  #checkImages(images: tf.Tensor4D, where: string): void {
    if (
      !(images instanceof tf.Tensor) ||
      images.rank !== 4 ||
      images.shape[1] !== this.side ||
      images.shape[2] !== this.side ||
      images.shape[3] !== 3
    ) {
      throw new ShapeError(
        `${where}: expected RGB images [N, ${this.side}, ${this.side}, 3] in [-1, 1], got ${describe(images)}`,
      );
    }
  }

  #checkLabels(labels: AttributeLabels, n: number, where: string): void {
    for (const name of Object.keys(this.attributes)) {
      const l = labels?.[name];
      if (!(l instanceof tf.Tensor) || l.rank !== 1 || l.shape[0] !== n || l.dtype !== 'int32')
        throw new ShapeError(
          `${where}: expected int32 labels [${n}] for attribute '${name}', got ${describe(l)}`,
        );
    }
  }

  /** Trains every attribute's classifier on real images; returns each one's last mean loss. */
  async fit(
    images: tf.Tensor4D,
    labels: AttributeLabels,
    options: FitClassifierOptions = {},
  ): Promise<Record<string, number>> {
    this.#checkImages(images, 'CaptionAttributeReader.fit');
    this.#checkLabels(labels, images.shape[0], 'CaptionAttributeReader.fit');
    const out: Record<string, number> = {};
    for (const [name, classifier] of Object.entries(this.classifiers))
      out[name] = await fitClassifier(classifier, images, labels[name]!, options);
    return out;
  }

  /** Per attribute, the fraction of images read as their label. */
  async accuracy(images: tf.Tensor4D, labels: AttributeLabels): Promise<Record<string, number>> {
    this.#checkImages(images, 'CaptionAttributeReader.accuracy');
    this.#checkLabels(labels, images.shape[0], 'CaptionAttributeReader.accuracy');
    const out: Record<string, number> = {};
    for (const [name, classifier] of Object.entries(this.classifiers))
      out[name] = await classifierAccuracy(classifier, images, labels[name]!);
    return out;
  }

  /** The fraction of images whose every attribute is read right. */
  async allCorrect(images: tf.Tensor4D, labels: AttributeLabels): Promise<number> {
    this.#checkImages(images, 'CaptionAttributeReader.allCorrect');
    this.#checkLabels(labels, images.shape[0], 'CaptionAttributeReader.allCorrect');
    const hits = tf.tidy(() => {
      let all: tf.Tensor = tf.onesLike(labels[Object.keys(this.attributes)[0]!]!);
      for (const [name, classifier] of Object.entries(this.classifiers)) {
        const right = tf.equal(tf.argMax(classifier.forward(images), 1), labels[name]!);
        all = tf.logicalAnd(tf.cast(all, 'bool'), right);
      }
      return tf.sum(tf.cast(all, 'float32'));
    });
    const value = (await hits.data())[0]!;
    hits.dispose();
    return value / images.shape[0];
  }

  /** Features [N, Σ 4·width] for KID: every attribute classifier's pooled features. */
  features(images: tf.Tensor4D, batch = 64): tf.Tensor2D {
    this.#checkImages(images, 'CaptionAttributeReader.features');
    return tf.tidy(
      () =>
        tf.concat(
          Object.values(this.classifiers).map((c) => classifierFeatures(c, images, batch)),
          1,
        ) as tf.Tensor2D,
    );
  }

  dispose(): void {
    for (const c of Object.values(this.classifiers)) c.dispose();
  }
}
