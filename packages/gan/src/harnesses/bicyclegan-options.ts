import {
  GAN_NORMS,
  type GanNorm,
  INIT_TYPES,
  type InitType,
  WHERE_ADD,
  type WhereAdd,
} from '@atelier/blocks';
import { ArgumentError, describe } from '@atelier/core';
import type { GanMode } from './gan-mode.js';
import { parseNetG } from './junyanz-nets.js';
import { ADAM_KEYS, type AdamOptions, resolveAdam, resolveGanMode } from './junyanz-options.js';
import { boolOption, choiceOption, intOption, numberOption, readOptions } from './options.js';
import type { Direction } from './pix2pix.js';

/** The paper's ablations (Table 1), each a run: what halves the step has and what E does. */
export const BICYCLE_VARIANTS = ['bicyclegan', 'cvae-gan', 'clr-gan', 'pix2pix+noise'] as const;
export type BicycleVariant = (typeof BICYCLE_VARIANTS)[number];

export interface BicycleGanOptions extends AdamOptions {
  /** 'bicyclegan' (default): both halves; 'cvae-gan': the encoded half only, on the whole batch; 'clr-gan': the random half only (E trained by the z loss); 'pix2pix+noise': G(A, z) with random z, GAN + L1, no E. */
  variant?: BicycleVariant;
  /** input_nc, output_nc; default 3 each. */
  inChannels?: number;
  outChannels?: number;
  /** Length of z; default 8. */
  nz?: number;
  /** unet_256 (default), unet_128, unet_N. */
  netG?: `unet_${number}`;
  /** basic_256_multi (default), basic_128_multi, or one scale: basic_256, basic_128. */
  netD?: string;
  /** The second discriminator (cLR-GAN half); default as netD. */
  netD2?: string;
  /** resnet_256 (default), resnet_128, conv_256, conv_128, or resnet_N / conv_N for N the image side. */
  netE?: string;
  ngf?: number;
  ndf?: number;
  nef?: number;
  /** Every network's norm; default 'instance'. */
  norm?: GanNorm;
  /** Default 'xavier' with gain 0.02. */
  initType?: InitType;
  initGain?: number;
  /** Dropout in G (BicycleGAN's scripts: --use_dropout); default true. */
  dropout?: boolean;
  /** z into the input only or every down conv; default 'all'. */
  whereAdd?: WhereAdd;
  /** Default 'lsgan'. */
  ganMode?: GanMode;
  /** Default 10. */
  lambdaL1?: number;
  /** Default 0.01. */
  lambdaKL?: number;
  /** Default 0.5. */
  lambdaZ?: number;
  /** Weights of the two adversarial terms; default 1 each. */
  lambdaGAN?: number;
  lambdaGAN2?: number;
  /** One discriminator for both halves; default false. */
  useSameD?: boolean;
  direction?: Direction;
}

const KNOWN = [
  'variant',
  'inChannels',
  'outChannels',
  'nz',
  'netG',
  'netD',
  'netD2',
  'netE',
  'ngf',
  'ndf',
  'nef',
  'norm',
  'initType',
  'initGain',
  'dropout',
  'whereAdd',
  'ganMode',
  'lambdaL1',
  'lambdaKL',
  'lambdaZ',
  'lambdaGAN',
  'lambdaGAN2',
  'useSameD',
  'direction',
  ...ADAM_KEYS,
] as const;

export type ResolvedBicycleGan = Required<BicycleGanOptions>;

/** basic_<S>_multi: PatchGANs of nLayers 3 (S 256) or 2 (S 128) at numD 2 scales. */
export function parseBicycleD(value: unknown, where: string): { nLayers: number; numD: number } {
  const m = typeof value === 'string' ? /^basic_(256|128)(_multi)?$/.exec(value) : null;
  if (!m)
    throw new ArgumentError(
      `${where}: netD must be basic_256_multi, basic_128_multi, basic_256 or basic_128, got ${describe(value)}`,
    );
  return { nLayers: m[1] === '256' ? 3 : 2, numD: m[2] ? 2 : 1 };
}

/** resnet_<S> or conv_<S>: the encoder's kind and the image side it takes. */
export function parseBicycleE(
  value: unknown,
  where: string,
): { kind: 'resnet' | 'conv'; size: number } {
  const m = typeof value === 'string' ? /^(resnet|conv)_(\d+)$/.exec(value) : null;
  const size = m ? Number(m[2]) : Number.NaN;
  const min = m?.[1] === 'resnet' ? 32 : 16;
  if (!m || !Number.isInteger(Math.log2(size)) || size < min) {
    throw new ArgumentError(
      `${where}: netE must be resnet_N (N a power of two >= 32) or conv_N (>= 16), e.g. resnet_256, got ${describe(value)}`,
    );
  }
  return { kind: m[1] as 'resnet' | 'conv', size };
}

export function resolveBicycleGan(options?: BicycleGanOptions): ResolvedBicycleGan {
  const where = 'bicyclegan';
  const o = readOptions(options, where, KNOWN);
  const netG = o.netG ?? 'unet_256';
  if (parseNetG(netG, where).kind !== 'unet')
    throw new ArgumentError(
      `${where}: netG must be a unet_N (z enters a UNet), got ${describe(netG)}`,
    );
  const netD = o.netD ?? 'basic_256_multi';
  parseBicycleD(netD, where);
  const netE = o.netE ?? 'resnet_256';
  parseBicycleE(netE, where);
  const netD2 = o.netD2 ?? netD;
  parseBicycleD(netD2, `${where}: netD2`);
  return {
    variant: choiceOption(o.variant, 'bicyclegan', BICYCLE_VARIANTS, 'variant', where),
    inChannels: intOption(o.inChannels, 3, 'inChannels', where),
    outChannels: intOption(o.outChannels, 3, 'outChannels', where),
    nz: intOption(o.nz, 8, 'nz', where),
    netG,
    netD,
    netD2,
    netE,
    ngf: intOption(o.ngf, 64, 'ngf', where),
    ndf: intOption(o.ndf, 64, 'ndf', where),
    nef: intOption(o.nef, 64, 'nef', where),
    norm: choiceOption(o.norm, 'instance', GAN_NORMS, 'norm', where),
    initType: choiceOption(o.initType, 'xavier', INIT_TYPES, 'initType', where),
    initGain: numberOption(o.initGain, 0.02, 'initGain', where),
    dropout: boolOption(o.dropout, true, 'dropout', where),
    whereAdd: choiceOption(o.whereAdd, 'all', WHERE_ADD, 'whereAdd', where),
    ganMode: resolveGanMode(o, where, 'lsgan'),
    lambdaL1: numberOption(o.lambdaL1, 10, 'lambdaL1', where),
    lambdaKL: numberOption(o.lambdaKL, 0.01, 'lambdaKL', where),
    lambdaZ: numberOption(o.lambdaZ, 0.5, 'lambdaZ', where),
    lambdaGAN: numberOption(o.lambdaGAN, 1, 'lambdaGAN', where),
    lambdaGAN2: numberOption(o.lambdaGAN2, 1, 'lambdaGAN2', where),
    useSameD: boolOption(o.useSameD, false, 'useSameD', where),
    direction: choiceOption(o.direction, 'AtoB', ['AtoB', 'BtoA'] as const, 'direction', where),
    ...resolveAdam(o, where),
  };
}
