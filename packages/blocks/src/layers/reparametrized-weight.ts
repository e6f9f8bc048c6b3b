import { ArgumentError, describe, isModule, Module, tf } from '@atelier/core';
import { isWeightedLayer, type WeightedLayer } from './weighted.js';

/**
 * The base of weight reparametrisations (spectral normalisation, equalised learning
 * rate), named as PyTorch's weight hooks name them: the wrapped layer's weight becomes
 * the parameter `weight_orig` and every other member of the layer (its `bias`) keeps
 * its name, directly under the wrapper, so `model.0.weight_orig` and `model.0.bias`
 * sit where PyTorch puts them. Each forward computes the weight in use from
 * `weight_orig` and runs the layer with it.
 *
 * The wrapper is itself a WeightedLayer (its stored weight is `weight_orig`), so
 * reparametrisations stack.
 */
export abstract class ReparametrizedWeight<L extends WeightedLayer = WeightedLayer>
  extends Module
  implements WeightedLayer
{
  // Declared, not initialised: the fields appear in the order the constructor sets
  // them, which is PyTorch's (the layer's bias, then weight_orig).
  declare readonly weight_orig: tf.Variable;
  readonly #layer: L;

  constructor(layer: L, where: string) {
    super();
    if (!isModule(layer) || !isWeightedLayer(layer)) {
      throw new ArgumentError(
        `${where}: expected a layer with a weight (Conv2d, ConvTranspose2d, Linear, or another wrapper), got ${describe(layer)}`,
      );
    }
    this.#layer = layer;
    for (const key of Object.keys(layer)) {
      if (key === 'weight' || key === 'training' || key === 'weight_orig') continue;
      const value = (layer as unknown as Record<string, unknown>)[key];
      if (value instanceof tf.Tensor || isModule(value)) {
        Object.defineProperty(this, key, { value, enumerable: true });
      }
    }
    Object.defineProperty(this, 'weight_orig', { value: layer.weight, enumerable: true });
  }

  /** The wrapped layer (not part of the state: its members are re-exposed here). */
  get layer(): L {
    return this.#layer;
  }

  /** The stored weight, `weight_orig`; the weight in use is `computeWeight()`'s. */
  get weight(): tf.Variable {
    return this.weight_orig;
  }

  get bias(): tf.Variable | undefined {
    return this.#layer.bias;
  }

  /**
   * The weight the layer runs with, computed from `stored`. `update` is true in a
   * training-mode forward: the place to advance internal state (power iteration).
   */
  protected abstract transformWeight(stored: tf.Tensor, update: boolean): tf.Tensor;

  /** The weight in use now (no state changes), e.g. to inspect it. The caller owns it. */
  computeWeight(): tf.Tensor {
    return tf.tidy(() => this.transformWeight(this.weight_orig, false));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardWithWeight(x, this.weight_orig);
  }

  forwardWithWeight(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    this.#layer.training = this.training;
    return this.#layer.forwardWithWeight(x, this.transformWeight(weight, this.training));
  }
}
