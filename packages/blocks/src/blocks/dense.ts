import { ArgumentError, describe, Module, tf } from '@atelier/core';
import { checkNHWC, finiteNumber, positiveInt } from '../checks.js';
import { type ActivationSpec, makeActivation } from '../factories/activation.js';
import { isNoNorm, makeNorm, type NormSpec } from '../factories/norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dropout } from '../layers/dropout.js';
import { AvgPool2d } from '../layers/pooling.js';
import { forkSeed, type Seed } from '../seed.js';

export interface DenseLayerOptions {
  inChannels: number;
  /** New feature maps this layer adds (k). */
  growthRate: number;
  /** The 1x1 bottleneck has bnSize * growthRate channels; default 4. */
  bnSize?: number;
  /** Dropout after the 3x3 conv; default 0. */
  dropRate?: number;
  /** Default 'batch'. */
  norm?: NormSpec;
  /** Default 'relu'. */
  activation?: ActivationSpec;
  seed?: Seed;
}

/**
 * DenseNet's layer (Huang et al.), pre-activation bottleneck as torchvision's
 * `_DenseLayer`: norm -> act -> 1x1 conv (bnSize * k) -> norm -> act -> 3x3 conv (k)
 * [-> dropout]. Returns only the k new maps; the dense block concatenates. State:
 * `norm1`, `conv1`, `norm2`, `conv2`.
 */
export class DenseLayer extends Module {
  readonly norm1: Module;
  readonly relu1: Module;
  readonly conv1: Conv2d;
  readonly norm2: Module;
  readonly relu2: Module;
  readonly conv2: Conv2d;
  readonly dropout: Dropout | undefined;
  readonly inChannels: number;
  readonly growthRate: number;

  constructor(options: DenseLayerOptions) {
    super();
    const where = 'DenseLayer';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { inChannels, growthRate, ... }, got ${describe(options)}`,
      );
    }
    this.inChannels = positiveInt(options.inChannels, 'inChannels', where);
    this.growthRate = positiveInt(options.growthRate, 'growthRate', where);
    const bottleneck = positiveInt(options.bnSize ?? 4, 'bnSize', where) * this.growthRate;
    const dropRate = finiteNumber(options.dropRate ?? 0, 'dropRate', where, { min: 0, max: 1 });
    const norm = options.norm ?? 'batch';
    const act = options.activation ?? 'relu';
    this.norm1 = makeNorm(norm, this.inChannels, where);
    this.relu1 = makeActivation(act, where);
    this.conv1 = new Conv2d({
      inChannels: this.inChannels,
      outChannels: bottleneck,
      kernelSize: 1,
      bias: isNoNorm(norm),
      seed: forkSeed(options.seed, 'conv1', where),
    });
    this.norm2 = makeNorm(norm, bottleneck, where);
    this.relu2 = makeActivation(act, where);
    this.conv2 = new Conv2d({
      inChannels: bottleneck,
      outChannels: this.growthRate,
      kernelSize: 3,
      padding: 1,
      bias: isNoNorm(norm),
      seed: forkSeed(options.seed, 'conv2', where),
    });
    this.dropout =
      dropRate > 0
        ? new Dropout({ p: dropRate, seed: forkSeed(options.seed, 'dropout', where) })
        : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'DenseLayer', this.inChannels);
    const y = this.conv1.forward(this.relu1.forward(this.norm1.forward(input)));
    const out = this.conv2.forward(this.relu2.forward(this.norm2.forward(y)));
    return (this.dropout ? this.dropout.forward(out) : out) as tf.Tensor4D;
  }
}

export interface DenseBlockOptions extends Omit<DenseLayerOptions, 'inChannels'> {
  inChannels: number;
  numLayers: number;
}

/**
 * DenseNet's dense block: layer i sees the concatenation of the block's input and every
 * earlier layer's output; the block returns all of them concatenated,
 * inChannels + numLayers * growthRate channels. State: `denselayer1.*` ... as
 * torchvision's `_DenseBlock`.
 */
export class DenseBlock extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly #layers: DenseLayer[];

  constructor(options: DenseBlockOptions) {
    super();
    const where = 'DenseBlock';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { numLayers, inChannels, growthRate, ... }, got ${describe(options)}`,
      );
    }
    const numLayers = positiveInt(options.numLayers, 'numLayers', where);
    this.inChannels = positiveInt(options.inChannels, 'inChannels', where);
    const growth = positiveInt(options.growthRate, 'growthRate', where);
    this.#layers = [];
    for (let i = 0; i < numLayers; i++) {
      const layer = new DenseLayer({
        ...options,
        inChannels: this.inChannels + i * growth,
        seed: forkSeed(options.seed, `denselayer${i + 1}`, where),
      });
      // Fields named as torchvision's: denselayer1, denselayer2, ...
      Object.defineProperty(this, `denselayer${i + 1}`, { value: layer, enumerable: true });
      this.#layers.push(layer);
    }
    this.outChannels = this.inChannels + numLayers * growth;
  }

  get layers(): readonly DenseLayer[] {
    return this.#layers;
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const features: tf.Tensor4D[] = [checkNHWC(x, 'DenseBlock', this.inChannels)];
    for (const layer of this.#layers) {
      features.push(layer.forward(features.length === 1 ? features[0]! : tf.concat(features, 3)));
    }
    return tf.concat(features, 3);
  }
}

export interface TransitionOptions {
  inChannels: number;
  outChannels: number;
  norm?: NormSpec;
  activation?: ActivationSpec;
  seed?: Seed;
}

/**
 * DenseNet's transition between dense blocks: norm -> act -> 1x1 conv (typically halving
 * the channels) -> 2x2 average pool. State: `norm`, `conv`, as torchvision's.
 */
export class Transition extends Module {
  readonly norm: Module;
  readonly relu: Module;
  readonly conv: Conv2d;
  readonly pool: AvgPool2d;
  readonly inChannels: number;

  constructor(options: TransitionOptions) {
    super();
    const where = 'Transition';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { inChannels, outChannels }, got ${describe(options)}`,
      );
    }
    this.inChannels = positiveInt(options.inChannels, 'inChannels', where);
    const norm = options.norm ?? 'batch';
    this.norm = makeNorm(norm, this.inChannels, where);
    this.relu = makeActivation(options.activation ?? 'relu', where);
    this.conv = new Conv2d({
      inChannels: this.inChannels,
      outChannels: options.outChannels,
      kernelSize: 1,
      bias: isNoNorm(norm),
      seed: forkSeed(options.seed, 'conv', where),
    });
    this.pool = new AvgPool2d({ kernelSize: 2, stride: 2 });
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'Transition', this.inChannels);
    return this.pool.forward(this.conv.forward(this.relu.forward(this.norm.forward(input))));
  }
}
