import { ArgumentError, describe, tf } from '@atelier/core';
import { optionsArg, sameShape, tensorArg, valuesIn } from '../validate.js';
import type { KlOptions } from './kl-normal.js';
import { klReductionArg, reduceKl } from './kl-reduction.js';

/**
 * A diagonal Gaussian: its mean and exactly one of logvar, variance or std (element-wise,
 * the mean's shape). Variances and standard deviations must be > 0; they are read back
 * once to check (logvar needs no check).
 */
export interface Gaussian {
  mean: tf.Tensor;
  logvar?: tf.Tensor;
  variance?: tf.Tensor;
  std?: tf.Tensor;
}

/** The log-variance of a Gaussian, validated; inside the caller's tidy. */
function logVariance(
  fn: string,
  name: string,
  g: unknown,
): { mean: tf.Tensor; logvar: () => tf.Tensor } {
  if (g === null || typeof g !== 'object') {
    throw new ArgumentError(
      `${fn}: ${name} must be { mean, logvar | variance | std }, got ${describe(g)}`,
    );
  }
  const { mean, logvar, variance, std } = g as Gaussian;
  const m = tensorArg(fn, `${name}.mean`, mean, { minRank: 1 });
  const given = [
    ['logvar', logvar],
    ['variance', variance],
    ['std', std],
  ].filter(([, v]) => v !== undefined) as [string, unknown][];
  if (given.length !== 1) {
    throw new ArgumentError(
      `${fn}: ${name} needs exactly one of logvar, variance, std; got ${given.length === 0 ? 'none' : given.map(([k]) => k).join(', ')}`,
    );
  }
  const [kind, value] = given[0]!;
  const spread = tensorArg(fn, `${name}.${kind}`, value);
  sameShape(fn, [`${name}.mean`, m], [`${name}.${kind}`, spread]);
  if (kind !== 'logvar') {
    valuesIn(
      fn,
      `${name}.${kind}`,
      spread,
      { min: 0, exclusiveMin: true },
      "> 0 (a Gaussian's spread)",
    );
  }
  const logvarOf = () =>
    kind === 'logvar' ? spread : kind === 'variance' ? tf.log(spread) : tf.mul(2, tf.log(spread));
  return { mean: m, logvar: logvarOf };
}

/**
 * KL(p || q) between diagonal Gaussians, per dimension
 * 0.5 (logvar_q - logvar_p + (var_p + (mean_p - mean_q)²) / var_q - 1),
 * as torch.distributions.kl_divergence(Normal, Normal). Reduced as KlOptions says.
 */
export function klGaussians(p: Gaussian, q: Gaussian, options?: KlOptions): tf.Tensor {
  const o = optionsArg('klGaussians', options);
  const a = logVariance('klGaussians', 'p', p);
  const b = logVariance('klGaussians', 'q', q);
  sameShape('klGaussians', ['p.mean', a.mean], ['q.mean', b.mean]);
  const reduction = klReductionArg('klGaussians', o.reduction);
  return tf.tidy(() => {
    const lp = a.logvar();
    const lq = b.logvar();
    const ratio = tf.div(tf.add(tf.exp(lp), tf.squaredDifference(a.mean, b.mean)), tf.exp(lq));
    const terms = tf.mul(0.5, tf.sub(tf.add(tf.sub(lq, lp), ratio), 1));
    return reduceKl(terms, reduction);
  });
}
