import { ArgumentError, AtelierError, describe, type Rng, tf } from '@atelier/core';
import type { Harness, LossTerms, StepContext } from './harness.js';

/** The variables each optimizer updates, in a fixed order (Adam keeps its moments by position). */
export function optimizerVariables(harness: Harness): Map<string, tf.Variable[]> {
  const out = new Map<string, tf.Variable[]>();
  for (const [name, spec] of Object.entries(harness.optimizers)) {
    const variables: tf.Variable[] = [];
    for (const moduleName of spec.modules) {
      const module = harness.modules[moduleName];
      if (!module) {
        throw new ArgumentError(
          `harness '${harness.name}': optimizer '${name}' trains module '${moduleName}', which it does not declare`,
        );
      }
      variables.push(...module.trainableParameters());
    }
    if (variables.length === 0) {
      throw new ArgumentError(
        `harness '${harness.name}': optimizer '${name}' has nothing to train`,
      );
    }
    out.set(name, variables);
  }
  return out;
}

/**
 * The context of one step. Logged terms and kept tensors live until `finish()`, which
 * returns the logged terms (the caller disposes them) and releases the rest.
 */
export class StepRun implements StepContext {
  readonly #logged = new Map<string, tf.Scalar>();
  readonly #kept: tf.Tensor[] = [];
  /** Which optimizer's update logged each term (the report draws one chart per optimizer). */
  readonly #groups = new Map<string, string[]>();
  readonly #updating: string[] = [];

  constructor(
    readonly step: number,
    readonly epoch: number,
    readonly rng: Rng,
    private readonly harness: Harness,
    private readonly variables: Map<string, tf.Variable[]>,
  ) {}

  update(
    name: string,
    loss: (() => LossTerms) | (() => LossTerms)[],
    weights: Record<string, number> = {},
  ): void {
    const spec = this.harness.optimizers[name];
    const variables = this.variables.get(name);
    if (!spec || !variables) {
      throw new ArgumentError(
        `update: no optimizer '${name}' (the harness has ${Object.keys(this.harness.optimizers).join(', ')})`,
      );
    }
    const parts = Array.isArray(loss) ? loss : [loss];
    if (parts.length === 0 || parts.some((part) => typeof part !== 'function')) {
      throw new ArgumentError(
        `update('${name}'): expected a loss function or a list of them, got ${describe(loss)}`,
      );
    }
    // Gradients by variable name, summed over the parts.
    const sums = new Map<string, tf.Tensor>();
    try {
      for (const part of parts) {
        const { value, grads } = this.#gradients(name, part, weights, variables);
        // A single term of weight 1 is the total itself: it stays logged.
        if (![...this.#logged.values()].includes(value)) tf.dispose(value);
        for (const [key, g] of Object.entries(grads)) {
          const previous = sums.get(key);
          if (!previous) {
            sums.set(key, g);
            continue;
          }
          sums.set(key, tf.add(previous, g));
          tf.dispose([previous, g]);
        }
      }
      const missing = variables.filter((v) => !sums.has(v.name));
      if (missing.length > 0) {
        // Adam keeps moments by position: a variable without a gradient would shift them.
        throw new AtelierError(
          `update('${name}'): ${missing.length} of ${variables.length} variables get no gradient from the loss; train only what the loss depends on`,
        );
      }
      // In the variables' order, whatever order the parts reached them in.
      const ordered: tf.NamedTensorMap = {};
      for (const v of variables) ordered[v.name] = sums.get(v.name)!;
      spec.optimizer.applyGradients(ordered);
    } finally {
      tf.dispose([...sums.values()]);
    }
  }

  /** One part's weighted total and its gradients, its terms logged under `name`. */
  #gradients(
    name: string,
    part: () => LossTerms,
    weights: Record<string, number>,
    variables: tf.Variable[],
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    this.#updating.push(name);
    try {
      return tf.variableGrads(() => {
        const terms = part();
        let total: tf.Scalar | undefined;
        for (const [key, term] of Object.entries(terms ?? {})) {
          if (!(term instanceof tf.Tensor) || term.rank !== 0) {
            throw new ArgumentError(
              `update('${name}'): the term '${key}' must be a scalar, got ${describe(term)}`,
            );
          }
          this.#record(key, term);
          const weight = weights[key] ?? 1;
          if (weight === 0) continue;
          const weighted: tf.Scalar = weight === 1 ? term : tf.mul(term, weight);
          total = total ? (tf.add(total, weighted) as tf.Scalar) : weighted;
        }
        if (!total)
          throw new ArgumentError(`update('${name}'): the loss has no term with a non-zero weight`);
        return total;
      }, variables);
    } finally {
      this.#updating.pop();
    }
  }

  log(terms: LossTerms): void {
    for (const [key, term] of Object.entries(terms)) {
      if (!(term instanceof tf.Tensor) || term.rank !== 0) {
        throw new ArgumentError(`log: the term '${key}' must be a scalar, got ${describe(term)}`);
      }
      this.#record(key, tf.clone(term));
    }
  }

  keep<T extends tf.Tensor>(tensor: T): T {
    if (!(tensor instanceof tf.Tensor))
      throw new ArgumentError(`keep: expected a tensor, got ${describe(tensor)}`);
    tf.keep(tensor);
    this.#kept.push(tensor);
    return tensor;
  }

  /** The step's logged terms (the caller's to dispose); kept tensors are released. */
  finish(): Map<string, tf.Scalar> {
    tf.dispose(this.#kept);
    this.#kept.length = 0;
    return this.#logged;
  }

  /** Releases everything (after a failed step). */
  abort(): void {
    tf.dispose(this.#kept);
    tf.dispose([...this.#logged.values()]);
    this.#logged.clear();
  }

  /** Term names by the optimizer whose update logged them ('logged' for `log` outside updates). */
  groups(): Map<string, string[]> {
    return this.#groups;
  }

  #record(key: string, term: tf.Scalar): void {
    const group = this.#updating.at(-1) ?? 'logged';
    const list = this.#groups.get(group) ?? [];
    if (!list.includes(key)) list.push(key);
    this.#groups.set(group, list);
    const previous = this.#logged.get(key);
    // A term logged twice in a step (nCritic updates) keeps the last value.
    if (previous && previous !== term) previous.dispose();
    this.#logged.set(key, tf.keep(term));
  }
}
