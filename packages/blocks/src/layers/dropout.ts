import { ArgumentError, describe, Module, type Rng, type RngState, tf } from '@atelier/core';
import { finiteNumber } from '../checks.js';
import { type Seed, toRng } from '../seed.js';

export interface DropoutOptions {
  /** Probability of zeroing each element; default 0.5. */
  p?: number;
  /** Seed (or generator) of the masks: the same seed gives the same masks. */
  seed?: Seed;
}

/**
 * PyTorch's nn.Dropout: in training, each element is zeroed with probability p and the
 * rest scaled by 1 / (1 - p); in eval mode the identity. The masks come from a seeded
 * generator (drawn on the host, so every backend sees the same masks).
 */
export class Dropout extends Module {
  readonly p: number;
  readonly #rng: Rng;

  constructor(options: DropoutOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(`Dropout: expected options { p, seed }, got ${describe(options)}`);
    }
    this.p = finiteNumber(options.p ?? 0.5, 'p', 'Dropout', { min: 0, max: 1 });
    this.#rng = toRng(options.seed, 'Dropout');
  }

  /** Where the mask stream stands: checkpoints keep it, so a resumed run draws the same masks. */
  randomState(): RngState {
    return this.#rng.state();
  }

  setRandomState(state: RngState): void {
    this.#rng.setState(state);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!(x instanceof tf.Tensor))
      throw new ArgumentError(`Dropout: expected a tensor, got ${describe(x)}`);
    if (!this.training || this.p === 0) return x;
    if (this.p === 1) return tf.mul(x, 0);
    const keep = this.#rng.bernoulli(1 - this.p, x.shape);
    return tf.mul(x, tf.mul(keep, 1 / (1 - this.p)));
  }
}
