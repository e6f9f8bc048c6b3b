import { ArgumentError, describe, type Layer, Module, Sequential, tf } from '@atelier/core';
import { checkNHWC, oneOf } from '../checks.js';
import { ReLU } from '../layers/activations.js';
import { Conv2d } from '../layers/conv2d.js';
import { AvgPool2d, MaxPool2d } from '../layers/pooling.js';
import { forkSeed, type Seed } from '../seed.js';
import { readOptions } from './options.js';

export type VggDepth = 16 | 19;

/** torchvision's `cfgs` D and E: conv widths, 'M' a 2x2 pool. */
const VGG_CONFIGS: Record<VggDepth, (number | 'M')[]> = {
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [
    64,
    64,
    'M',
    128,
    128,
    'M',
    256,
    256,
    256,
    256,
    'M',
    512,
    512,
    512,
    512,
    'M',
    512,
    512,
    512,
    512,
    'M',
  ],
};

/** The ImageNet statistics torchvision's VGGs were trained with, on RGB in [0, 1]. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/**
 * The name of every index of torchvision's `vgg{depth}().features`, in order:
 * conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, ... (relu1_1 is index 1, relu2_1
 * index 6, relu4_2 of VGG-19 index 22).
 */
export function vggLayerNames(depth: VggDepth): string[] {
  const names: string[] = [];
  let block = 1;
  let conv = 1;
  for (const item of VGG_CONFIGS[depth]) {
    if (item === 'M') {
      names.push(`pool${block}`);
      block++;
      conv = 1;
    } else {
      names.push(`conv${block}_${conv}`, `relu${block}_${conv}`);
      conv++;
    }
  }
  return names;
}

export interface VGGOptions {
  /** 16 or 19; default 19. */
  depth?: VggDepth;
  /** The layers `forward` returns, by name (`relu1_1`, `conv4_2`, `pool3`, ...). */
  layers: string[];
  /** 'max' as torchvision (default), or 'avg' (neural-style's `-pooling avg`). */
  pooling?: 'max' | 'avg';
  seed?: Seed;
}

/**
 * The convolutional part of torchvision's VGG-16/19 as a feature extractor, NHWC:
 * `forward(x)` takes RGB in [0, 1], normalises it with the ImageNet mean and standard
 * deviation inside, and returns a record of the requested layers' activations. Only
 * the layers up to the deepest requested one are built.
 *
 * Keys are torchvision's (`features.0.weight`, ...). A full torchvision state dict
 * (say a converted vgg19-dcbb9e9d.pth) loads as it is, strictly: the keys of the deeper
 * conv layers this instance did not build and the `classifier.*` keys are ignored.
 *
 * @example
 * const vgg = new VGG({ depth: 19, layers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] });
 * vgg.loadStateDict(torchvisionVgg19, { from: 'torch' });
 * const feats = vgg.forward(images); // { relu1_1: [N, H, W, 64], ... } from RGB in [0, 1]
 */
export class VGG extends Module {
  readonly features: Sequential;
  readonly depth: VggDepth;
  readonly layers: readonly string[];
  readonly pooling: 'max' | 'avg';
  /** features index -> the requested name it is returned under. */
  readonly #taps: Map<number, string>;
  /** torchvision's indices of the conv layers not built (their keys are ignored on load). */
  readonly #skippedConvs: number[];

  constructor(options: VGGOptions) {
    super();
    const where = 'VGG';
    const o = readOptions(options, where, '{ depth, layers, pooling }');
    const depth = o.depth ?? 19;
    if (depth !== 16 && depth !== 19) {
      throw new ArgumentError(`${where}: depth must be 16 or 19, got ${describe(depth)}`);
    }
    this.depth = depth;
    this.pooling = oneOf(o.pooling ?? 'max', ['max', 'avg'] as const, 'pooling', where);
    const names = vggLayerNames(depth);
    if (!Array.isArray(o.layers) || o.layers.length === 0) {
      throw new ArgumentError(
        `${where}: layers must be a non-empty array of layer names (e.g. ['relu1_1', 'relu2_1']), got ${describe(o.layers)}`,
      );
    }
    this.#taps = new Map();
    for (const name of o.layers) {
      const index = typeof name === 'string' ? names.indexOf(name) : -1;
      if (index < 0) {
        throw new ArgumentError(
          `${where}: unknown layer ${describe(name)} for VGG-${depth}; the layers are ${names.join(', ')}`,
        );
      }
      if (this.#taps.has(index))
        throw new ArgumentError(`${where}: layer '${name}' is requested twice`);
      this.#taps.set(index, name);
    }
    this.layers = [...o.layers];
    const last = Math.max(...this.#taps.keys());

    // Walk torchvision's numbering to the end, building only up to the last requested
    // layer; the convs past it are remembered so their keys can be ignored on load.
    const built: Layer[] = [];
    this.#skippedConvs = [];
    let index = 0;
    let inChannels = 3;
    for (const item of VGG_CONFIGS[depth]) {
      if (item === 'M') {
        if (index <= last) {
          built.push(
            this.pooling === 'max'
              ? new MaxPool2d({ kernelSize: 2, stride: 2 })
              : new AvgPool2d({ kernelSize: 2, stride: 2 }),
          );
        }
        index++;
        continue;
      }
      if (index > last) {
        this.#skippedConvs.push(index);
      } else {
        const seed = forkSeed(o.seed, `features${index}`, where);
        built.push(new Conv2d({ inChannels, outChannels: item, kernelSize: 3, padding: 1, seed }));
        if (index + 1 <= last) built.push(new ReLU());
      }
      inChannels = item;
      index += 2;
    }
    this.features = new Sequential(built);
  }

  override ignoredStateKeys(): RegExp[] {
    const deeper =
      this.#skippedConvs.length > 0
        ? [new RegExp(`^features\\.(${this.#skippedConvs.join('|')})\\.(weight|bias)$`)]
        : [];
    return [...deeper, /^classifier\.(0|3|6)\.(weight|bias)$/];
  }

  forward(x: tf.Tensor): Record<string, tf.Tensor4D> {
    const input = checkNHWC(x, 'VGG', 3);
    let h: tf.Tensor = tf.div(
      tf.sub(input, tf.tensor1d([...IMAGENET_MEAN])),
      tf.tensor1d([...IMAGENET_STD]),
    );
    const out: Record<string, tf.Tensor4D> = {};
    for (let i = 0; i < this.features.length; i++) {
      const layer = this.features.at(i)!;
      h = layer instanceof Module ? layer.forward(h) : layer(h);
      const name = this.#taps.get(i);
      if (name !== undefined) out[name] = h as tf.Tensor4D;
    }
    return out;
  }
}
