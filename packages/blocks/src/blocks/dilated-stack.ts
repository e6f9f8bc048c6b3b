import { ArgumentError, describe, Module, type tf } from '@atelier/core';
import { checkNHWC, positiveInt } from '../checks.js';
import type { ActivationSpec } from '../factories/activation.js';
import type { NormSpec } from '../factories/norm.js';
import type { PaddingMode } from '../layers/conv2d.js';
import { forkSeed, type Seed } from '../seed.js';
import { ConvNormAct } from './conv-norm-act.js';

/** One convolution of a stack, for the receptive field. */
export interface ConvGeometry {
  kernelSize: number;
  dilation?: number;
  stride?: number;
}

/**
 * The receptive field (along one axis) of a chain of convolutions:
 * 1 + sum_i (k_i - 1) * d_i * prod_{j < i} s_j. Three 3x3 convolutions dilated 1, 2, 4
 * see 3, 7, 15 pixels after each layer.
 */
export function receptiveField(layers: readonly ConvGeometry[]): number {
  if (!Array.isArray(layers)) {
    throw new ArgumentError(
      `receptiveField: expected a list of { kernelSize, dilation, stride }, got ${describe(layers)}`,
    );
  }
  let field = 1;
  let jump = 1;
  layers.forEach((layer, i) => {
    const k = positiveInt(layer?.kernelSize, `layer ${i} kernelSize`, 'receptiveField');
    const d = positiveInt(layer.dilation ?? 1, `layer ${i} dilation`, 'receptiveField');
    const s = positiveInt(layer.stride ?? 1, `layer ${i} stride`, 'receptiveField');
    field += (k - 1) * d * jump;
    jump *= s;
  });
  return field;
}

export interface DilatedStackOptions {
  channels: number;
  /** One conv per entry; default [1, 2, 4] (the course's example). */
  dilations?: number[];
  /** Default 3. */
  kernelSize?: number;
  /** Default 'none'. */
  norm?: NormSpec;
  /** Default 'relu'. */
  activation?: ActivationSpec;
  paddingMode?: PaddingMode;
  seed?: Seed;
}

/**
 * A stack of dilated convolutions (Yu & Koltun) at constant resolution: the receptive
 * field grows exponentially with depth when dilations double, while the parameter count
 * grows linearly. Each layer pads dilation * (k - 1) / 2 so sizes are kept.
 * State: `layers.0.conv.*`, `layers.0.bn.*`, ...
 */
export class DilatedStack extends Module {
  readonly layers: ConvNormAct[];
  readonly channels: number;
  readonly dilations: number[];
  readonly kernelSize: number;

  constructor(options: DilatedStackOptions) {
    super();
    const where = 'DilatedStack';
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `${where}: expected options { channels, dilations, ... }, got ${describe(options)}`,
      );
    }
    this.channels = positiveInt(options.channels, 'channels', where);
    this.kernelSize = positiveInt(options.kernelSize ?? 3, 'kernelSize', where);
    if (this.kernelSize % 2 === 0) {
      throw new ArgumentError(
        `${where}: kernelSize must be odd to keep the size, got ${this.kernelSize}`,
      );
    }
    const dilations = options.dilations ?? [1, 2, 4];
    if (!Array.isArray(dilations) || dilations.length === 0) {
      throw new ArgumentError(
        `${where}: dilations must be a non-empty list of positive integers, got ${describe(dilations)}`,
      );
    }
    this.dilations = dilations.map((d, i) => positiveInt(d, `dilations[${i}]`, where));
    this.layers = this.dilations.map(
      (d, i) =>
        new ConvNormAct({
          inChannels: this.channels,
          outChannels: this.channels,
          kernelSize: this.kernelSize,
          dilation: d,
          norm: options.norm ?? 'none',
          activation: options.activation ?? 'relu',
          paddingMode: options.paddingMode,
          seed: forkSeed(options.seed, `layers.${i}`, where),
        }),
    );
  }

  /** The receptive field after the first `depth` layers (all by default). */
  receptiveField(depth = this.layers.length): number {
    return receptiveField(
      this.dilations.slice(0, depth).map((dilation) => ({ kernelSize: this.kernelSize, dilation })),
    );
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    let y: tf.Tensor = checkNHWC(x, 'DilatedStack', this.channels);
    for (const layer of this.layers) y = layer.forward(y);
    return y as tf.Tensor4D;
  }
}
