import { tf } from '@atelier/core';
import { OnnxTrainingError } from './errors.js';

/** The fields of tfjs's AdamOptimizer a traced update reads and writes. */
interface AdamInternals {
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/** The optimizer as tfjs's Adam, or an OnnxTrainingError naming what it is. */
export function adamOf(optimizer: tf.Optimizer, what: string): AdamInternals {
  const name = optimizer?.getClassName?.();
  if (name !== 'Adam') {
    throw new OnnxTrainingError(
      `${what}: the onnxruntime engine runs Adam updates only; this optimizer is ${String(name)}`,
      [`optimizer ${String(name)}`],
    );
  }
  return optimizer as unknown as AdamInternals;
}

/**
 * Makes the moments tfjs's Adam would make at its first update (zeros named
 * `<variable>/m`, `<variable>/v`), so a trace reads them as state from the first step.
 */
export function ensureAdamMoments(optimizer: tf.Optimizer, variables: tf.Variable[], what: string) {
  const adam = adamOf(optimizer, what);
  variables.forEach((value, i) => {
    adam.accumulatedFirstMoment[i] ??= {
      originalName: `${value.name}/m`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
    adam.accumulatedSecondMoment[i] ??= {
      originalName: `${value.name}/v`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
  });
}

/**
 * tfjs's Adam update, op for op (the same float32 results), with the learning rate a
 * tensor: `negativeLr` holds −lr, as tfjs multiplies by it, so a traced graph takes it
 * as an input and schedules reach it. Moments and the β powers are the optimizer's own
 * variables: checkpoints save them as they do for the tfjs engine.
 */
export function adamUpdate(
  optimizer: tf.Optimizer,
  gradients: tf.NamedTensorMap,
  negativeLr: tf.Scalar,
  what: string,
): void {
  const adam = adamOf(optimizer, what);
  const names = Object.keys(gradients);
  const registered = tf.engine().registeredVariables;
  const variables = names.map((name) => registered[name]!);
  ensureAdamMoments(optimizer, variables, what);
  tf.tidy(() => {
    const oneMinusAccBeta1 = tf.sub(1, adam.accBeta1);
    const oneMinusAccBeta2 = tf.sub(1, adam.accBeta2);
    names.forEach((name, i) => {
      const value = variables[i]!;
      const gradient = gradients[name]!;
      const firstMoment = adam.accumulatedFirstMoment[i]!.variable;
      const secondMoment = adam.accumulatedSecondMoment[i]!.variable;
      const newFirstMoment = tf.add(
        tf.mul(firstMoment, adam.beta1),
        tf.mul(gradient, 1 - adam.beta1),
      );
      const newSecondMoment = tf.add(
        tf.mul(secondMoment, adam.beta2),
        tf.mul(tf.square(gradient), 1 - adam.beta2),
      );
      const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
      const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
      firstMoment.assign(newFirstMoment);
      secondMoment.assign(newSecondMoment);
      const newValue = tf.add(
        tf.mul(
          tf.div(
            biasCorrectedFirstMoment,
            tf.add(tf.sqrt(biasCorrectedSecondMoment), adam.epsilon),
          ),
          negativeLr,
        ),
        value,
      );
      value.assign(newValue);
    });
    adam.accBeta1.assign(tf.mul(adam.accBeta1, adam.beta1));
    adam.accBeta2.assign(tf.mul(adam.accBeta2, adam.beta2));
  });
  adam.incrementIterations();
}
