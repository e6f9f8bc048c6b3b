import { type Module, parameterKind, tf } from '@atelier/core';
import { finiteNumber } from '../checks.js';
import { knownName } from '../factories/unknown-name.js';
import { BatchNorm2d } from '../layers/batch-norm2d.js';
import { type Seed, toRng } from '../seed.js';
import { kaimingNormal, normalInit, orthogonal, xavierNormal } from './initializers.js';

export const INIT_TYPES = ['normal', 'xavier', 'kaiming', 'orthogonal'] as const;
export type InitType = (typeof INIT_TYPES)[number];

export interface InitWeightsOptions {
  /** Default 'normal'. */
  type?: InitType;
  /** The std of 'normal', the gain of 'xavier' and 'orthogonal'; default 0.02. */
  gain?: number;
  seed?: Seed;
}

const WEIGHT_KINDS = new Set(['conv', 'convTranspose', 'linear', 'depthwise']);

/**
 * Re-initialises a network in place, as junyanz's `init_weights(net, init_type,
 * init_gain)`: every conv, transposed conv and linear weight (including a wrapped
 * `weight_orig`) drawn from N(0, gain) ('normal'), Xavier normal with gain, Kaiming
 * normal (a = 0, fan in) or orthogonal with gain, and its bias zeroed; every
 * BatchNorm2d's weight drawn from N(1, gain) and its bias zeroed. Each weight draws from
 * its own stream, forked by its name, so the result does not depend on the order.
 * Returns the module.
 */
export function initWeights<M extends Module>(module: M, options: InitWeightsOptions = {}): M {
  const type = knownName('initWeights', options.type ?? 'normal', INIT_TYPES);
  const gain = finiteNumber(options.gain ?? 0.02, 'gain', 'initWeights', { min: 0 });
  const root = toRng(options.seed, 'initWeights');
  for (const [prefix, m] of module.namedModules()) {
    const own = m.namedParameters().filter(([name]) => !name.includes('.'));
    const named = new Map(own);
    const isBatchNorm = m instanceof BatchNorm2d;
    for (const [name, variable] of own) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      const seed = root.fork(key);
      const kind = parameterKind(variable);
      const shape = variable.shape;
      tf.tidy(() => {
        if (isBatchNorm && name === 'weight') {
          variable.assign(normalInit(shape, { mean: 1, std: gain, seed }));
        } else if ((name === 'weight' || name === 'weight_orig') && WEIGHT_KINDS.has(kind)) {
          variable.assign(drawWeight(type, shape, kind, gain, seed));
        } else if (name === 'bias' && (isBatchNorm || hasWeightOfKind(named))) {
          variable.assign(tf.zerosLike(variable));
        }
      });
    }
  }
  return module;
}

function hasWeightOfKind(named: Map<string, tf.Variable>): boolean {
  const weight = named.get('weight') ?? named.get('weight_orig');
  return weight !== undefined && WEIGHT_KINDS.has(parameterKind(weight));
}

function drawWeight(
  type: InitType,
  shape: number[],
  kind: ReturnType<typeof parameterKind>,
  gain: number,
  seed: Seed,
): tf.Tensor {
  switch (type) {
    case 'normal':
      return normalInit(shape, { std: gain, seed });
    case 'xavier':
      return xavierNormal(shape, kind, { gain, seed });
    case 'kaiming':
      return kaimingNormal(shape, kind, { a: 0, mode: 'fanIn', seed });
    case 'orthogonal':
      return orthogonal(shape, kind, { gain, seed });
  }
}
