import { ArgumentError, describe, type Module, type Rng } from '@atelier/core';
import { type InitType, initWeights } from '../init/init-weights.js';
import type { GanNorm } from './gan-norm.js';
import { PatchDiscriminator } from './patch-discriminator.js';
import { PixelDiscriminator } from './pixel-discriminator.js';
import { ResnetGenerator } from './resnet-generator.js';
import { UnetGenerator } from './unet-generator.js';

/**
 * junyanz's `--netG`: unet_256 (8 downsamplings), unet_128 (7), and, for small images,
 * any unet_N with N a power of two from 32 (log2 N downsamplings); resnet_9blocks and
 * resnet_6blocks (any size divisible by 4), and likewise resnet_Nblocks for any N >= 1.
 */
export type NetG = `unet_${number}` | `resnet_${number}blocks`;
export const NET_G_EXAMPLES = ['unet_256', 'unet_128', 'resnet_9blocks', 'resnet_6blocks'] as const;

/** junyanz's `--netD`: basic (the 70x70 PatchGAN), n_layers (PatchGAN of nLayersD), pixel (1x1). */
export const NET_D_NAMES = ['basic', 'n_layers', 'pixel'] as const;
export type NetD = (typeof NET_D_NAMES)[number];

export type ParsedNetG = { kind: 'unet'; numDowns: number } | { kind: 'resnet'; nBlocks: number };

export function parseNetG(value: unknown, where: string): ParsedNetG {
  const r = typeof value === 'string' ? /^resnet_(\d+)blocks$/.exec(value) : null;
  if (r && Number(r[1]) >= 1) return { kind: 'resnet', nBlocks: Number(r[1]) };
  const m = typeof value === 'string' ? /^unet_(\d+)$/.exec(value) : null;
  if (m) {
    const size = Number(m[1]);
    const numDowns = Math.log2(size);
    if (Number.isInteger(numDowns) && numDowns >= 5) return { kind: 'unet', numDowns };
  }
  throw new ArgumentError(
    `${where}: netG must be one of ${NET_G_EXAMPLES.join(', ')} (or unet_N for N a power of two >= 32, resnet_Nblocks), got ${describe(value)}`,
  );
}

/** The side lengths a generator takes must be multiples of this. */
export function sizeMultiple(netG: ParsedNetG): number {
  return netG.kind === 'unet' ? 2 ** netG.numDowns : 4;
}

/** Per-network options (junyanz applies one --norm and --init_type to both; these may differ). */
export interface NetworkOptions {
  norm?: GanNorm;
  initType?: InitType;
  initGain?: number;
}

export interface GeneratorSpec extends Required<NetworkOptions> {
  netG: NetG;
  inChannels: number;
  outChannels: number;
  ngf: number;
  dropout: boolean;
}

/**
 * junyanz's `define_G`: the network by name, initialised by `init_weights(init_type,
 * init_gain)`. An initType of 'none' keeps the layers' PyTorch default initialisation.
 *
 * @example
 * const G = createGenerator(
 *   { netG: 'unet_256', inChannels: 3, outChannels: 3, ngf: 64, norm: 'batch', dropout: true, initType: 'normal', initGain: 0.02 },
 *   rng(0),
 * );
 */
export function createGenerator(spec: GeneratorSpec, seed: Rng): Module {
  const parsed = parseNetG(spec.netG, 'createGenerator');
  const common = {
    inChannels: spec.inChannels,
    outChannels: spec.outChannels,
    ngf: spec.ngf,
    norm: spec.norm,
    dropout: spec.dropout,
    seed: seed.fork('build'),
  };
  const net =
    parsed.kind === 'unet'
      ? new UnetGenerator({ ...common, numDowns: parsed.numDowns })
      : new ResnetGenerator({ ...common, nBlocks: parsed.nBlocks });
  return initWeights(net, { type: spec.initType, gain: spec.initGain, seed: seed.fork('init') });
}

export interface DiscriminatorSpec extends Required<NetworkOptions> {
  netD: NetD;
  inChannels: number;
  ndf: number;
  nLayersD: number;
}

/** junyanz's `define_D`. */
export function createDiscriminator(spec: DiscriminatorSpec, seed: Rng): Module {
  const common = {
    inChannels: spec.inChannels,
    ndf: spec.ndf,
    norm: spec.norm,
    seed: seed.fork('build'),
  };
  const net =
    spec.netD === 'pixel'
      ? new PixelDiscriminator(common)
      : new PatchDiscriminator({ ...common, nLayers: spec.netD === 'basic' ? 3 : spec.nLayersD });
  return initWeights(net, { type: spec.initType, gain: spec.initGain, seed: seed.fork('init') });
}
