import {
  GAN_NORMS,
  type GanNorm,
  INIT_TYPES,
  type InitType,
  NET_D_NAMES,
  type NetD,
  type NetG,
  type NetworkOptions,
  parseNetG,
} from '@atelier/blocks';
import type { HarnessFlag } from './descriptor.js';
import { type GanMode, ganModeOption } from './gan-mode.js';
import { boolOption, choiceOption, intOption, numberOption, readOptions } from './options.js';

/**
 * The options junyanz's models share (`--netG`, `--netD`, `--norm`, `--init_type`,
 * `--gan_mode`, Adam's rate and betas), resolved in one place for every harness built
 * on those networks (pix2pix, CycleGAN, BicycleGAN). Each harness gives its defaults.
 */
export interface JunyanzNetworkOptions {
  netG?: NetG;
  /** Default 'basic'. */
  netD?: NetD;
  /** PatchGAN layers when netD is 'n_layers'; default 3. */
  nLayersD?: number;
  /** Default 64 each. */
  ngf?: number;
  ndf?: number;
  /** Both networks' norm. */
  norm?: GanNorm;
  /** Both networks' init; default 'normal' with gain 0.02. */
  initType?: InitType;
  initGain?: number;
  /** Per-network overrides of norm and init. */
  G?: NetworkOptions;
  D?: NetworkOptions;
  /** Dropout in the generator(s). */
  dropout?: boolean;
}

export interface AdamOptions {
  /** Adam: default lr 2e-4, beta1 0.5, beta2 0.999. */
  lr?: number;
  beta1?: number;
  beta2?: number;
  /** Seeds the initial weights; default 0. */
  seed?: number;
}

export const NETWORK_KEYS = [
  'netG',
  'netD',
  'nLayersD',
  'ngf',
  'ndf',
  'norm',
  'initType',
  'initGain',
  'G',
  'D',
  'dropout',
] as const;
export const ADAM_KEYS = ['lr', 'beta1', 'beta2', 'seed'] as const;

export type ResolvedNetworks = Required<Omit<JunyanzNetworkOptions, 'G' | 'D'>> & {
  G: Required<NetworkOptions>;
  D: Required<NetworkOptions>;
};

function networkOptions(
  own: NetworkOptions | undefined,
  base: Required<NetworkOptions>,
  where: string,
): Required<NetworkOptions> {
  const o = readOptions(own, where, ['norm', 'initType', 'initGain']);
  return {
    norm: choiceOption(o.norm, base.norm, GAN_NORMS, 'norm', where),
    initType: choiceOption(o.initType, base.initType, INIT_TYPES, 'initType', where),
    initGain: numberOption(o.initGain, base.initGain, 'initGain', where),
  };
}

/** The networks' options, in the order config.json records them. */
export function resolveNetworks(
  o: JunyanzNetworkOptions,
  where: string,
  defaults: { netG: NetG; norm: GanNorm; dropout: boolean },
): ResolvedNetworks {
  const netG = o.netG ?? defaults.netG;
  parseNetG(netG, where);
  const base = {
    norm: choiceOption(o.norm, defaults.norm, GAN_NORMS, 'norm', where),
    initType: choiceOption(o.initType, 'normal', INIT_TYPES, 'initType', where),
    initGain: numberOption(o.initGain, 0.02, 'initGain', where),
  };
  return {
    netG,
    netD: choiceOption(o.netD, 'basic', NET_D_NAMES, 'netD', where),
    nLayersD: intOption(o.nLayersD, 3, 'nLayersD', where),
    ngf: intOption(o.ngf, 64, 'ngf', where),
    ndf: intOption(o.ndf, 64, 'ndf', where),
    ...base,
    G: networkOptions(o.G, base, `${where}: G`),
    D: networkOptions(o.D, base, `${where}: D`),
    dropout: boolOption(o.dropout, defaults.dropout, 'dropout', where),
  };
}

/** `--gan_mode` with the harness's default. */
export function resolveGanMode(
  o: { ganMode?: GanMode },
  where: string,
  fallback: GanMode,
): GanMode {
  return ganModeOption(o.ganMode, where, fallback);
}

/** Adam's rate and betas (junyanz's defaults) and the weights' seed. */
export function resolveAdam(o: AdamOptions, where: string): Required<AdamOptions> {
  return {
    lr: numberOption(o.lr, 2e-4, 'lr', where),
    beta1: numberOption(o.beta1, 0.5, 'beta1', where),
    beta2: numberOption(o.beta2, 0.999, 'beta2', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

/** The CLI flags of the shared options, as junyanz's scripts spell them. */
export const NETWORK_FLAGS: Record<string, HarnessFlag> = {
  'net-g': {
    option: 'netG',
    kind: 'string',
    help: 'generator: unet_256, unet_128, unet_N, resnet_9blocks, resnet_Nblocks',
  },
  'net-d': {
    option: 'netD',
    kind: 'string',
    help: 'discriminator: basic (70x70 PatchGAN), n_layers, pixel',
  },
  'n-layers-d': { option: 'nLayersD', kind: 'int', help: 'PatchGAN layers when --net-d n_layers' },
  norm: { option: 'norm', kind: 'string', help: 'batch, instance or none' },
  'init-type': {
    option: 'initType',
    kind: 'string',
    help: 'normal, xavier, kaiming or orthogonal',
  },
  'init-gain': { option: 'initGain', kind: 'number', help: 'scale of the initial weights' },
  ngf: { option: 'ngf', kind: 'int', help: "generator's filters in its first layer" },
  ndf: { option: 'ndf', kind: 'int', help: "discriminator's filters in its first layer" },
  'no-dropout': { option: 'dropout', kind: 'false', help: 'no dropout in the generator' },
  dropout: { option: 'dropout', kind: 'true', help: 'dropout in the generator' },
};

export const GAN_MODE_FLAGS: Record<string, HarnessFlag> = {
  'gan-mode': { option: 'ganMode', kind: 'string', help: 'vanilla, lsgan or wgangp' },
  'lambda-gp': { option: 'lambdaGP', kind: 'number', help: 'WGAN-GP penalty weight (wgangp)' },
};

export const ADAM_FLAGS: Record<string, HarnessFlag> = {
  lr: { option: 'lr', kind: 'number', help: "Adam's learning rate" },
  beta1: { option: 'beta1', kind: 'number', help: "Adam's beta1" },
};
