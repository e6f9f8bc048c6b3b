import { ArgumentError, describe, type Module, ShapeError, tf } from '@atelier/core';

/**
 * An exponential moving average of a network's weights (progressive GAN's Gs, β 0.999):
 * after each update, shadow = β·shadow + (1 − β)·weights for every parameter, and the
 * buffers (batch-norm statistics) are copied. The shadow is a second instance of the
 * same network, so it runs, saves and exports like the original.
 */
export class Ema {
  readonly beta: number;
  readonly #pairs: [tf.Variable, tf.Variable][];
  readonly #buffers: [tf.Variable, tf.Variable][];

  constructor(
    readonly source: Module,
    readonly shadow: Module,
    beta = 0.999,
  ) {
    if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) {
      throw new ArgumentError(`Ema: beta must be in [0, 1), got ${describe(beta)}`);
    }
    this.beta = beta;
    this.#pairs = pairUp(source.namedParameters(), shadow.namedParameters(), 'parameters');
    this.#buffers = pairUp(source.namedBuffers(), shadow.namedBuffers(), 'buffers');
    this.copy();
  }

  /** Sets the shadow to the weights (the start, or after loading weights into the source). */
  copy(): void {
    tf.tidy(() => {
      for (const [src, dst] of [...this.#pairs, ...this.#buffers]) dst.assign(src.clone());
    });
  }

  /** One step of the average. */
  update(): void {
    const b = this.beta;
    tf.tidy(() => {
      for (const [src, dst] of this.#pairs) dst.assign(tf.add(tf.mul(dst, b), tf.mul(src, 1 - b)));
      for (const [src, dst] of this.#buffers) dst.assign(src.clone());
    });
  }
}

function pairUp(
  a: [string, tf.Variable][],
  b: [string, tf.Variable][],
  what: string,
): [tf.Variable, tf.Variable][] {
  const byName = new Map(b);
  if (a.length !== b.length) {
    throw new ShapeError(`Ema: the shadow has ${b.length} ${what}, the network ${a.length}`);
  }
  return a.map(([name, v]) => {
    const w = byName.get(name);
    if (!w || !tf.util.arraysEqual(v.shape, w.shape) || v.dtype !== w.dtype) {
      throw new ShapeError(
        `Ema: the shadow's ${name} is ${w ? describe(w) : 'missing'}, the network's ${describe(v)}`,
      );
    }
    return [v, w];
  });
}
