import { IMAGENET_MEAN, IMAGENET_STD, VGG, type VggDepth, vggLayerNames } from '@atelier/blocks';
import { ArgumentError, describe, StateDictError, tf } from '@atelier/core';
import { readStateDict, releaseStateDict, type WeightsSource } from '../io/weights.js';
import { oneOf, optionsArg, seedArg } from '../validate.js';
import type { FeatureNetwork, FeatureOptions, LayerPreset } from './feature-network.js';
import { vggPresets } from './vgg-presets.js';

/**
 * What the weights expect:
 * - 'torchvision': RGB in [0, 1] normalised by the ImageNet mean and deviation
 *   (torchvision's vgg16/vgg19, the PyTorch tutorial, pytorch/examples);
 * - 'caffe': BGR in [0, 255] minus (103.939, 116.779, 123.68), the original VGG release
 *   that neural-style and Gatys et al. use (e.g. jcjohnson/pytorch-vgg's converted
 *   vgg19-d01eb7cb.pth, which has torchvision's keys).
 */
export const VGG_PREPROCESSING = ['torchvision', 'caffe'] as const;
export type VggPreprocessing = (typeof VGG_PREPROCESSING)[number];

/** Caffe's BGR means, reordered to RGB. */
const CAFFE_MEAN_RGB = [123.68, 116.779, 103.939];

export interface VggNetworkOptions {
  /**
   * A torchvision VGG state dict (`features.N.weight`, PyTorch layout): a .safetensors
   * or .pth path, its bytes, or the tensors. Without it the weights are seeded random
   * (for timing and tests only: random features transfer no style worth seeing).
   */
  weights?: WeightsSource;
  /** 16 or 19; found from the weights' keys when they are given, else 19. */
  depth?: VggDepth;
  /** Default 'torchvision'. */
  preprocessing?: VggPreprocessing;
  /** Seed of the random weights when none are given; default 0. */
  seed?: number;
}

function depthOf(keys: string[], fn: string): VggDepth {
  const indices = keys
    .map((k) => /^features\.(\d+)\.weight$/.exec(k)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  if (indices.length === 0) {
    throw new StateDictError(
      `${fn}: the weights hold no 'features.N.weight' keys of a torchvision VGG (first keys: ${keys.slice(0, 5).join(', ') || 'none'})`,
    );
  }
  const last = Math.max(...indices);
  // conv5_3 of VGG-16 is features.28, conv5_4 of VGG-19 features.34.
  if (last === 34) return 19;
  if (last === 28) return 16;
  throw new StateDictError(
    `${fn}: the last conv is features.${last}; expected features.28 (VGG-16) or features.34 (VGG-19)`,
  );
}

/**
 * VGG-16/19 features (torchvision's numbering and names: relu1_1, relu4_2, ...) for
 * style transfer. One @atelier/blocks VGG is built per requested layer set and pooling,
 * each only as deep as its deepest layer, and loads the weights kept here.
 */
export class VggNetwork implements FeatureNetwork {
  readonly kind: string;
  readonly depth: VggDepth;
  readonly layerNames: readonly string[];
  readonly presets: Readonly<Record<string, LayerPreset>>;
  readonly defaultPreset: string;
  readonly preprocessing: VggPreprocessing;
  readonly #weights: Record<string, tf.Tensor> | undefined;
  readonly #seed: number;
  readonly #built = new Map<string, VGG>();
  #disposed = false;

  /** Use `vggNetwork()`; the weights given here become the network's own. */
  constructor(
    depth: VggDepth,
    weights: Record<string, tf.Tensor> | undefined,
    preprocessing: VggPreprocessing,
    seed: number,
  ) {
    this.depth = depth;
    this.kind = `vgg${depth}`;
    this.layerNames = vggLayerNames(depth);
    this.#weights = weights;
    this.preprocessing = preprocessing;
    this.#seed = seed;
    this.presets = Object.fromEntries(
      Object.entries(vggPresets(preprocessing)).filter(([, p]) =>
        [...Object.keys(p.content), ...Object.keys(p.style)].every((l) =>
          this.layerNames.includes(l),
        ),
      ),
    );
    this.defaultPreset = depth === 19 ? 'neural-style' : 'johnson';
  }

  /** Whether the weights are seeded random rather than loaded. */
  get random(): boolean {
    return this.#weights === undefined;
  }

  #network(layers: readonly string[], pooling: 'max' | 'avg'): VGG {
    const key = `${pooling}:${[...layers].sort().join(',')}`;
    let net = this.#built.get(key);
    if (!net) {
      for (const l of layers) {
        if (!this.layerNames.includes(l)) {
          throw new ArgumentError(
            `VggNetwork: unknown layer ${describe(l)} for VGG-${this.depth}; the layers are ${this.layerNames.join(', ')}`,
          );
        }
      }
      net = new VGG({ depth: this.depth, layers: [...layers], pooling, seed: this.#seed });
      if (this.#weights) net.loadStateDict(this.#weights, { from: 'torch' });
      net.eval();
      net.requiresGrad(false);
      this.#built.set(key, net);
    }
    return net;
  }

  features(
    x: tf.Tensor4D,
    layers: readonly string[],
    options: FeatureOptions = {},
  ): Record<string, tf.Tensor4D> {
    if (this.#disposed) throw new ArgumentError('VggNetwork: used after dispose()');
    const pooling = oneOf('VggNetwork', 'pooling', options.pooling ?? 'max', ['max', 'avg']);
    const net = this.#network(layers, pooling);
    let input: tf.Tensor = x;
    if (this.preprocessing === 'caffe') {
      // blocks' VGG normalises (z - mean) / std inside; feeding z = caffe(x) · std + mean
      // makes what its first conv sees exactly x · 255 - caffe mean. (The BGR order is in
      // the first conv's weights, flipped at load.)
      const caffe = tf.sub(tf.mul(x, 255), tf.tensor1d(CAFFE_MEAN_RGB));
      input = tf.add(
        tf.mul(caffe, tf.tensor1d([...IMAGENET_STD])),
        tf.tensor1d([...IMAGENET_MEAN]),
      );
    }
    return net.forward(input);
  }

  dispose(): void {
    if (this.#disposed) return;
    for (const net of this.#built.values()) net.dispose();
    this.#built.clear();
    if (this.#weights) tf.dispose(Object.values(this.#weights));
    this.#disposed = true;
  }
}

/**
 * A VGG feature network from a converted torchvision (or Caffe) checkpoint, given by
 * path or bytes (nothing is downloaded), with the layer presets of neural-style
 * (VGG-19), Gatys et al. (VGG-19) and Johnson et al. (VGG-16).
 */
export async function vggNetwork(options?: VggNetworkOptions): Promise<VggNetwork> {
  const fn = 'vggNetwork';
  const o = optionsArg(fn, options);
  const preprocessing = oneOf(
    fn,
    'preprocessing',
    o.preprocessing ?? 'torchvision',
    VGG_PREPROCESSING,
  );
  const seed = seedArg(fn, o.seed);
  if (o.depth !== undefined && o.depth !== 16 && o.depth !== 19) {
    throw new ArgumentError(`${fn}: depth must be 16 or 19, got ${describe(o.depth)}`);
  }
  if (o.weights === undefined) return new VggNetwork(o.depth ?? 19, undefined, preprocessing, seed);
  const read = await readStateDict(o.weights, fn);
  try {
    if (read.layout !== 'torch') {
      throw new StateDictError(
        `${fn}: expected weights in PyTorch layout (as torchvision saves them)`,
      );
    }
    const keys = Object.keys(read.tensors);
    const depth = depthOf(keys, fn);
    if (o.depth !== undefined && o.depth !== depth) {
      throw new StateDictError(
        `${fn}: depth ${o.depth} was asked for, but the weights are VGG-${depth}'s`,
      );
    }
    // Keep only the conv weights (the classifier is 120M parameters we never use).
    const own: Record<string, tf.Tensor> = {};
    for (const k of keys) {
      if (!/^features\.\d+\.(weight|bias)$/.test(k)) continue;
      const t = read.tensors[k]!;
      // Caffe's first conv reads BGR: reversing its input channels lets it read RGB.
      own[k] =
        preprocessing === 'caffe' && k === 'features.0.weight' ? tf.reverse(t, 1) : tf.clone(t);
    }
    const probe = new VGG({ depth, layers: [vggLayerNames(depth).at(-2)!], seed });
    try {
      // Strict check of every conv's shape now, so a wrong file fails here, not mid-run.
      probe.loadStateDict(own, { from: 'torch' });
    } catch (error) {
      tf.dispose(Object.values(own));
      throw error;
    } finally {
      probe.dispose();
    }
    return new VggNetwork(depth, own, preprocessing, seed);
  } finally {
    releaseStateDict(read);
  }
}
