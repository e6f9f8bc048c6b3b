import {
  ArgumentError,
  convFromTorch,
  convTransposeFromTorch,
  depthwiseFromTorch,
  describe,
  linearFromTorch,
  type ParameterKind,
  tf,
} from '@atelier/core';
import { finiteNumber, oneOf } from '../checks.js';
import { type Seed, toRng } from '../seed.js';
import { torchFans } from './fans.js';
import { calculateGain, type Nonlinearity } from './gain.js';
import { orthogonalMatrix } from './orthogonal.js';

export type FanMode = 'fanIn' | 'fanOut';

function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ArgumentError(
      `${where}: expected a shape of non-negative integers, got ${describe(shape)}`,
    );
  }
  return shape;
}

/** Values drawn from N(mean, std^2). */
export function normalInit(
  shape: number[],
  options: { mean?: number; std?: number; seed?: Seed } = {},
): tf.Tensor {
  const mean = finiteNumber(options.mean ?? 0, 'mean', 'normalInit');
  const std = finiteNumber(options.std ?? 1, 'std', 'normalInit', { min: 0 });
  return toRng(options.seed, 'normalInit').normal(checkShape(shape, 'normalInit'), mean, std);
}

/** Values drawn from U(low, high). */
export function uniformInit(
  shape: number[],
  options: { low?: number; high?: number; seed?: Seed } = {},
): tf.Tensor {
  const low = finiteNumber(options.low ?? 0, 'low', 'uniformInit');
  const high = finiteNumber(options.high ?? 1, 'high', 'uniformInit');
  if (!(low < high))
    throw new ArgumentError(`uniformInit: expected low < high, got [${low}, ${high})`);
  return toRng(options.seed, 'uniformInit').uniform(checkShape(shape, 'uniformInit'), low, high);
}

/** Symmetric uniform values in [-bound, bound); all zeros for a zero bound. */
function symmetricUniform(
  shape: number[],
  bound: number,
  seed: Seed | undefined,
  where: string,
): tf.Tensor {
  if (!(bound > 0)) return tf.zeros(shape);
  return toRng(seed, where).uniform(shape, -bound, bound);
}

/** Glorot: N(0, gain^2 * 2 / (fanIn + fanOut)), PyTorch's `xavier_normal_`. */
export function xavierNormal(
  shape: number[],
  kind: ParameterKind,
  options: { gain?: number; seed?: Seed } = {},
): tf.Tensor {
  const gain = finiteNumber(options.gain ?? 1, 'gain', 'xavierNormal', { min: 0 });
  const { fanIn, fanOut } = torchFans(checkShape(shape, 'xavierNormal'), kind);
  const std = gain * Math.sqrt(2 / Math.max(1, fanIn + fanOut));
  return toRng(options.seed, 'xavierNormal').normal(shape, 0, std);
}

/** Glorot: U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)), PyTorch's `xavier_uniform_`. */
export function xavierUniform(
  shape: number[],
  kind: ParameterKind,
  options: { gain?: number; seed?: Seed } = {},
): tf.Tensor {
  const gain = finiteNumber(options.gain ?? 1, 'gain', 'xavierUniform', { min: 0 });
  const { fanIn, fanOut } = torchFans(checkShape(shape, 'xavierUniform'), kind);
  return symmetricUniform(
    shape,
    gain * Math.sqrt(6 / Math.max(1, fanIn + fanOut)),
    options.seed,
    'xavierUniform',
  );
}

export interface KaimingOptions {
  /** The negative slope of the leaky relu that follows (0 for relu). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  seed?: Seed;
}

function kaimingStd(
  shape: number[],
  kind: ParameterKind,
  options: KaimingOptions,
  where: string,
): number {
  const a = finiteNumber(options.a ?? 0, 'a', where);
  const mode = oneOf(options.mode ?? 'fanIn', ['fanIn', 'fanOut'] as const, 'mode', where);
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', a);
  const fans = torchFans(checkShape(shape, where), kind);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  return gain / Math.sqrt(Math.max(1, fan));
}

/** He: N(0, (gain / sqrt(fan))^2), PyTorch's `kaiming_normal_` (defaults a 0, fan in). */
export function kaimingNormal(
  shape: number[],
  kind: ParameterKind,
  options: KaimingOptions = {},
): tf.Tensor {
  const std = kaimingStd(shape, kind, options, 'kaimingNormal');
  return toRng(options.seed, 'kaimingNormal').normal(shape, 0, std);
}

/** He: U(-b, b) with b = gain * sqrt(3 / fan), PyTorch's `kaiming_uniform_`. */
export function kaimingUniform(
  shape: number[],
  kind: ParameterKind,
  options: KaimingOptions = {},
): tf.Tensor {
  const std = kaimingStd(shape, kind, options, 'kaimingUniform');
  return symmetricUniform(shape, Math.sqrt(3) * std, options.seed, 'kaimingUniform');
}

/**
 * PyTorch's default for Conv2d, ConvTranspose2d and Linear weights:
 * `kaiming_uniform_(a=sqrt(5))`, which is U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
export function torchDefaultWeight(shape: number[], kind: ParameterKind, seed?: Seed): tf.Tensor {
  return kaimingUniform(shape, kind, { a: Math.sqrt(5), seed });
}

/** PyTorch's default bias of the same layers: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export function torchDefaultBias(size: number, fanIn: number, seed?: Seed): tf.Tensor {
  return symmetricUniform([size], fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, seed, 'torchDefaultBias');
}

/** PyTorch's shape of a weight of this kind and tfjs shape. */
function torchShape(shape: number[], kind: ParameterKind): number[] {
  switch (kind) {
    case 'conv':
    case 'convTranspose':
      return [shape[3]!, shape[2]!, shape[0]!, shape[1]!];
    case 'depthwise':
      return [shape[2]! * shape[3]!, 1, shape[0]!, shape[1]!];
    case 'linear':
      return [shape[1]!, shape[0]!];
    case 'plain':
      return shape;
  }
}

/** A tensor in PyTorch's layout moved into the tfjs layout of `kind`. */
function fromTorch(t: tf.Tensor, kind: ParameterKind, shape: number[]): tf.Tensor {
  switch (kind) {
    case 'conv':
      return convFromTorch(t);
    case 'convTranspose':
      return convTransposeFromTorch(t);
    case 'depthwise':
      return depthwiseFromTorch(t, shape[2]);
    case 'linear':
      return linearFromTorch(t);
    case 'plain':
      return tf.clone(t);
  }
}

/**
 * A (semi-)orthogonal weight times `gain`, as PyTorch's `orthogonal_`: the weight in
 * PyTorch's layout, flattened to (size(0), rest), has orthonormal rows or columns
 * (whichever are fewer). Drawn in PyTorch's layout, then moved to the tfjs one, so the
 * property holds of the weight PyTorch would see.
 */
export function orthogonal(
  shape: number[],
  kind: ParameterKind,
  options: { gain?: number; seed?: Seed } = {},
): tf.Tensor {
  const gain = finiteNumber(options.gain ?? 1, 'gain', 'orthogonal');
  checkShape(shape, 'orthogonal');
  if (shape.length < 2) {
    throw new ArgumentError(`orthogonal: needs a weight of rank >= 2, got ${describe(shape)}`);
  }
  torchFans(shape, kind); // validates the rank for the kind
  const tshape = torchShape(shape, kind);
  const rows = tshape[0]!;
  const cols = tshape.reduce((a, b) => a * b, 1) / Math.max(1, rows);
  const q = orthogonalMatrix(rows, cols, toRng(options.seed, 'orthogonal'));
  for (let i = 0; i < q.length; i++) q[i] = q[i]! * gain;
  return tf.tidy(() => fromTorch(tf.tensor(q, tshape, 'float32'), kind, shape));
}
