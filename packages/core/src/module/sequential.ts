import { ArgumentError, describe } from '../errors.js';
import type { tf } from '../tfjs.js';
import { isModule } from './members.js';
import { Module } from './module.js';

/** A step of a Sequential: a module, or a function without state (an activation). */
export type Layer = Module | ((x: tf.Tensor) => tf.Tensor);

/**
 * Layers applied in order, named by their index as in PyTorch's nn.Sequential: the
 * conv at index 1 of `model` is `model.1`, and a function at index 0 (a LeakyReLU)
 * still takes its number, so keys match the reference implementations'.
 */
export class Sequential extends Module {
  readonly #layers: Layer[];

  constructor(layers: Layer[]) {
    super();
    if (!Array.isArray(layers)) {
      throw new ArgumentError(
        `Sequential: expected an array of modules and functions, got ${describe(layers)}`,
      );
    }
    layers.forEach((layer, i) => {
      if (!isModule(layer) && typeof layer !== 'function') {
        throw new ArgumentError(
          `Sequential: layer ${i} should be a module or a function, got ${describe(layer)}`,
        );
      }
      // Own fields named '0', '1', ...: the names the module walk discovers.
      Object.defineProperty(this, String(i), { value: layer, enumerable: true });
    });
    this.#layers = [...layers];
  }

  get length(): number {
    return this.#layers.length;
  }

  /** The layer at `index` (negative counts from the end). */
  at(index: number): Layer | undefined {
    return this.#layers.at(index);
  }

  forward(x: tf.Tensor): tf.Tensor {
    for (const layer of this.#layers) x = isModule(layer) ? layer.forward(x) : layer(x);
    return x;
  }
}
