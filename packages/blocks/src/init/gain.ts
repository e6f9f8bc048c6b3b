import { ArgumentError, describe } from '@atelier/core';

export type Nonlinearity = 'linear' | 'conv' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

const NONLINEARITIES: readonly Nonlinearity[] = [
  'linear',
  'conv',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'selu',
];

/**
 * The recommended gain for a nonlinearity, as PyTorch's `calculate_gain`: 1 for linear,
 * conv and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky
 * relu (slope 0.01 by default), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, slope?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const a = slope ?? 0.01;
      if (typeof a !== 'number' || !Number.isFinite(a)) {
        throw new ArgumentError(`calculateGain: slope must be a finite number, got ${describe(a)}`);
      }
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu':
      return 3 / 4;
  }
  throw new ArgumentError(
    `calculateGain: nonlinearity must be one of ${NONLINEARITIES.join(', ')}, got ${describe(nonlinearity)}`,
  );
}
