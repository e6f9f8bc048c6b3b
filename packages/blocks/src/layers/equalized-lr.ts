import { ArgumentError, parameterKind, tf } from '@atelier/core';
import { booleanOption, finiteNumber } from '../checks.js';
import { type Seed, toRng } from '../seed.js';
import { ReparametrizedWeight } from './reparametrized-weight.js';
import type { WeightedLayer } from './weighted.js';

export interface EqualizedLrOptions {
  /** The He gain: the weight in use is weight_orig * gain / sqrt(fanIn); default sqrt(2). */
  gain?: number;
  /** Redraw weight_orig from N(0, 1) and zero the bias, as ProGAN; default true. */
  reinitialize?: boolean;
  /** Seed of the N(0, 1) draw. */
  seed?: Seed;
}

/**
 * The number of inputs each output sums over: in/groups x kh x kw for a Conv2d, in for a
 * Linear, kh x kw for a depthwise weight, and in/groups x kh x kw for a ConvTranspose2d
 * (ProGAN's rule for its upscaling convolutions).
 */
function inputsPerOutput(w: tf.Variable, layer: WeightedLayer): number {
  const groups = (layer as { groups?: number }).groups ?? 1;
  const s = w.shape;
  switch (parameterKind(w)) {
    case 'conv':
      return s[0]! * s[1]! * s[2]!;
    case 'convTranspose':
      return (s[0]! * s[1]! * s[3]!) / groups;
    case 'depthwise':
      return s[0]! * s[1]!;
    case 'linear':
      return s[0]!;
    default:
      return s.slice(1).reduce((a, b) => a * b, 1);
  }
}

/**
 * ProGAN's equalised learning rate: the weight is stored as N(0, 1) in `weight_orig` and
 * scaled at run time by He's constant gain / sqrt(fanIn), so every weight learns at the
 * same rate under Adam. State: the layer's `bias` and `weight_orig` (the naming of
 * PyTorch's common `EqualLR` weight hook).
 */
export class EqualizedLr<L extends WeightedLayer = WeightedLayer> extends ReparametrizedWeight<L> {
  /** gain / sqrt(fanIn). */
  readonly scale: number;

  constructor(layer: L, options: EqualizedLrOptions = {}) {
    super(layer, 'EqualizedLr');
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError('EqualizedLr: options must be an object');
    }
    const gain = finiteNumber(options.gain ?? Math.SQRT2, 'gain', 'EqualizedLr', { min: 0 });
    this.scale = gain / Math.sqrt(inputsPerOutput(this.weight_orig, layer));
    if (booleanOption(options.reinitialize ?? true, 'reinitialize', 'EqualizedLr')) {
      const generator = toRng(options.seed, 'EqualizedLr');
      tf.tidy(() => {
        this.weight_orig.assign(generator.normal(this.weight_orig.shape));
        layer.bias?.assign(tf.zerosLike(layer.bias));
      });
    }
  }

  protected transformWeight(stored: tf.Tensor): tf.Tensor {
    return tf.mul(stored, this.scale);
  }
}

/** `new EqualizedLr(layer, options)`. */
export function equalizedLr<L extends WeightedLayer>(
  layer: L,
  options: EqualizedLrOptions = {},
): EqualizedLr<L> {
  return new EqualizedLr(layer, options);
}
