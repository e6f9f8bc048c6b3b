import type { LatentEncoder, UnetZGenerator } from '@atelier/blocks';
import { ArgumentError, tf } from '@atelier/core';
import { detailCrop, FRANKENGAN_FACADES } from '../data/frankengan-data.js';
import type { JsonObject } from '../trainer/harness.js';
import { bicyclegan } from './bicyclegan.js';
import { type ChainHarness, type ChainStage, chain } from './chain.js';
import type { HarnessDescriptor } from './descriptor.js';
import { boolOption, intOption, numberOption, readOptions } from './options.js';

export interface FrankenGanOptions {
  /** The side of every stage's images (the detail stage renders its crop at this size); default 256. */
  size?: number;
  /** Every stage's widths; default 64 each. */
  ngf?: number;
  ndf?: number;
  nef?: number;
  /** Dropout in the generators; default true (BicycleGAN's scripts). */
  dropout?: boolean;
  lr?: number;
  /** Stage i's weights are seeded seed + i; default 0. */
  seed?: number;
}

const KNOWN = ['size', 'ngf', 'ndf', 'nef', 'dropout', 'lr', 'seed'] as const;
export const FRANKENGAN_STAGES = ['shape', 'labels', 'details'] as const;

export function resolveFrankenGan(options?: FrankenGanOptions): Required<FrankenGanOptions> {
  const where = 'frankengan';
  const o = readOptions(options, where, KNOWN);
  const size = intOption(o.size, 256, 'size', where, 32);
  if (!Number.isInteger(Math.log2(size)))
    throw new ArgumentError(`${where}: size must be a power of two >= 32, got ${size}`);
  return {
    size,
    ngf: intOption(o.ngf, 64, 'ngf', where),
    ndf: intOption(o.ndf, 64, 'ndf', where),
    nef: intOption(o.nef, 64, 'nef', where),
    dropout: boolOption(o.dropout, true, 'dropout', where),
    lr: numberOption(o.lr, 2e-4, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

/**
 * FrankenGAN's facade chain (Kelly, Guerrero et al. 2018), three BicycleGANs that train
 * on their own pairs and run one after another: facade shape mask -> labels (windows,
 * doors, ledges, ...) -> textured facade -> details of its ground floor at twice the
 * resolution. Inference takes z = 0 at every stage (the prior's mean style).
 */
export function frankengan(options?: FrankenGanOptions): ChainHarness {
  const o = resolveFrankenGan(options);
  const stage = (name: string, i: number): ChainStage => ({
    name,
    harness: bicyclegan({
      netG: `unet_${o.size}`,
      netE: `resnet_${o.size}`,
      netD: o.size >= 256 ? 'basic_256_multi' : 'basic_128_multi',
      ngf: o.ngf,
      ndf: o.ndf,
      nef: o.nef,
      dropout: o.dropout,
      lr: o.lr,
      seed: o.seed + i,
    }),
    translate: (x, g, style) => {
      const input = name === 'details' ? detailCrop(x) : x;
      const z = style ?? (tf.zeros([x.shape[0], 8]) as tf.Tensor2D);
      return (g.G as UnetZGenerator).forward(input, z);
    },
  });
  const harness = chain(FRANKENGAN_STAGES.map(stage), 'frankengan');
  return { ...harness, config: o as unknown as JsonObject };
}

/**
 * One exemplar facade photo [1, size, size, 3] pins the style of the stages whose
 * targets are photos: the textured facade (E of the photo) and the details (E of the
 * photo's detail crop). The label stage's targets are label maps, which a photo does
 * not give: it keeps z = 0.
 */
export function frankenganStyles(
  harness: ChainHarness,
  exemplar: tf.Tensor4D,
): Record<string, tf.Tensor2D> {
  const E = (stage: string) => harness.modules[`${stage}_E`] as LatentEncoder;
  return {
    labels: tf.tidy(() => E('labels').forward(exemplar).mu),
    details: tf.tidy(() => E('details').forward(detailCrop(exemplar)).mu),
  };
}

export const frankenganDescriptor: HarnessDescriptor<FrankenGanOptions> = {
  name: 'frankengan',
  summary: 'a chain of three BicycleGANs: facade mask -> labels -> photo -> details (Kelly et al.)',
  resolve: resolveFrankenGan as HarnessDescriptor['resolve'],
  create: frankengan,
  flags: {
    ngf: { option: 'ngf', kind: 'int', help: "each generator's filters in its first layer" },
    ndf: { option: 'ndf', kind: 'int', help: "each discriminator's filters in its first layer" },
    nef: { option: 'nef', kind: 'int', help: "each encoder's filters in its first layer" },
    'no-dropout': { option: 'dropout', kind: 'false', help: 'no dropout in the generators' },
    lr: { option: 'lr', kind: 'number', help: "Adam's learning rate" },
  },
  data: {
    default: 'synthetic:facades',
    synthetic: { facades: FRANKENGAN_FACADES },
    folder: {
      describe: 'none: the three pairings come from synthetic:facades',
      load(c) {
        throw new ArgumentError(
          `${c.where}: FrankenGAN trains on synthetic:facades (its mask, label, photo and detail pairings come from the generator), not on a folder (${c.dir})`,
        );
      },
    },
  },
  cli: { size: 256, batch: 2, epochs: 400, linearDecay: true },
  fromData(options, _data, size) {
    options.size ??= size;
  },
};
