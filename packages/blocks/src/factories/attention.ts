import { ArgumentError, describe, isModule, type Module } from '@atelier/core';
import { Cbam } from '../blocks/cbam.js';
import { MultiHeadSelfAttention } from '../blocks/multi-head-attention.js';
import { NonLocalBlock } from '../blocks/non-local.js';
import { SelfAttention } from '../blocks/self-attention.js';
import { SqueezeExcitation } from '../blocks/squeeze-excitation.js';
import { Identity } from '../layers/activations.js';
import type { Seed } from '../seed.js';
import { knownName } from './unknown-name.js';

export const ATTENTION_NAMES = [
  'se',
  'cbam',
  'selfAttention',
  'nonLocal',
  'multiHead',
  'none',
] as const;
export type AttentionName = (typeof ATTENTION_NAMES)[number];

/** Makes an attention module for a number of channels, with a seed for its weights. */
export type AttentionLayer = (channels: number, seed?: Seed) => Module;

export interface AttentionFactoryOptions {
  /** se, cbam: squeeze ratio (default 16); selfAttention: query/key ratio (default 8). */
  reduction?: number;
  /** multiHead: number of heads (default 1). */
  numHeads?: number;
  /** nonLocal: max-pool phi and g. */
  subSample?: boolean;
}

/**
 * An attention module maker by name, as timm's `create_attn`: `createAttention('se')(64)`
 * is a squeeze-excitation module over 64 channels. 'none' makes the identity.
 */
export function createAttention(
  name: AttentionName,
  options: AttentionFactoryOptions = {},
): AttentionLayer {
  const kind = knownName('createAttention', name, ATTENTION_NAMES);
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`createAttention: options must be an object, got ${describe(options)}`);
  }
  switch (kind) {
    case 'se':
      return (c, seed) => new SqueezeExcitation(c, { reduction: options.reduction, seed });
    case 'cbam':
      return (c, seed) => new Cbam(c, { reduction: options.reduction, seed });
    case 'selfAttention':
      return (c, seed) => new SelfAttention(c, { reduction: options.reduction, seed });
    case 'nonLocal':
      return (c, seed) => new NonLocalBlock(c, { subSample: options.subSample, seed });
    case 'multiHead':
      return (c, seed) => new MultiHeadSelfAttention(c, { numHeads: options.numHeads, seed });
    case 'none':
      return () => new Identity();
  }
}

/** What a block accepts as attention: a name or a maker. */
export type AttentionSpec = AttentionName | AttentionLayer;

/** The attention module of a block, or undefined for 'none' (no state, no key). */
export function makeAttention(
  spec: AttentionSpec | undefined,
  channels: number,
  seed: Seed,
  where: string,
): Module | undefined {
  if (spec === undefined || spec === 'none') return undefined;
  const made = (typeof spec === 'function' ? spec : createAttention(spec))(channels, seed);
  if (!isModule(made)) {
    throw new ArgumentError(
      `${where}: the attention maker must return a Module, got ${describe(made)}`,
    );
  }
  return made;
}
