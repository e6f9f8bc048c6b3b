import { ArgumentError, describe, isModule, type Module } from '@atelier/core';
import {
  ELU,
  GELU,
  Identity,
  LeakyReLU,
  ReLU,
  Sigmoid,
  Swish,
  Tanh,
} from '../layers/activations.js';
import { knownName } from './unknown-name.js';

export const ACTIVATION_NAMES = [
  'relu',
  'leakyRelu',
  'elu',
  'gelu',
  'tanh',
  'sigmoid',
  'swish',
  'none',
] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

export interface ActivationOptions {
  /** leakyRelu: the negative slope (default 0.01); elu: the scale below 0 (default 1). */
  alpha?: number;
  /** gelu: 'none' (erf, default) or 'tanh'. */
  approximate?: 'none' | 'tanh';
}

/**
 * An activation module by name, as timm's `create_act_layer`:
 * `createActivation('leakyRelu', { alpha: 0.2 })`. 'none' is the identity.
 */
export function createActivation(name: ActivationName, options: ActivationOptions = {}): Module {
  switch (knownName('createActivation', name, ACTIVATION_NAMES)) {
    case 'relu':
      return new ReLU();
    case 'leakyRelu':
      return new LeakyReLU({ alpha: options.alpha });
    case 'elu':
      return new ELU({ alpha: options.alpha });
    case 'gelu':
      return new GELU({ approximate: options.approximate });
    case 'tanh':
      return new Tanh();
    case 'sigmoid':
      return new Sigmoid();
    case 'swish':
      return new Swish();
    case 'none':
      return new Identity();
  }
}

/** What a block accepts as its activation: a name, or a function making the module. */
export type ActivationSpec = ActivationName | (() => Module);

/** A fresh activation module from a spec (the blocks call it once per use). */
export function makeActivation(spec: ActivationSpec, where: string): Module {
  if (typeof spec === 'function') {
    const made = spec();
    if (!isModule(made)) {
      throw new ArgumentError(
        `${where}: the activation function must return a Module, got ${describe(made)}`,
      );
    }
    return made;
  }
  return createActivation(spec);
}
