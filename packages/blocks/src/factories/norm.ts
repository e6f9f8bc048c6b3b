import { ArgumentError, describe, isModule, type Module } from '@atelier/core';
import { Identity } from '../layers/activations.js';
import { BatchNorm2d } from '../layers/batch-norm2d.js';
import { GroupNorm } from '../layers/group-norm.js';
import { InstanceNorm2d, type InstanceNorm2dOptions } from '../layers/instance-norm2d.js';
import { LayerNorm } from '../layers/layer-norm.js';
import { PixelNorm } from '../layers/pixel-norm.js';
import { knownName } from './unknown-name.js';

export const NORM_NAMES = ['batch', 'instance', 'layer', 'group', 'pixel', 'none'] as const;
export type NormName = (typeof NORM_NAMES)[number];

/** Makes a norm layer for a number of channels (NHWC, the last axis). */
export type NormLayer = (channels: number) => Module;

export interface NormOptions {
  eps?: number;
  /** batch, instance, group: learned scale and shift (defaults as PyTorch: true, false, true). */
  affine?: boolean;
  /** batch, instance: running statistics (defaults as PyTorch: true, false). */
  trackRunningStats?: boolean;
  /** batch, instance. */
  momentum?: number | null;
  /** group: the number of groups (default 32, or the channel count when smaller). */
  groups?: number;
}

/**
 * A norm layer maker by name, as junyanz's `get_norm_layer` and timm's
 * `get_norm_layer`: `createNorm('instance')(64)` is an InstanceNorm2d of 64 channels
 * (affine false, no running statistics, as PyTorch's defaults and pix2pix). 'layer'
 * normalises each pixel over its channels; 'none' is the identity.
 */
export function createNorm(name: NormName, options: NormOptions = {}): NormLayer {
  const kind = knownName('createNorm', name, NORM_NAMES);
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`createNorm: options must be an object, got ${describe(options)}`);
  }
  switch (kind) {
    case 'batch':
      return (c) => new BatchNorm2d(c, options);
    case 'instance':
      return (c) => new InstanceNorm2d(c, options as InstanceNorm2dOptions);
    case 'layer':
      return (c) => new LayerNorm([c], { eps: options.eps, elementwiseAffine: options.affine });
    case 'group':
      return (c) => new GroupNorm(options.groups ?? Math.min(32, c), c, options);
    case 'pixel':
      return () => new PixelNorm({ eps: options.eps });
    case 'none':
      return () => new Identity();
  }
}

/** What a block accepts as its norm: a name or a maker. */
export type NormSpec = NormName | NormLayer;

export function makeNorm(spec: NormSpec, channels: number, where: string): Module {
  const maker = typeof spec === 'function' ? spec : createNorm(spec);
  const made = maker(channels);
  if (!isModule(made)) {
    throw new ArgumentError(`${where}: the norm maker must return a Module, got ${describe(made)}`);
  }
  return made;
}

/** True for the specs that make no norm (junyanz: conv bias only without batch norm). */
export function isNoNorm(spec: NormSpec): boolean {
  return spec === 'none';
}
