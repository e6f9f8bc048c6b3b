import { createDiscriminator, createGenerator, parseNetG, sizeMultiple } from '@atelier/blocks';
import { describe, type Module, rng, ShapeError, tf } from '@atelier/core';
import type { Direction } from '@atelier/datasets';
import { gradientPenalty, l1 } from '@atelier/losses';
import { alignedLayout } from '../data/folder-layouts.js';
import { PAIR_SETS } from '../data/synthetic-sources.js';
import type { Harness, JsonObject, SampleColumn, StepContext } from '../trainer/harness.js';
import type { HarnessDescriptor } from './descriptor.js';
import { type GanMode, ganLoss } from './gan-mode.js';
import {
  ADAM_FLAGS,
  ADAM_KEYS,
  type AdamOptions,
  GAN_MODE_FLAGS,
  type JunyanzNetworkOptions,
  NETWORK_FLAGS,
  NETWORK_KEYS,
  type ResolvedNetworks,
  resolveAdam,
  resolveGanMode,
  resolveNetworks,
} from './junyanz-options.js';
import { choiceOption, intOption, numberOption, readOptions } from './options.js';

/** Which side is the input: @atelier/datasets' Direction, the one declaration. */
export type { Direction };

export interface Pix2PixOptions extends JunyanzNetworkOptions, AdamOptions {
  /** Channels of the input side (junyanz's input_nc); default 3. */
  inChannels?: number;
  /** Channels of the output side (output_nc); default 3. */
  outChannels?: number;
  /** Default 'vanilla'. */
  ganMode?: GanMode;
  /** Weight of the L1 term; default 100. */
  lambdaL1?: number;
  /** WGAN-GP penalty weight when ganMode is 'wgangp' (0: none); default 10. */
  lambdaGP?: number;
  /** 'AtoB' (default) maps the batch's A to B; 'BtoA' the other way. */
  direction?: Direction;
}
// Defaults: netG 'unet_256', netD 'basic', norm 'batch', dropout on (pix2pix's only
// noise; junyanz: on unless --no_dropout).

const KNOWN = [
  'inChannels',
  'outChannels',
  ...NETWORK_KEYS,
  'ganMode',
  'lambdaL1',
  'lambdaGP',
  'direction',
  ...ADAM_KEYS,
] as const;

/** A batch of aligned pairs, [N, H, W, C] in [-1, 1]. */
export interface PairBatch {
  A: tf.Tensor4D;
  B: tf.Tensor4D;
}

export type ResolvedPix2Pix = Required<Omit<Pix2PixOptions, 'G' | 'D'>> & ResolvedNetworks;

export function resolvePix2Pix(options?: Pix2PixOptions): ResolvedPix2Pix {
  const where = 'pix2pix';
  const o = readOptions(options, where, KNOWN);
  return {
    inChannels: intOption(o.inChannels, 3, 'inChannels', where),
    outChannels: intOption(o.outChannels, 3, 'outChannels', where),
    ...resolveNetworks(o, where, { netG: 'unet_256', norm: 'batch', dropout: true }),
    ganMode: resolveGanMode(o, where, 'vanilla'),
    lambdaL1: numberOption(o.lambdaL1, 100, 'lambdaL1', where),
    lambdaGP: numberOption(o.lambdaGP, 10, 'lambdaGP', where),
    direction: choiceOption(o.direction, 'AtoB', ['AtoB', 'BtoA'] as const, 'direction', where),
    ...resolveAdam(o, where),
  };
}

/** Checks a pair batch against the channels and the sizes the networks take. */
export function checkPairBatch(
  batch: unknown,
  channels: { A: number; B: number },
  multiple: number,
  where: string,
): PairBatch {
  const b = batch as Partial<PairBatch> | null;
  if (!b || !(b.A instanceof tf.Tensor) || !(b.B instanceof tf.Tensor)) {
    throw new ShapeError(`${where}: expected a batch { A, B } of images, got ${describe(batch)}`);
  }
  for (const side of ['A', 'B'] as const) {
    const t = b[side]!;
    if (t.rank !== 4)
      throw new ShapeError(`${where}: ${side} must be images [N, H, W, C], got ${describe(t)}`);
    if (t.shape[3] !== channels[side]) {
      throw new ShapeError(
        `${where}: ${side} has ${t.shape[3]} channels; the networks were built for ${channels[side]} (set ${side === 'A' ? 'inChannels' : 'outChannels'} or convert the images)`,
      );
    }
    const [, h, w] = t.shape;
    if (h % multiple !== 0 || w % multiple !== 0) {
      throw new ShapeError(
        `${where}: ${side} is ${h}x${w}; the generator takes sides that are multiples of ${multiple}`,
      );
    }
  }
  if (!tf.util.arraysEqual(b.A!.shape.slice(0, 3), b.B!.shape.slice(0, 3))) {
    throw new ShapeError(
      `${where}: A and B of a pair must have the same batch, height and width, got [${b.A!.shape.join(', ')}] and [${b.B!.shape.join(', ')}]`,
    );
  }
  return b as PairBatch;
}

export interface Pix2PixHarness extends Harness<PairBatch> {
  readonly options: ResolvedPix2Pix;
  /** The input and target of a batch, by direction. */
  sides(batch: PairBatch): [tf.Tensor4D, tf.Tensor4D];
}

/**
 * pix2pix (Isola et al.), as junyanz's `Pix2PixModel`: G maps A to B; D sees the pair
 * cat(A, ·) and judges patches; G minimises GAN(D(A, G(A)), real) + λ_L1 |G(A) − B|₁;
 * D minimises ½ (GAN(D(A, G(A)), fake) + GAN(D(A, B), real)). As in the reference, D
 * steps first on the fake of this step's single forward pass, and G's adversarial term
 * then sees the updated D. Logged: G_GAN, G_L1, D_real, D_fake (and D_GP for wgangp).
 *
 * @example
 * const harness = pix2pix({ netG: 'unet_256', ganMode: 'vanilla', lambdaL1: 100 });
 * await train(harness, { data: (await harnessData('pix2pix', { size: 256 })).dataset, epochs: 200 });
 */
export function pix2pix(options?: Pix2PixOptions): Pix2PixHarness {
  const o = resolvePix2Pix(options);
  const seed = rng(o.seed);
  const multiple = sizeMultiple(parseNetG(o.netG, 'pix2pix'));
  const makeG = () =>
    createGenerator(
      {
        netG: o.netG,
        inChannels: o.inChannels,
        outChannels: o.outChannels,
        ngf: o.ngf,
        dropout: o.dropout,
        ...o.G,
      },
      seed.fork('G'),
    );
  const G = makeG();
  const D = createDiscriminator(
    {
      netD: o.netD,
      inChannels: o.inChannels + o.outChannels,
      ndf: o.ndf,
      nLayersD: o.nLayersD,
      ...o.D,
    },
    seed.fork('D'),
  );
  const adam = () => tf.train.adam(o.lr, o.beta1, o.beta2, 1e-8);
  const gan = ganLoss(o.ganMode);
  const sides = (batch: PairBatch): [tf.Tensor4D, tf.Tensor4D] =>
    o.direction === 'AtoB' ? [batch.A, batch.B] : [batch.B, batch.A];
  const channels =
    o.direction === 'AtoB'
      ? { A: o.inChannels, B: o.outChannels }
      : { A: o.outChannels, B: o.inChannels };
  const optimizers = {
    G: { optimizer: adam(), modules: ['G'], lr: o.lr },
    D: { optimizer: adam(), modules: ['D'], lr: o.lr },
  };
  return {
    name: 'pix2pix',
    options: o,
    config: o as unknown as JsonObject,
    modules: { G, D },
    optimizers,
    generators: ['G'],
    monitor: 'G_L1',
    sides,
    check(batch) {
      checkPairBatch(batch, channels, multiple, 'pix2pix');
    },
    step([batch], ctx: StepContext) {
      const [realA, realB] = sides(batch!);
      ctx.update(
        'G',
        () => {
          const fakeB = G.forward(realA) as tf.Tensor4D;
          const fakePair = tf.concat([realA, fakeB], 3);
          const realPair = tf.concat([realA, realB], 3);
          ctx.update(
            'D',
            () => {
              const terms: Record<string, tf.Scalar> = {
                D_fake: gan(D.forward(fakePair), false),
                D_real: gan(D.forward(realPair), true),
              };
              if (o.ganMode === 'wgangp' && o.lambdaGP > 0) {
                terms.D_GP = gradientPenalty((x) => D.forward(x), {
                  kind: 'wgan-gp',
                  real: realPair,
                  fake: fakePair,
                  rng: ctx.rng,
                }) as tf.Scalar;
              }
              return terms;
            },
            { D_fake: 0.5, D_real: 0.5, D_GP: o.lambdaGP },
          );
          return {
            G_GAN: gan(D.forward(fakePair), true),
            G_L1: l1(fakeB, realB) as tf.Scalar,
          };
        },
        { G_L1: o.lambdaL1 },
      );
    },
    samples(batch, generators): SampleColumn[] {
      const [realA, realB] = sides(batch);
      return [
        { title: 'input', images: realA },
        { title: 'output', images: generators.G!.forward(realA) as tf.Tensor4D },
        { title: 'target', images: realB },
      ];
    },
    createModule(name): Module {
      if (name !== 'G') throw new ShapeError(`pix2pix: no module '${name}' to create (only G)`);
      return makeG();
    },
    dispose() {
      for (const { optimizer } of Object.values(optimizers)) optimizer.dispose();
      G.dispose();
      D.dispose();
    },
  };
}

/** A generator that fits the data's size: unet_<size> where size is a power of two. */
export function unetForSize(size: number): string {
  return Number.isInteger(Math.log2(size)) && size >= 32 ? `unet_${size}` : 'resnet_9blocks';
}

export const pix2pixDescriptor: HarnessDescriptor<Pix2PixOptions> = {
  name: 'pix2pix',
  summary: 'paired image-to-image translation (Isola et al.)',
  resolve: resolvePix2Pix as HarnessDescriptor['resolve'],
  create: pix2pix,
  flags: {
    ...NETWORK_FLAGS,
    ...GAN_MODE_FLAGS,
    ...ADAM_FLAGS,
    direction: { option: 'direction', kind: 'string', help: 'AtoB or BtoA' },
    'lambda-l1': { option: 'lambdaL1', kind: 'number', help: 'weight of the L1 term (100)' },
  },
  data: {
    default: 'synthetic:facades',
    synthetic: {
      facades: PAIR_SETS.facades,
      shapes: PAIR_SETS.shapes,
      sketches: PAIR_SETS.sketches,
    },
    pairPreprocess: 'shared',
    folder: alignedLayout,
  },
  cli: { size: 256, batch: 1, epochs: 200, linearDecay: true },
  fromData(options, data, size) {
    options.inChannels ??= data.channels.A;
    options.outChannels ??= data.channels.B;
    options.netG ??= unetForSize(size);
  },
};
