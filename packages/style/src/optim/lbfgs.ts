import { ArgumentError, describe } from '@atelier/core';
import { finiteNumber, integerArg, oneOf, optionsArg } from '../validate.js';
import type { IterationCallback, Objective, OptimizeResult } from './objective.js';
import { strongWolfe } from './strong-wolfe.js';
import { axpy, dot, maxAbs, scale, step, sumAbs } from './vector.js';

export const LINE_SEARCHES = ['strong-wolfe', 'none'] as const;
export type LineSearch = (typeof LINE_SEARCHES)[number];

export interface LbfgsOptions {
  /** Iterations (each one direction and its line search); default 20. */
  maxIterations?: number;
  /** Objective evaluations allowed; default 1.25 × maxIterations, as torch. */
  maxEvaluations?: number;
  /** Step length: the line search's first trial, or the fixed step without one; default 1. */
  learningRate?: number;
  /** Stop when max |gradient| falls to this; default 1e-7. */
  toleranceGrad?: number;
  /** Stop when the step or the loss changes by less; default 1e-9. */
  toleranceChange?: number;
  /** Correction pairs kept; default 100 (torch and neural-style). Memory: 2 × history × x's length floats. */
  history?: number;
  /**
   * 'strong-wolfe' (default): torch.optim.LBFGS(line_search_fn='strong_wolfe');
   * 'none': the fixed step of torch.optim.LBFGS's default and of neural-style (torch7
   * optim.lbfgs), one evaluation per iteration.
   */
  lineSearch?: LineSearch;
  onIteration?: IterationCallback;
}

/**
 * Limited-memory BFGS, as torch.optim.LBFGS computes it: two-loop recursion over the
 * last `history` (s, y) pairs with the initial Hessian γ = sᵀy / yᵀy, pairs with
 * sᵀy <= 1e-10 skipped, a first step of min(1, 1 / |g|₁) · lr, and the same stopping
 * tests. Minimises `objective` from x0 (not modified) and returns the last iterate.
 */
export async function lbfgs(
  objective: Objective,
  x0: Float32Array,
  options?: LbfgsOptions,
): Promise<OptimizeResult> {
  const fn = 'lbfgs';
  if (typeof objective !== 'function') {
    throw new ArgumentError(`${fn}: objective must be a function, got ${describe(objective)}`);
  }
  if (!(x0 instanceof Float32Array) || x0.length === 0) {
    throw new ArgumentError(`${fn}: x0 must be a non-empty Float32Array, got ${describe(x0)}`);
  }
  const o = optionsArg(fn, options);
  const maxIter = integerArg(fn, 'maxIterations', o.maxIterations ?? 20);
  const maxEval = integerArg(
    fn,
    'maxEvaluations',
    o.maxEvaluations ?? Math.floor((maxIter * 5) / 4),
  );
  const lr = finiteNumber(fn, 'learningRate', o.learningRate ?? 1, { exclusiveMin: 0 });
  const tolGrad = finiteNumber(fn, 'toleranceGrad', o.toleranceGrad ?? 1e-7, { min: 0 });
  const tolChange = finiteNumber(fn, 'toleranceChange', o.toleranceChange ?? 1e-9, { min: 0 });
  const historySize = integerArg(fn, 'history', o.history ?? 100);
  const lineSearch = oneOf(fn, 'lineSearch', o.lineSearch ?? 'strong-wolfe', LINE_SEARCHES);

  const n = x0.length;
  const x = Float32Array.from(x0);
  const evaluate = async (at: Float32Array) => {
    const e = await objective(at);
    if (!(e.grad instanceof Float32Array) || e.grad.length !== n) {
      throw new ArgumentError(
        `${fn}: the objective must return grad as a Float32Array of length ${n}, got ${describe(e.grad)}`,
      );
    }
    if (typeof e.loss !== 'number') {
      throw new ArgumentError(
        `${fn}: the objective must return a numeric loss, got ${describe(e.loss)}`,
      );
    }
    return e;
  };

  let { loss, grad }: { loss: number; grad: Float32Array } = await evaluate(x);
  let evaluations = 1;
  const result = (reason: OptimizeResult['reason'], iterations: number): OptimizeResult => ({
    x,
    loss,
    iterations,
    evaluations,
    reason,
  });
  if (maxAbs(grad) <= tolGrad) return result('gradient-tolerance', 0);

  const oldDirs: Float32Array[] = []; // y = g_{k+1} - g_k
  const oldSteps: Float32Array[] = []; // s = t d
  const ro: number[] = [];
  const al = new Float64Array(historySize);
  let hDiag = 1;
  let d: Float32Array = new Float32Array(n);
  let t = 0;
  let prevGrad: Float32Array | undefined;
  let prevLoss = loss;

  for (let iter = 1; iter <= maxIter; iter++) {
    if (iter === 1) {
      d = scale(-1, grad);
    } else {
      const y = step(grad, -1, prevGrad!);
      const s = scale(t, d);
      const ys = dot(y, s);
      if (ys > 1e-10) {
        if (oldDirs.length === historySize) {
          oldDirs.shift();
          oldSteps.shift();
          ro.shift();
        }
        oldDirs.push(y);
        oldSteps.push(s);
        ro.push(1 / ys);
        hDiag = ys / dot(y, y);
      }
      // Two-loop recursion: d = -H g.
      const q = scale(-1, grad);
      for (let i = oldDirs.length - 1; i >= 0; i--) {
        al[i] = dot(oldSteps[i]!, q) * ro[i]!;
        axpy(-al[i]!, oldDirs[i]!, q);
      }
      for (let i = 0; i < q.length; i++) q[i]! *= hDiag;
      for (let i = 0; i < oldDirs.length; i++) {
        const be = dot(oldDirs[i]!, q) * ro[i]!;
        axpy(al[i]! - be, oldSteps[i]!, q);
      }
      d = q;
    }
    prevGrad = grad;
    prevLoss = loss;

    t = iter === 1 ? Math.min(1, 1 / sumAbs(grad)) * lr : lr;
    const gtd = dot(grad, d);
    // Not a descent direction (or a vanishing one): nothing more to gain.
    if (gtd > -tolChange) return result('not-descending', iter - 1);

    let lsEvaluations: number;
    if (lineSearch === 'strong-wolfe') {
      const origin = Float32Array.from(x);
      const trial = new Float32Array(n);
      const ls = await strongWolfe(
        (tt) => evaluate(step(origin, tt, d, trial)),
        t,
        d,
        loss,
        grad,
        gtd,
        { toleranceChange: tolChange },
      );
      ({ loss, grad, t } = ls);
      lsEvaluations = ls.evaluations;
      step(origin, t, d, x);
    } else {
      step(x, t, d, x);
      lsEvaluations = 0;
      if (iter !== maxIter) {
        ({ loss, grad } = await evaluate(x));
        lsEvaluations = 1;
      }
    }
    evaluations += lsEvaluations;

    if (o.onIteration) {
      const keepGoing = await o.onIteration({ iteration: iter, loss, x, grad, evaluations });
      if (keepGoing === false) return result('stopped', iter);
    }
    if (iter === maxIter) return result('max-iterations', iter);
    if (evaluations >= maxEval) return result('max-evaluations', iter);
    if (maxAbs(grad) <= tolGrad) return result('gradient-tolerance', iter);
    if (maxAbs(d) * Math.abs(t) <= tolChange) return result('change-tolerance', iter);
    if (Math.abs(loss - prevLoss) < tolChange) return result('change-tolerance', iter);
  }
  return result('max-iterations', maxIter);
}
