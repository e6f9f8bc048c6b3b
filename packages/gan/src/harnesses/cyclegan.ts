import { createDiscriminator, createGenerator, parseNetG, sizeMultiple } from '@atelier/blocks';
import { type Module, rng, ShapeError, tf } from '@atelier/core';
import { gradientPenalty, l1 } from '@atelier/losses';
import { unalignedLayout } from '../data/folder-layouts.js';
import { PAIR_SETS } from '../data/synthetic-sources.js';
import type { Harness, Json, JsonObject, SampleColumn, StepContext } from '../trainer/harness.js';
import { ImagePool } from '../training/image-pool.js';
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
import { intOption, numberOption, readOptions } from './options.js';
import { checkPairBatch, type PairBatch } from './pix2pix.js';

export interface CycleGanOptions extends JunyanzNetworkOptions, AdamOptions {
  /** Channels of domain A and B; default 3 each. */
  channelsA?: number;
  channelsB?: number;
  /** The image side the pools hold (the crop size); default 256. */
  size?: number;
  /** Default 'lsgan'. */
  ganMode?: GanMode;
  /** Cycle weights A -> B -> A and B -> A -> B; default 10 each. */
  lambdaA?: number;
  lambdaB?: number;
  /** Identity weight, relative to the cycle weights; default 0.5. */
  lambdaIdentity?: number;
  lambdaGP?: number;
  /** History pool size (0: none); default 50. */
  poolSize?: number;
}
// Defaults: netG 'resnet_9blocks', netD 'basic', norm 'instance', no dropout (junyanz:
// --no_dropout for CycleGAN).

const KNOWN = [
  'channelsA',
  'channelsB',
  'size',
  ...NETWORK_KEYS,
  'ganMode',
  'lambdaA',
  'lambdaB',
  'lambdaIdentity',
  'lambdaGP',
  'poolSize',
  ...ADAM_KEYS,
] as const;

export type ResolvedCycleGan = Required<Omit<CycleGanOptions, 'G' | 'D'>> & ResolvedNetworks;

export function resolveCycleGan(options?: CycleGanOptions): ResolvedCycleGan {
  const where = 'cyclegan';
  const o = readOptions(options, where, KNOWN);
  return {
    channelsA: intOption(o.channelsA, 3, 'channelsA', where),
    channelsB: intOption(o.channelsB, 3, 'channelsB', where),
    size: intOption(o.size, 256, 'size', where),
    ...resolveNetworks(o, where, { netG: 'resnet_9blocks', norm: 'instance', dropout: false }),
    ganMode: resolveGanMode(o, where, 'lsgan'),
    lambdaA: numberOption(o.lambdaA, 10, 'lambdaA', where),
    lambdaB: numberOption(o.lambdaB, 10, 'lambdaB', where),
    lambdaIdentity: numberOption(o.lambdaIdentity, 0.5, 'lambdaIdentity', where),
    lambdaGP: numberOption(o.lambdaGP, 10, 'lambdaGP', where),
    poolSize: intOption(o.poolSize, 50, 'poolSize', where, 0),
    ...resolveAdam(o, where),
  };
}

export interface CycleGanHarness extends Harness<PairBatch> {
  readonly options: ResolvedCycleGan;
}

/**
 * CycleGAN (Zhu et al.), as junyanz's `CycleGANModel`: G_A maps A to B, G_B maps B to
 * A; D_A judges B-domain images, D_B A-domain ones. The generators minimise, in one
 * update, GAN(D_A(G_A(A))) + GAN(D_B(G_B(B))) + λ_A |G_B(G_A(A)) − A| +
 * λ_B |G_A(G_B(B)) − B| + λ_idt (λ_B |G_A(B) − B| + λ_A |G_B(A) − A|); then the
 * discriminators, in one update, ½ (GAN(D(real), real) + GAN(D(pooled fake), fake)) each,
 * where the fakes pass through the 50-image history pools. The pools are modules, so a
 * checkpoint keeps them. Logged: G_A, G_B, cycle_A, cycle_B, idt_A, idt_B, D_A, D_B.
 *
 * @example
 * const harness = cyclegan({ netG: 'resnet_9blocks', ganMode: 'lsgan' });
 * await train(harness, { data: (await harnessData('cyclegan', { size: 256 })).dataset, epochs: 200 });
 */
export function cyclegan(options?: CycleGanOptions): CycleGanHarness {
  const o = resolveCycleGan(options);
  const seed = rng(o.seed);
  const multiple = sizeMultiple(parseNetG(o.netG, 'cyclegan'));
  if (o.size % multiple !== 0) {
    throw new ShapeError(
      `cyclegan: size ${o.size} must be a multiple of ${multiple} for ${o.netG}`,
    );
  }
  const makeG = (name: 'G_A' | 'G_B') =>
    createGenerator(
      {
        netG: o.netG,
        inChannels: name === 'G_A' ? o.channelsA : o.channelsB,
        outChannels: name === 'G_A' ? o.channelsB : o.channelsA,
        ngf: o.ngf,
        dropout: o.dropout,
        ...o.G,
      },
      seed.fork(name),
    );
  const makeD = (name: 'D_A' | 'D_B') =>
    createDiscriminator(
      {
        netD: o.netD,
        inChannels: name === 'D_A' ? o.channelsB : o.channelsA,
        ndf: o.ndf,
        nLayersD: o.nLayersD,
        ...o.D,
      },
      seed.fork(name),
    );
  const G_A = makeG('G_A');
  const G_B = makeG('G_B');
  const D_A = makeD('D_A');
  const D_B = makeD('D_B');
  // pool_A holds fakes of domain A (from G_B), pool_B fakes of domain B (from G_A).
  const pool_A = new ImagePool(o.poolSize, [o.size, o.size, o.channelsA]);
  const pool_B = new ImagePool(o.poolSize, [o.size, o.size, o.channelsB]);
  const adam = () => tf.train.adam(o.lr, o.beta1, o.beta2, 1e-8);
  const gan = ganLoss(o.ganMode);
  const idt = o.lambdaIdentity;
  const dLoss = (D: Module, real: tf.Tensor4D, fake: tf.Tensor4D, rngForGp: StepContext['rng']) => {
    const loss = tf.mul(
      0.5,
      tf.add(gan(D.forward(real), true), gan(D.forward(fake), false)),
    ) as tf.Scalar;
    if (o.ganMode !== 'wgangp' || o.lambdaGP === 0) return loss;
    const gp = gradientPenalty((x) => D.forward(x), {
      kind: 'wgan-gp',
      real,
      fake,
      weight: o.lambdaGP,
      rng: rngForGp,
    });
    return tf.add(loss, gp) as tf.Scalar;
  };
  const optimizers = {
    G: { optimizer: adam(), modules: ['G_A', 'G_B'], lr: o.lr },
    D: { optimizer: adam(), modules: ['D_A', 'D_B'], lr: o.lr },
  };
  return {
    name: 'cyclegan',
    options: o,
    config: o as unknown as JsonObject,
    modules: { G_A, G_B, D_A, D_B, pool_A, pool_B },
    optimizers,
    generators: ['G_A', 'G_B'],
    monitor: 'cycle_A',
    check(batch) {
      const b = checkPairBatch(batch, { A: o.channelsA, B: o.channelsB }, multiple, 'cyclegan');
      if (b.A.shape[1] !== o.size || b.A.shape[2] !== o.size) {
        throw new ShapeError(
          `cyclegan: the images are ${b.A.shape[1]}x${b.A.shape[2]}; this harness was built for ${o.size}x${o.size} (its history pools hold that size)`,
        );
      }
    },
    step([batch], ctx) {
      const { A: realA, B: realB } = batch!;
      let fakeA: tf.Tensor4D | undefined;
      let fakeB: tf.Tensor4D | undefined;
      // One update of both generators, its gradient summed over three parts (each
      // direction's cycle, then the identities), so that only a third of the
      // activations is alive at a time: 256x256 fits the wasm heap.
      ctx.update(
        'G',
        [
          () => {
            const fB = G_A.forward(realA) as tf.Tensor4D;
            fakeB = ctx.keep(fB);
            return {
              G_A: gan(D_A.forward(fB), true),
              cycle_A: l1(G_B.forward(fB), realA) as tf.Scalar,
            };
          },
          () => {
            const fA = G_B.forward(realB) as tf.Tensor4D;
            fakeA = ctx.keep(fA);
            return {
              G_B: gan(D_B.forward(fA), true),
              cycle_B: l1(G_A.forward(fA), realB) as tf.Scalar,
            };
          },
          ...(idt > 0
            ? [
                () => ({
                  idt_A: l1(G_A.forward(realB), realB) as tf.Scalar,
                  idt_B: l1(G_B.forward(realA), realA) as tf.Scalar,
                }),
              ]
            : []),
        ],
        { cycle_A: o.lambdaA, cycle_B: o.lambdaB, idt_A: o.lambdaB * idt, idt_B: o.lambdaA * idt },
      );
      ctx.update('D', () => ({
        D_A: dLoss(D_A, realB, pool_B.query(fakeB!, ctx.rng), ctx.rng),
        D_B: dLoss(D_B, realA, pool_A.query(fakeA!, ctx.rng), ctx.rng),
      }));
    },
    samples(batch, generators): SampleColumn[] {
      const GA = generators.G_A!;
      const GB = generators.G_B!;
      const fakeB = GA.forward(batch.A) as tf.Tensor4D;
      const fakeA = GB.forward(batch.B) as tf.Tensor4D;
      return [
        { title: 'A', images: batch.A },
        { title: 'G_A(A)', images: fakeB },
        { title: 'G_B(G_A(A))', images: GB.forward(fakeB) as tf.Tensor4D },
        { title: 'B', images: batch.B },
        { title: 'G_B(B)', images: fakeA },
        { title: 'G_A(G_B(B))', images: GA.forward(fakeA) as tf.Tensor4D },
      ];
    },
    createModule(name): Module {
      if (name === 'G_A' || name === 'G_B') return makeG(name);
      throw new ShapeError(`cyclegan: no module '${name}' to create (only G_A, G_B)`);
    },
    afterLoad() {
      pool_A.sync();
      pool_B.sync();
    },
    state(): Json {
      return null;
    },
    dispose() {
      for (const { optimizer } of Object.values(optimizers)) optimizer.dispose();
      for (const m of [G_A, G_B, D_A, D_B, pool_A, pool_B]) m.dispose();
    },
  };
}

export const cycleganDescriptor: HarnessDescriptor<CycleGanOptions> = {
  name: 'cyclegan',
  summary: 'unpaired translation between two domains (Zhu et al.)',
  resolve: resolveCycleGan as HarnessDescriptor['resolve'],
  create: cyclegan,
  flags: {
    ...NETWORK_FLAGS,
    ...GAN_MODE_FLAGS,
    ...ADAM_FLAGS,
    'pool-size': { option: 'poolSize', kind: 'int', help: 'history pool of fakes (50; 0: none)' },
    'lambda-a': { option: 'lambdaA', kind: 'number', help: 'cycle weight A -> B -> A (10)' },
    'lambda-b': { option: 'lambdaB', kind: 'number', help: 'cycle weight B -> A -> B (10)' },
    'lambda-identity': {
      option: 'lambdaIdentity',
      kind: 'number',
      help: 'identity weight, relative to the cycle weights (0.5)',
    },
  },
  data: {
    default: 'synthetic:seasons',
    synthetic: { seasons: PAIR_SETS.seasons },
    pairPreprocess: 'separate',
    folder: unalignedLayout,
  },
  cli: { size: 256, batch: 1, epochs: 200, linearDecay: true },
  fromData(options, data, size) {
    options.channelsA ??= data.channels.A;
    options.channelsB ??= data.channels.B;
    options.size ??= size;
  },
};
