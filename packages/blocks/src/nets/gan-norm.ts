import type { Module } from '@atelier/core';
import { oneOf } from '../checks.js';
import { createNorm } from '../factories/norm.js';

/** The norms of junyanz's pix2pix/CycleGAN networks (`--norm`). */
export const GAN_NORMS = ['batch', 'instance', 'none'] as const;
export type GanNorm = (typeof GAN_NORMS)[number];

export interface GanNormChoice {
  name: GanNorm;
  /** A norm layer for a number of channels. */
  layer: (channels: number) => Module;
  /**
   * Whether the convolutions before a norm carry a bias: junyanz gives them one only
   * with instance norm (batch norm's shift makes it redundant; 'none' follows batch).
   */
  convBias: boolean;
}

/**
 * junyanz's `get_norm_layer`: BatchNorm2d (affine, running statistics), InstanceNorm2d
 * without affine parameters or running statistics, or the identity.
 */
export function ganNorm(value: unknown, where: string): GanNormChoice {
  const name = oneOf(value ?? 'batch', GAN_NORMS, 'norm', where);
  return { name, layer: createNorm(name), convBias: name === 'instance' };
}
