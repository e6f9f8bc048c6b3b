import { Module, parameter, type Rng, type RngState, rng, ShapeError, tf } from '@atelier/core';
import { Dataset } from '@atelier/datasets';
import type { Harness, LossTerms, SampleColumn, StepContext } from '../../src/index.js';

/** Multiplicative noise from its own stream, like dropout: what checkpoints must keep. */
class Noise extends Module {
  #rng: Rng = rng(11);
  forward(x: tf.Tensor) {
    return tf.mul(x, this.#rng.uniform(x.shape, 0.9, 1.1));
  }
  randomState(): RngState {
    return this.#rng.state();
  }
  setRandomState(state: RngState) {
    this.#rng.setState(state);
  }
}

class ToyG extends Module {
  weight = parameter(() => tf.fill([1, 1, 1, 1], 0.3));
  bias = parameter(() => tf.zeros([1]));
  noise = new Noise();
  forward(a: tf.Tensor4D) {
    return tf.tanh(tf.add(tf.mul(this.noise.forward(a), this.weight), this.bias)) as tf.Tensor4D;
  }
}

class ToyD extends Module {
  weight = parameter(() => tf.fill([1, 1, 1, 1], -0.2));
  bias = parameter(() => tf.zeros([1]));
  forward(x: tf.Tensor4D) {
    return tf.mean(tf.add(tf.mul(x, this.weight), this.bias), [1, 2, 3]);
  }
}

export interface ToyBatch {
  A: tf.Tensor4D;
  B: tf.Tensor4D;
}

/** 4x4 grey pairs, B = 0.5 A, values fixed by the index. */
export function toyData(count = 8): Dataset<{ A: tf.Tensor3D; B: tf.Tensor3D }> {
  return Dataset.indexed(count, (i) => {
    const r = rng(100 + i);
    const A = r.uniform([4, 4, 1], -1, 1) as tf.Tensor3D;
    return { A, B: tf.tidy(() => tf.mul(A, 0.5)) as tf.Tensor3D };
  });
}

/** A tiny conditional GAN with every feature a real harness uses. */
export function toyHarness(name = 'toy'): Harness<ToyBatch> {
  const G = new ToyG();
  const D = new ToyD();
  const adam = () => tf.train.adam(0.01, 0.5, 0.999, 1e-8);
  const softplus = (x: tf.Tensor) => tf.mean(tf.softplus(x)) as tf.Scalar;
  return {
    name,
    config: { lambda: 10 },
    modules: { G, D },
    optimizers: {
      G: { optimizer: adam(), modules: ['G'], lr: 0.01 },
      D: { optimizer: adam(), modules: ['D'], lr: 0.02 },
    },
    generators: ['G'],
    monitor: 'G_L1',
    check(batch) {
      if (batch.A.shape[3] !== 1)
        throw new ShapeError(`toy: expected 1 channel, got ${batch.A.shape[3]}`);
    },
    step([batch], ctx: StepContext) {
      const { A, B } = batch!;
      // The discriminator's update runs inside the generator's, on the same fake.
      ctx.update(
        'G',
        (): LossTerms => {
          const fake = G.forward(A);
          const jitter = ctx.rng.normal([1], 0, 0.01);
          ctx.update('D', () => ({
            D_real: softplus(tf.neg(tf.add(D.forward(B), jitter))),
            D_fake: softplus(D.forward(fake)),
          }));
          return {
            G_GAN: softplus(tf.neg(D.forward(fake))),
            G_L1: tf.mean(tf.abs(tf.sub(fake, B))) as tf.Scalar,
          };
        },
        { G_L1: 10 },
      );
    },
    samples(batch, generators): SampleColumn[] {
      return [
        { title: 'input', images: batch.A },
        { title: 'output', images: generators.G!.forward(batch.A) as tf.Tensor4D },
        { title: 'target', images: batch.B },
      ];
    },
    createModule(moduleName) {
      if (moduleName !== 'G') throw new Error(`no module ${moduleName}`);
      return new ToyG();
    },
    dispose() {
      G.dispose();
      D.dispose();
    },
  };
}
