import { IMAGENET_MEAN, IMAGENET_STD, VGG, type VggDepth, vggLayerNames } from '@atelier/blocks';
import { ArgumentError, describe, Module, ShapeError, StateDictError, tf } from '@atelier/core';
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
 * style transfer: one @atelier/blocks VGG holding the weights, run layer by layer only
 * as deep as the deepest layer a call asks for, with max or average pooling chosen per
 * call (pooling has no weights, so both share the one network).
 */
export class VggNetwork implements FeatureNetwork {
  readonly kind: string;
  readonly depth: VggDepth;
  readonly layerNames: readonly string[];
  readonly presets: Readonly<Record<string, LayerPreset>>;
  readonly defaultPreset: string;
  readonly preprocessing: VggPreprocessing;
  /** Whether the weights are seeded random rather than loaded. */
  readonly random: boolean;
  readonly #net: VGG;
  #disposed = false;

  /** Use `vggNetwork()`; it builds `net` with every layer and loads its weights. */
  constructor(net: VGG, preprocessing: VggPreprocessing, random: boolean) {
    this.depth = net.depth;
    this.kind = `vgg${net.depth}`;
    this.layerNames = vggLayerNames(net.depth);
    this.#net = net;
    this.preprocessing = preprocessing;
    this.random = random;
    this.presets = Object.fromEntries(
      Object.entries(vggPresets(preprocessing)).filter(([, p]) =>
        [...Object.keys(p.content), ...Object.keys(p.style)].every((l) =>
          this.layerNames.includes(l),
        ),
      ),
    );
    this.defaultPreset = net.depth === 19 ? 'neural-style' : 'johnson';
  }

  features(
    x: tf.Tensor4D,
    layers: readonly string[],
    options: FeatureOptions = {},
  ): Record<string, tf.Tensor4D> {
    if (this.#disposed) throw new ArgumentError('VggNetwork: used after dispose()');
    const pooling = oneOf('VggNetwork', 'pooling', options.pooling ?? 'max', ['max', 'avg']);
    const wanted = new Map<number, string>();
    for (const l of layers) {
      const index = this.layerNames.indexOf(l);
      if (index < 0) {
        throw new ArgumentError(
          `VggNetwork: unknown layer ${describe(l)} for VGG-${this.depth}; the layers are ${this.layerNames.join(', ')}`,
        );
      }
      wanted.set(index, l);
    }
    if (wanted.size === 0) return {};
    const last = Math.max(...wanted.keys());
    // Each pool halves (flooring); the deepest layer needs at least one pixel left.
    const pools = this.layerNames.slice(0, last).filter((n) => n.startsWith('pool')).length;
    const least = 2 ** pools;
    if (x.shape[1] < least || x.shape[2] < least) {
      throw new ShapeError(
        `VggNetwork: ${this.layerNames[last]} lies after ${pools} poolings, so images must be at least ${least}x${least}; got ${x.shape[1]}x${x.shape[2]} (raise size or styleScale)`,
      );
    }
    let h: tf.Tensor;
    if (this.preprocessing === 'caffe') {
      // Caffe's input: x · 255 minus its mean (RGB order here; the BGR order is in the
      // first conv's weights, flipped at load).
      h = tf.sub(tf.mul(x, 255), tf.tensor1d(CAFFE_MEAN_RGB));
    } else {
      h = tf.div(tf.sub(x, tf.tensor1d([...IMAGENET_MEAN])), tf.tensor1d([...IMAGENET_STD]));
    }
    const out: Record<string, tf.Tensor4D> = {};
    const layersOf = this.#net.features;
    for (let i = 0; i <= last; i++) {
      const name = this.layerNames[i]!;
      if (name.startsWith('pool')) {
        h =
          pooling === 'max'
            ? tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid')
            : tf.avgPool(h as tf.Tensor4D, 2, 2, 'valid');
      } else {
        const layer = layersOf.at(i)!;
        h = layer instanceof Module ? layer.forward(h) : (layer as (t: tf.Tensor) => tf.Tensor)(h);
      }
      const tap = wanted.get(i);
      if (tap !== undefined) out[tap] = h as tf.Tensor4D;
    }
    return out;
  }

  dispose(): void {
    if (!this.#disposed) this.#net.dispose();
    this.#disposed = true;
  }
}

/** Builds every layer (up to the last ReLU) so one network serves any layer set. */
function fullVgg(depth: VggDepth, seed: number): VGG {
  const names = vggLayerNames(depth);
  const lastRelu = names.filter((n) => n.startsWith('relu')).at(-1)!;
  const net = new VGG({ depth, layers: [lastRelu], seed });
  net.eval();
  net.requiresGrad(false);
  return net;
}

/**
 * A VGG feature network from a converted torchvision (or Caffe) checkpoint, given by
 * path or bytes (nothing is downloaded), with the layer presets of neural-style
 * (VGG-19), Gatys et al. (VGG-19) and Johnson et al. (VGG-16).
 *
 * @example
 * const network = await vggNetwork({ weights: 'vgg19-dcbb9e9d.pth' }); // torchvision's VGG-19
 * const { image } = await stylize({ content, styles: [{ image: style }], network });
 * network.dispose();
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
  if (o.weights === undefined)
    return new VggNetwork(fullVgg(o.depth ?? 19, seed), preprocessing, true);
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
    // Only the conv weights (the classifier's 120M parameters are never used).
    const convs: Record<string, tf.Tensor> = {};
    const flipped: tf.Tensor[] = [];
    for (const k of keys) {
      if (!/^features\.\d+\.(weight|bias)$/.test(k)) continue;
      let t = read.tensors[k]!;
      if (preprocessing === 'caffe' && k === 'features.0.weight') {
        // Caffe's first conv reads BGR: reversing its input channels lets it read RGB.
        t = tf.reverse(t, 1);
        flipped.push(t);
      }
      convs[k] = t;
    }
    const net = fullVgg(depth, seed);
    try {
      // Strict: every conv's key and shape must fit.
      net.loadStateDict(convs, { from: 'torch' });
    } catch (error) {
      net.dispose();
      throw error;
    } finally {
      tf.dispose(flipped);
    }
    return new VggNetwork(net, preprocessing, false);
  } finally {
    releaseStateDict(read);
  }
}
