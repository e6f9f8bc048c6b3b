import type { LatentEncoder, UnetZGenerator } from '@atelier/blocks';
import { ArgumentError, type Module, ShapeError, tf } from '@atelier/core';
import type { synthetic } from '@atelier/datasets';
import {
  DETAIL_SCALE,
  detailBox,
  detailCrops,
  readLabelOpenings,
  refineOpenings,
} from '../data/facade-details.js';
import { FRANKENGAN_FACADES } from '../data/frankengan-data.js';
import type { JsonObject } from '../trainer/harness.js';
import { bicyclegan } from './bicyclegan.js';
import { type ChainHarness, type ChainStage, chain } from './chain.js';
import type { HarnessDescriptor } from './descriptor.js';
import { boolOption, intOption, numberOption, readOptions } from './options.js';

export interface FrankenGanOptions {
  /** The side of every stage's images (the detail stage's crops too); default 256. */
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

/** A style code for a batch of n: the given [1, nz] or [n, nz] code, or z = 0 (the prior's mean). */
function codeFor(style: tf.Tensor2D | undefined, n: number): tf.Tensor2D {
  if (!style) return tf.zeros([n, 8]) as tf.Tensor2D;
  if (style.rank !== 2 || (style.shape[0] !== 1 && style.shape[0] !== n) || style.shape[1] !== 8)
    throw new ShapeError(`frankengan: a style must be [1, 8] or [${n}, 8], got [${style.shape}]`);
  return (style.shape[0] === n ? style : tf.tile(style, [n, 1])) as tf.Tensor2D;
}

/**
 * One stage at inference: G(x, z); the detail stage redraws the windows and doors that
 * the label map (the first stage's output) shows, with the facade's z for each.
 */
function translateStage(
  name: string,
  x: tf.Tensor4D,
  g: Record<string, Module>,
  style: tf.Tensor2D | undefined,
  earlier: readonly tf.Tensor4D[],
  openings?: synthetic.FacadeOpening[][],
): tf.Tensor4D {
  const G = g.G as UnetZGenerator;
  return tf.tidy(() => {
    const z = codeFor(style, x.shape[0]);
    if (name !== 'details') return G.forward(x, z);
    const refine = (crops: tf.Tensor4D, i: number) =>
      G.forward(crops, tf.tile(tf.slice(z, [i, 0], [1, -1]), [crops.shape[0], 1]));
    return refineOpenings(earlier[0]!, x, refine, DETAIL_SCALE, openings);
  });
}

/**
 * FrankenGAN's facade chain (Kelly, Guerrero et al. 2018), three BicycleGANs that train
 * on their own pairs and run one after another: facade shape mask -> labels (windows,
 * doors, ledges, ...) -> textured facade -> its windows and doors redrawn from per-opening
 * crops, pasted into the facade at DETAIL_SCALE times the resolution. Each stage takes
 * its style code from `styles` (one per facade, shared by all its windows), else z = 0.
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
    translate: (x, g, style, earlier) => translateStage(name, x, g, style, earlier),
    ...(name === 'details'
      ? {
          translateAsync: async (x, g, style, earlier) =>
            translateStage(name, x, g, style, earlier, await readLabelOpenings(earlier[0]!)),
        }
      : {}),
  });
  const harness = chain(FRANKENGAN_STAGES.map(stage), 'frankengan');
  return { ...harness, config: o as unknown as JsonObject };
}

/** One exemplar facade: its label map and its photo, [1, size, size, 3] each, in [-1, 1]. */
export interface FacadeExemplar {
  labels: tf.Tensor4D;
  photo: tf.Tensor4D;
}

/**
 * FrankenGAN's style synchronisation: one exemplar facade pins every stage's style to
 * its own, each stage's encoder reading what that stage produces: the label stage (shape)
 * E of the exemplar's label map, the texture stage (labels) E of its photo, the detail
 * stage the mean E of its windows' and doors' crops. Returns a [1, 8] code per stage.
 */
export async function frankenganStyles(
  harness: ChainHarness,
  exemplar: FacadeExemplar,
): Promise<Record<string, tf.Tensor2D>> {
  const size = harness.config.size as number;
  for (const [k, t] of Object.entries(exemplar ?? {})) {
    if (!(t instanceof tf.Tensor) || t.rank !== 4 || t.shape.join() !== [1, size, size, 3].join())
      throw new ShapeError(
        `frankenganStyles: the exemplar's ${k} must be [1, ${size}, ${size}, 3], got ${t instanceof tf.Tensor ? `[${t.shape}]` : typeof t}`,
      );
  }
  if (!exemplar?.labels || !exemplar.photo)
    throw new ArgumentError('frankenganStyles: expected an exemplar { labels, photo }');
  const E = (stage: string) => harness.modules[`${stage}_E`] as LatentEncoder;
  const openings = (await readLabelOpenings(exemplar.labels))[0]!;
  return {
    shape: tf.tidy(() => E('shape').forward(exemplar.labels).mu),
    labels: tf.tidy(() => E('labels').forward(exemplar.photo).mu),
    details: tf.tidy(() => {
      if (openings.length === 0) return E('details').forward(exemplar.photo).mu;
      const crops = detailCrops(exemplar.photo, openings.map(detailBox), 0, size);
      return tf.mean(E('details').forward(crops).mu, 0, true) as tf.Tensor2D;
    }),
  };
}

export const frankenganDescriptor: HarnessDescriptor<FrankenGanOptions> = {
  name: 'frankengan',
  summary:
    'a chain of three BicycleGANs: facade mask -> labels -> photo -> window and door details at 4x (Kelly et al.)',
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
