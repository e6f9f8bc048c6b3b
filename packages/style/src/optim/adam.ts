import { ArgumentError, describe } from '@atelier/core';
import { finiteNumber, integerArg, optionsArg } from '../validate.js';
import type { IterationCallback, Objective, OptimizeResult } from './objective.js';

export interface AdamOptions {
  /** Iterations (one evaluation each); default 100. */
  maxIterations?: number;
  /** Default 1e-3 (as torch); style transfer in unit pixels wants ~1e-2. */
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  onIteration?: IterationCallback;
}

/**
 * Adam (Kingma & Ba) on a flat vector, as torch.optim.Adam without weight decay:
 * m ← β1 m + (1-β1) g, v ← β2 v + (1-β2) g², x ← x - lr m̂ / (√v̂ + ε).
 * Returns the iterate after the last step and the loss evaluated before it.
 */
export async function adam(
  objective: Objective,
  x0: Float32Array,
  options?: AdamOptions,
): Promise<OptimizeResult> {
  const fn = 'adam';
  if (typeof objective !== 'function') {
    throw new ArgumentError(`${fn}: objective must be a function, got ${describe(objective)}`);
  }
  if (!(x0 instanceof Float32Array) || x0.length === 0) {
    throw new ArgumentError(`${fn}: x0 must be a non-empty Float32Array, got ${describe(x0)}`);
  }
  const o = optionsArg(fn, options);
  const maxIter = integerArg(fn, 'maxIterations', o.maxIterations ?? 100);
  const lr = finiteNumber(fn, 'learningRate', o.learningRate ?? 1e-3, { exclusiveMin: 0 });
  const b1 = finiteNumber(fn, 'beta1', o.beta1 ?? 0.9, { min: 0, max: 1 });
  const b2 = finiteNumber(fn, 'beta2', o.beta2 ?? 0.999, { min: 0, max: 1 });
  const eps = finiteNumber(fn, 'epsilon', o.epsilon ?? 1e-8, { exclusiveMin: 0 });
  const n = x0.length;
  const x = Float32Array.from(x0);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  let loss = Number.NaN;
  for (let iter = 1; iter <= maxIter; iter++) {
    const e = await objective(x);
    if (!(e.grad instanceof Float32Array) || e.grad.length !== n) {
      throw new ArgumentError(
        `${fn}: the objective must return grad as a Float32Array of length ${n}, got ${describe(e.grad)}`,
      );
    }
    loss = e.loss;
    const g = e.grad;
    const c1 = 1 - b1 ** iter;
    const c2 = 1 - b2 ** iter;
    const stepSize = lr / c1;
    const sqrtC2 = Math.sqrt(c2);
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      const mi = (m[i] = b1 * m[i]! + (1 - b1) * gi);
      const vi = (v[i] = b2 * v[i]! + (1 - b2) * gi * gi);
      x[i]! -= (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
    }
    if (o.onIteration) {
      const keepGoing = await o.onIteration({
        iteration: iter,
        loss,
        x,
        grad: g,
        evaluations: iter,
      });
      if (keepGoing === false)
        return { x, loss, iterations: iter, evaluations: iter, reason: 'stopped' };
    }
  }
  return { x, loss, iterations: maxIter, evaluations: maxIter, reason: 'max-iterations' };
}
