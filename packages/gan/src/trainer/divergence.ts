import { ArgumentError, AtelierError, describe, isModule, type Module, tf } from '@atelier/core';

/**
 * A run whose losses or weights stopped being finite (NaN or ±Infinity). Nothing
 * non-finite was written: the run folder's checkpoint is the last finite one.
 */
export class DivergenceError extends AtelierError {
  override name = 'DivergenceError';
  constructor(
    message: string,
    /** The step whose losses, or whose update, first went non-finite (from 1). */
    readonly step: number,
    /** The step of the last checkpoint written (finite), if any. */
    readonly checkpointStep: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Watches every step's losses without reading them back: one flag on the device holds
 * the first step whose terms were not all finite, so a step costs a few tiny kernels and
 * no transfer; the flag is read only where the trainer reads anyway (logged steps,
 * checkpoints, the end).
 */
export class LossWatch {
  #first: tf.Scalar = tf.scalar(-1, 'int32');

  /** Records whether the terms of `step` (counted from 1) are all finite. */
  observe(step: number, terms: Iterable<tf.Scalar>): void {
    if (!Number.isSafeInteger(step) || step < 1 || step > 2 ** 31 - 1)
      throw new ArgumentError(
        `LossWatch.observe: step must be an integer >= 1, got ${describe(step)}`,
      );
    const list = [...terms];
    const wrong = list.find((t) => !(t instanceof tf.Tensor) || t.size !== 1);
    if (wrong !== undefined)
      throw new ArgumentError(`LossWatch.observe: terms must be scalars, got ${describe(wrong)}`);
    if (list.length === 0) return;
    const next = tf.tidy(() => {
      // A cast costs as much as the rest: only terms that are not float32 get one.
      const floats = list.map((t) => (t.dtype === 'float32' ? t : tf.cast(t, 'float32')));
      const finite = tf.all(tf.isFinite(tf.stack(floats)));
      const firstTime = tf.logicalAnd(tf.logicalNot(finite), tf.less(this.#first, 0));
      return tf.where(firstTime, tf.scalar(step, 'int32'), this.#first) as tf.Scalar;
    });
    this.#first.dispose();
    this.#first = next;
  }

  /** The first step with a non-finite term, or undefined (one read). */
  async firstBadStep(): Promise<number | undefined> {
    const [value] = await this.#first.data();
    return value! >= 0 ? value : undefined;
  }

  dispose(): void {
    this.#first.dispose();
  }
}

/**
 * The first parameter or buffer of `modules` holding a NaN or an infinity, as
 * `module.key`, or undefined when every value is finite. One reduction over all of
 * them and one read: Σ 0·x is 0 exactly when every x is finite (0·NaN and 0·±∞ are
 * NaN), without the overflow a plain sum of large finite weights could have. Only a
 * run that failed pays for finding which tensor it was.
 */
export async function nonFiniteWeight(
  modules: Record<string, Module>,
): Promise<string | undefined> {
  if (typeof modules !== 'object' || modules === null) {
    throw new ArgumentError(
      `nonFiniteWeight: expected a record of modules, got ${describe(modules)}`,
    );
  }
  const named: [string, tf.Tensor][] = [];
  for (const [name, module] of Object.entries(modules)) {
    if (!isModule(module))
      throw new ArgumentError(`nonFiniteWeight: ${name} is ${describe(module)}, not a module`);
    for (const [key, v] of [...module.namedParameters(), ...module.namedBuffers()])
      if (v.dtype === 'float32') named.push([`${name}.${key}`, v]);
  }
  if (named.length === 0) return undefined;
  const zeroTimes = (t: tf.Tensor) => tf.sum(tf.mul(t, 0));
  let total: tf.Scalar = tf.scalar(0);
  for (const [, v] of named) {
    const next = tf.tidy(() => tf.add(total, zeroTimes(v)) as tf.Scalar);
    total.dispose();
    total = next;
  }
  const [sum] = await total.data();
  total.dispose();
  if (sum === 0) return undefined;
  for (const [key, v] of named) {
    const part = tf.tidy(() => zeroTimes(v));
    const [value] = await part.data();
    part.dispose();
    if (value !== 0) return key;
  }
  return named[0]![0];
}
