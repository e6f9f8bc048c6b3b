import { ArgumentError, describe, rng, tf } from '@atelier/core';
import { integerArg, optionsArg, seedArg } from '../validate.js';
import type { FeatureNetwork, FeatureOptions, LayerPreset } from './feature-network.js';

export interface RandomNetworkOptions {
  /** The same seed gives the same filters on every backend; default 0. */
  seed?: number;
  /** Odd filter sizes; default [3, 5, 7, 11, 15, 23]. */
  sizes?: number[];
  /** Feature maps per size; default 64. */
  maps?: number;
}

/** The ImageNet statistics, so inputs are centred as VGG's are. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * The embedded default feature network, which needs no weights file: one convolutional
 * layer of random filters at several sizes with a ReLU, in the manner of Ustyuzhaninov
 * et al., "What does it take to generate natural textures?" (ICLR 2017), whose
 * multi-scale single-layer network (sizes 3 to 55, 128 maps each) synthesises textures
 * close to VGG's.
 *
 * Choices here: sizes 3 to 23 with 32 maps each by default (sizes 37 and 55 cost
 * 4× more than all the others together on a CPU; pass them in `sizes` for larger
 * structures); weights uniform in [-1, 1], each filter scaled to unit L2 norm so every
 * size responds with the same energy to white noise; no bias; zero 'same' padding on
 * the input centred by the ImageNet mean and deviation. Seeded by @atelier/core's rng,
 * so the network is the same everywhere.
 *
 * Layers: 'k3', 'k5', ... (one size's maps) and 'all' (their concatenation). The
 * default preset takes style from one Gram matrix over 'all' (as the paper) and content
 * from 'all'.
 *
 * How results differ from VGG's: the Gram statistics of one random layer capture
 * colours, edges, and textures up to the largest filter's size, but none of the
 * hierarchical, object-level features of a trained network. Content reconstruction from
 * these near-invertible full-resolution features keeps the content almost pixel for
 * pixel, so the balance of content and style weight decides between a faint and a
 * strong stylisation, with no painterly abstraction of shapes in between: results look
 * like the content re-textured and recoloured with the style's local statistics rather
 * than repainted. Strokes larger than the largest filter are not reproduced.
 */
export class RandomMultiScaleNetwork implements FeatureNetwork {
  readonly kind = 'random-multiscale';
  readonly layerNames: readonly string[];
  readonly presets: Readonly<Record<string, LayerPreset>>;
  readonly defaultPreset = 'ustyuzhaninov';
  readonly sizes: readonly number[];
  readonly maps: number;
  readonly seed: number;
  readonly #filters: tf.Tensor4D[];
  #disposed = false;

  constructor(options?: RandomNetworkOptions) {
    const fn = 'RandomMultiScaleNetwork';
    const o = optionsArg(fn, options);
    this.seed = seedArg(fn, o.seed);
    const sizes = o.sizes ?? [3, 5, 7, 11, 15, 23];
    if (!Array.isArray(sizes) || sizes.length === 0) {
      throw new ArgumentError(
        `${fn}: sizes must be a non-empty array of odd integers, got ${describe(sizes)}`,
      );
    }
    for (const s of sizes) {
      if (!Number.isInteger(s) || s < 1 || s % 2 === 0 || s > 129) {
        throw new ArgumentError(
          `${fn}: sizes must be odd integers in [1, 129], got ${describe(s)}`,
        );
      }
    }
    if (new Set(sizes).size !== sizes.length) {
      throw new ArgumentError(`${fn}: sizes must not repeat, got ${describe(sizes)}`);
    }
    this.sizes = [...sizes];
    this.maps = integerArg(fn, 'maps', o.maps ?? 32, 1, 4096);
    const root = rng(this.seed);
    this.#filters = this.sizes.map((k) => {
      const r = root.fork(`filters k${k}`);
      return tf.tidy(() => {
        const w = r.uniform<tf.Rank.R4>([k, k, 3, this.maps], -1, 1);
        const norm = tf.sqrt(tf.sum(tf.square(w), [0, 1, 2], true));
        return tf.div(w, norm) as tf.Tensor4D;
      });
    });
    this.layerNames = [...this.sizes.map((k) => `k${k}`), 'all'];
    this.presets = {
      ustyuzhaninov: {
        content: { all: 1 },
        style: { all: 1 },
        contentWeight: 1,
        styleWeight: 1e7,
        tvWeight: 1e-4,
        // Strong enough that a static scene stays still (measured in the video tests).
        temporalWeight: 1e6,
      },
    };
  }

  features(
    x: tf.Tensor4D,
    layers: readonly string[],
    _options?: FeatureOptions,
  ): Record<string, tf.Tensor4D> {
    if (this.#disposed) throw new ArgumentError('RandomMultiScaleNetwork: used after dispose()');
    for (const name of layers) {
      if (!this.layerNames.includes(name)) {
        throw new ArgumentError(
          `RandomMultiScaleNetwork: unknown layer ${describe(name)}; the layers are ${this.layerNames.join(', ')}`,
        );
      }
    }
    const wantAll = layers.includes('all');
    const input = tf.div(tf.sub(x, tf.tensor1d(MEAN)), tf.tensor1d(STD));
    const out: Record<string, tf.Tensor4D> = {};
    const parts: tf.Tensor4D[] = [];
    this.sizes.forEach((k, i) => {
      const name = `k${k}`;
      if (!wantAll && !layers.includes(name)) return;
      const y = tf.relu(tf.conv2d(input as tf.Tensor4D, this.#filters[i]!, 1, 'same'));
      parts.push(y);
      if (layers.includes(name)) out[name] = y;
    });
    if (wantAll) out.all = parts.length === 1 ? parts[0]! : (tf.concat(parts, 3) as tf.Tensor4D);
    return out;
  }

  dispose(): void {
    if (!this.#disposed) tf.dispose(this.#filters);
    this.#disposed = true;
  }
}

/**
 * The embedded default feature network (see RandomMultiScaleNetwork).
 *
 * @example
 * const network = randomNetwork({ seed: 0 }); // no download: random multi-scale filters
 * const { image } = await stylize({ content, styles: [{ image: style }], network, iterations: 200 });
 */
export function randomNetwork(options?: RandomNetworkOptions): RandomMultiScaleNetwork {
  return new RandomMultiScaleNetwork(options);
}
