import { Rng, type RngState, type tf } from '@atelier/core';

/** A random tensor a traced step drew: replayed, on the same stream, before every run. */
export interface RandomDraw {
  rng: Rng;
  method: TensorDraw;
  args: unknown[];
  shape: number[];
}

type TensorDraw = 'normal' | 'uniform' | 'truncatedNormal' | 'bernoulli';
const TENSOR_DRAWS: TensorDraw[] = ['normal', 'uniform', 'truncatedNormal', 'bernoulli'];
const HOST_DRAWS = ['uint32', 'float', 'int', 'shuffle', 'permutation'] as const;

type Drawing = (this: Rng, ...args: unknown[]) => unknown;

/**
 * Watches every `Rng` while a step is traced: each random tensor it draws becomes an
 * input of the graph (so nothing random is baked into it), and numbers drawn on the
 * host are noted (they would steer the step in ways a graph cannot replay).
 */
export class RandomDrawRecorder {
  readonly draws: { draw: RandomDraw; tensor: tf.Tensor }[] = [];
  /** Host-side draws (`int`, `float`, ...) by method name. */
  readonly hostDraws: string[] = [];
  /** Each stream's position before its first draw here (for `restoreStreams`). */
  readonly #before = new Map<Rng, RngState>();
  #restore: (() => void) | undefined;

  /** Puts every stream drawn from back where it was before the recording (a dry run). */
  restoreStreams(): void {
    for (const [stream, state] of this.#before) stream.setState(state);
  }

  start(onTensor: (t: tf.Tensor) => void): void {
    const prototype = Rng.prototype as unknown as Record<string, Drawing>;
    const saved = new Map<string, Drawing>();
    let depth = 0;
    const recorder = this;
    for (const method of [...TENSOR_DRAWS, ...HOST_DRAWS]) {
      const original = prototype[method]!;
      saved.set(method, original);
      prototype[method] = function (this: Rng, ...args: unknown[]) {
        if (depth === 0 && !recorder.#before.has(this)) recorder.#before.set(this, this.state());
        depth++;
        let result: unknown;
        try {
          result = original.apply(this, args);
        } finally {
          depth--;
        }
        if (depth > 0) return result; // normal() draws floats of its own
        const isTensor = typeof result === 'object' && result !== null && 'dataId' in result;
        if (isTensor) {
          const tensor = result as tf.Tensor;
          recorder.draws.push({
            draw: { rng: this, method: method as TensorDraw, args, shape: [...tensor.shape] },
            tensor,
          });
          onTensor(tensor);
        } else {
          recorder.hostDraws.push(method);
        }
        return result;
      };
    }
    this.#restore = () => {
      for (const [method, original] of saved) prototype[method] = original;
    };
  }

  stop(): void {
    this.#restore?.();
    this.#restore = undefined;
  }
}

/** Draws the same random tensor again, from the stream's current position. */
export function replayDraw(draw: RandomDraw): tf.Tensor {
  const method = (draw.rng as unknown as Record<string, Drawing>)[draw.method]!;
  return method.apply(draw.rng, draw.args) as tf.Tensor;
}
