import { ArgumentError, describe, tf } from '@atelier/core';

interface AdamInternals {
  beta1: number;
  beta2: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { variable: tf.Variable }[];
  accumulatedSecondMoment: { variable: tf.Variable }[];
  iterations_: number;
}

/**
 * Puts a tfjs Adam back in its initial state in place (moments zero, bias corrections
 * restarted, iterations 0), as ProGAN resets its optimizers when the level of detail
 * changes. In place, because the trainer and its checkpoints hold the optimizer object.
 */
export function resetAdam(optimizer: tf.Optimizer): void {
  const adam = optimizer as unknown as AdamInternals;
  if (
    optimizer?.getClassName?.() !== 'Adam' ||
    !(adam.accBeta1 instanceof tf.Variable) ||
    !Array.isArray(adam.accumulatedFirstMoment)
  ) {
    throw new ArgumentError(
      `resetAdam: expected a tfjs Adam optimizer, got ${describe(optimizer)}`,
    );
  }
  tf.tidy(() => {
    for (const { variable } of [...adam.accumulatedFirstMoment, ...adam.accumulatedSecondMoment])
      variable.assign(tf.zerosLike(variable));
    adam.accBeta1.assign(tf.scalar(adam.beta1));
    adam.accBeta2.assign(tf.scalar(adam.beta2));
  });
  adam.iterations_ = 0;
}
