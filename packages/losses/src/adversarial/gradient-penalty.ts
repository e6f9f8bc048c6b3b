import { ArgumentError, describe, type Rng, ShapeError, rng as seeded, tf } from '@atelier/core';
import { type Reduction, reduce, reductionArg } from '../reduction.js';
import { finiteNumber, oneOf, optionsArg, sameShape, tensorArg } from '../validate.js';

/**
 * - 'wgan-gp': Gulrajani et al., at random interpolates α·real + (1 - α)·fake;
 * - 'r1' / 'r2': Mescheder et al., ‖∇D‖² at real / at fake samples;
 * - 'dragan': Kodali et al., at real + α·c·std(real)·u, u ~ U[0, 1) per element.
 */
export type PenaltyKind = 'wgan-gp' | 'r1' | 'r2' | 'dragan';

export const PENALTY_KINDS: readonly PenaltyKind[] = ['wgan-gp', 'r1', 'r2', 'dragan'];

export interface GradientPenaltyOptions {
  kind: PenaltyKind;
  /** Real samples [N, ...]: needed by 'wgan-gp', 'r1' and 'dragan'. */
  real?: tf.Tensor;
  /** Generated samples, the shape of real: needed by 'wgan-gp' and 'r2'. */
  fake?: tf.Tensor;
  /** Multiplies the result (default 1): λ = 10 for WGAN-GP; γ/2 for Mescheder's R1. */
  weight?: number;
  /** The gradient norm aimed at by 'wgan-gp' and 'dragan' (default 1); terms are divided
   * by target², as TF-GAN and ProGAN do. */
  target?: number;
  /** 'wgan-gp' and 'dragan': penalise only norms above target, relu(‖∇D‖ - target)². */
  oneSided?: boolean;
  /** Interpolation coefficients, [N] or [N, 1, ..., 1], in [0, 1]; drawn when absent. */
  alpha?: tf.Tensor;
  /** 'dragan': the perturbation directions u (real's shape) in [0, 1); drawn when absent. */
  noise?: tf.Tensor;
  /** 'dragan': c in real + α·c·std(real)·u (default 0.5, the authors' code). */
  perturbation?: number;
  /** Where α and u come from when not given: a generator (advances on each call) ... */
  rng?: Rng;
  /** ... or a seed (the same draws on every call). */
  seed?: number;
  /** Over the batch: 'mean' (default), 'sum', or 'none' for one term per sample [N]. */
  reduction?: Reduction;
  /** Added under the norm's square root, sqrt(‖∇D‖² + ε), so its gradient stays finite
   * where ∇D vanishes (default 1e-10, TF-GAN's). */
  epsilon?: number;
}

const FN = 'gradientPenalty';

/**
 * A gradient penalty of a discriminator `D` (any function from a batch [N, ...] to
 * logits [N, ...], e.g. PatchGAN maps): D's gradient with respect to its input, at the
 * points the kind names, per sample (the gradient of the sum of a sample's logits):
 * - 'wgan-gp', 'dragan': ((‖∇D(x̂)‖₂ - target) / target)², one-sided: relu(...)²
 * - 'r1', 'r2':          ‖∇D(x)‖₂²
 * reduced over the batch and multiplied by weight.
 *
 * Training D on it differentiates through ∇D, so every op in D needs a correct
 * second-order gradient; @atelier/core supplies those tfjs gets wrong. The samples are
 * not detached: gradients also reach real and fake if asked for.
 */
export function gradientPenalty(
  D: (x: tf.Tensor) => tf.Tensor,
  options: GradientPenaltyOptions,
): tf.Tensor {
  if (typeof D !== 'function') {
    throw new ArgumentError(
      `${FN}: D must be a function from samples to logits, got ${describe(D)}`,
    );
  }
  if (options === undefined) {
    throw new ArgumentError(`${FN}: options must be { kind, real?, fake?, ... }, got undefined`);
  }
  const o = optionsArg(FN, options);
  const kind = oneOf(FN, 'kind', o.kind, PENALTY_KINDS);
  const reduction = reductionArg(FN, o.reduction);
  const weight = finiteNumber(FN, 'weight', o.weight ?? 1);
  const target = finiteNumber(FN, 'target', o.target ?? 1, { exclusiveMin: 0 });
  const epsilon = finiteNumber(FN, 'epsilon', o.epsilon ?? 1e-10, { min: 0 });
  const needsReal = kind !== 'r2';
  const needsFake = kind === 'wgan-gp' || kind === 'r2';
  const real = needsReal ? sampleArg(kind, 'real', o.real) : undefined;
  const fake = needsFake ? sampleArg(kind, 'fake', o.fake) : undefined;
  if (real && fake) sameShape(FN, ['real', real], ['fake', fake]);
  for (const [name, allowed] of [
    ['oneSided', kind === 'wgan-gp' || kind === 'dragan'],
    ['target', kind === 'wgan-gp' || kind === 'dragan'],
    ['alpha', kind === 'wgan-gp' || kind === 'dragan'],
    ['noise', kind === 'dragan'],
    ['perturbation', kind === 'dragan'],
    ['real', needsReal],
    ['fake', needsFake],
  ] as const) {
    if (!allowed && (o as unknown as Record<string, unknown>)[name] !== undefined) {
      throw new ArgumentError(`${FN}: ${name} has no meaning for kind '${kind}'`);
    }
  }
  const samples = (real ?? fake)!;
  const n = samples.shape[0]!;
  const random = kind === 'wgan-gp' || kind === 'dragan';
  const draw = random ? drawSource(o) : undefined;
  const alpha = random ? alphaArg(o.alpha, samples, draw) : undefined;
  const noise = kind === 'dragan' ? noiseArg(o.noise, samples, draw) : undefined;
  const c = finiteNumber(FN, 'perturbation', o.perturbation ?? 0.5, { min: 0 });

  try {
    return tf.tidy(() => {
      let at: tf.Tensor;
      if (kind === 'wgan-gp') at = tf.add(fake!, tf.mul(alpha!, tf.sub(real!, fake!)));
      else if (kind === 'dragan') {
        const std = tf.sqrt(tf.moments(real!).variance);
        at = tf.add(real!, tf.mul(tf.mul(alpha!, tf.mul(std, c)), noise!));
      } else at = kind === 'r1' ? real! : fake!;

      // A wrong output is reported after the backward pass: thrown inside it, the
      // tensors tfjs keeps for gradients would never be freed.
      let wrong: string | undefined;
      const grad = tf.grad((x: tf.Tensor) => {
        const out = D(x);
        if (out instanceof tf.Tensor && out.rank >= 1 && out.shape[0] === n) return tf.sum(out);
        wrong = describe(out);
        return tf.mul(tf.sum(x), 0);
      })(at);
      if (wrong !== undefined) {
        throw new ShapeError(
          `${FN}: D must return logits [N, ...] with N = ${n} (one row per sample), got ${wrong}`,
        );
      }
      const squaredNorm = tf.sum(tf.reshape(tf.square(grad), [n, -1]), 1);
      let terms: tf.Tensor;
      if (kind === 'r1' || kind === 'r2') terms = squaredNorm;
      else {
        const gap = tf.sub(tf.sqrt(tf.add(squaredNorm, epsilon)), target);
        terms = tf.div(tf.square(o.oneSided ? tf.relu(gap) : gap), target * target);
      }
      return tf.mul(reduce(terms, reduction), weight);
    });
  } finally {
    if (alpha !== o.alpha) alpha?.dispose();
    if (noise !== o.noise) noise?.dispose();
  }
}

/** ProGAN's drift term ε·E[D(x)²] on real logits, keeping critic scores near 0 (ε 0.001). */
export function driftPenalty(
  realLogits: tf.Tensor,
  options: { weight?: number; reduction?: Reduction } = {},
): tf.Tensor {
  const o = optionsArg('driftPenalty', options);
  const r = tensorArg('driftPenalty', 'realLogits', realLogits, { minRank: 1 });
  const weight = finiteNumber('driftPenalty', 'weight', o.weight ?? 0.001);
  const reduction = reductionArg('driftPenalty', o.reduction);
  return tf.tidy(() => tf.mul(reduce(tf.square(r), reduction), weight));
}

function sampleArg(kind: PenaltyKind, name: string, value: unknown): tf.Tensor {
  if (value === undefined) {
    throw new ArgumentError(`${FN}: kind '${kind}' needs ${name} samples, got undefined`);
  }
  const t = tensorArg(FN, name, value, { minRank: 1, layout: 'of samples [N, ...]' });
  if (t.size === 0) throw new ShapeError(`${FN}: ${name} is empty, got ${describe(t)}`);
  return t;
}

type Draw = (shape: number[]) => tf.Tensor;

function drawSource(o: GradientPenaltyOptions): Draw | undefined {
  if (o.rng !== undefined && o.seed !== undefined) {
    throw new ArgumentError(`${FN}: give rng or seed, not both`);
  }
  if (o.rng !== undefined) {
    if (typeof (o.rng as Rng).uniform !== 'function') {
      throw new ArgumentError(`${FN}: rng must be an Rng from rng(seed), got ${describe(o.rng)}`);
    }
    return (shape) => o.rng!.uniform(shape);
  }
  if (o.seed !== undefined) {
    const source = seeded(o.seed);
    return (shape) => source.uniform(shape);
  }
  return undefined;
}

function alphaArg(value: unknown, samples: tf.Tensor, draw: Draw | undefined): tf.Tensor {
  const n = samples.shape[0]!;
  const shape = [n, ...samples.shape.slice(1).map(() => 1)];
  if (value === undefined) {
    if (!draw) {
      throw new ArgumentError(
        `${FN}: the interpolation needs alpha, or rng / seed to draw it (every random choice takes a seed)`,
      );
    }
    return draw(shape);
  }
  const a = tensorArg(FN, 'alpha', value);
  const ok = a.size === n && (a.rank === 1 || tf.util.arraysEqual(a.shape, shape));
  if (!ok) {
    throw new ShapeError(
      `${FN}: alpha must have shape [${n}] or [${shape.join(', ')}] (one coefficient per sample), got ${describe(a)}`,
    );
  }
  return a.rank === 1 ? tf.reshape(a, shape) : a;
}

function noiseArg(value: unknown, samples: tf.Tensor, draw: Draw | undefined): tf.Tensor {
  if (value === undefined) {
    if (!draw) {
      throw new ArgumentError(
        `${FN}: 'dragan' needs noise, or rng / seed to draw it (every random choice takes a seed)`,
      );
    }
    return draw(samples.shape);
  }
  const u = tensorArg(FN, 'noise', value);
  sameShape(FN, ['real', samples], ['noise', u]);
  return u;
}
