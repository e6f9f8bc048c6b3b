import type { LatentEncoder, MultiscaleDiscriminator, UnetZGenerator } from '@atelier/blocks';
import { type Module, rng, ShapeError, tf } from '@atelier/core';
import { l1 } from '@atelier/losses';
import { alignedLayout } from '../data/folder-layouts.js';
import { PAIR_SETS } from '../data/synthetic-sources.js';
import type {
  Harness,
  JsonObject,
  LossTerms,
  SampleColumn,
  StepContext,
} from '../trainer/harness.js';
import { klDivergence, latentL1, multiscaleGanLoss, reparameterize } from './bicyclegan-losses.js';
import { createBicycleD, createBicycleE, createBicycleG, syncCopy } from './bicyclegan-nets.js';
import {
  type BicycleGanOptions,
  parseBicycleE,
  type ResolvedBicycleGan,
  resolveBicycleGan,
} from './bicyclegan-options.js';
import type { HarnessDescriptor } from './descriptor.js';
import { parseNetG, sizeMultiple } from './junyanz-nets.js';
import { ADAM_FLAGS, GAN_MODE_FLAGS } from './junyanz-options.js';
import { checkPairBatch, type PairBatch, unetForSize } from './pix2pix.js';

export interface BicycleGanHarness extends Harness<PairBatch> {
  readonly options: ResolvedBicycleGan;
  /** The input and target of a batch, by direction. */
  sides(batch: PairBatch): [tf.Tensor4D, tf.Tensor4D];
}

interface Nets {
  G: UnetZGenerator;
  E?: LatentEncoder;
  /** E's frozen copy for the z loss (BicycleGAN: that loss trains G only). */
  Ez?: LatentEncoder;
  D: MultiscaleDiscriminator;
  D2?: MultiscaleDiscriminator;
}

function buildNets(o: ResolvedBicycleGan): Nets {
  const seed = rng(o.seed);
  const G = createBicycleG(o, seed.fork('G'));
  const D = createBicycleD(o, o.netD, seed.fork('D'));
  if (o.variant === 'pix2pix+noise') return { G, D };
  const E = createBicycleE(o, seed.fork('E'));
  if (o.variant !== 'bicyclegan') return { G, E, D };
  const Ez = createBicycleE(o, seed.fork('E'));
  const D2 = o.useSameD ? undefined : createBicycleD(o, o.netD2, seed.fork('D2'));
  return { G, E, Ez, D, ...(D2 ? { D2 } : {}) };
}

/** Rows [from, from + n) of a batch. */
function rows(x: tf.Tensor4D, from: number, n: number): tf.Tensor4D {
  return tf.slice(x, [from, 0, 0, 0], [n, -1, -1, -1]);
}

/**
 * The step of each variant. BicycleGAN (the reference's order): the batch's first half
 * is the cVAE-GAN half (z from E(B₁), reparameterised; G(A₁, z) against B₁ with GAN +
 * λ_L1·L1 + λ_KL·KL), the second gives D2 its real images; the cLR-GAN half draws z ~
 * N(0, I) for G(A₁, z), judged by D2, with λ_z·|μ(E(G(A₁, z))) − z|₁ through E's frozen
 * copy, so it reaches G only. G and E step together on the fakes' forward pass, then D
 * and D2 on the same (detached) fakes.
 */
function bicycleStep(
  n: Nets,
  o: ResolvedBicycleGan,
  A: tf.Tensor4D,
  B: tf.Tensor4D,
  ctx: StepContext,
) {
  const gan = multiscaleGanLoss(o.ganMode);
  const h = A.shape[0] / 2;
  const D2 = n.D2 ?? n.D;
  let fakeE: tf.Tensor4D | undefined;
  let fakeR: tf.Tensor4D | undefined;
  syncCopy(n.E!, n.Ez!);
  ctx.update(
    'G',
    () => {
      const [A1, B1] = [rows(A, 0, h), rows(B, 0, h)];
      const eps = ctx.rng.normal([h, o.nz]) as tf.Tensor2D;
      const z = ctx.rng.normal([h, o.nz]) as tf.Tensor2D;
      const posterior = n.E!.forward(B1);
      fakeE = ctx.keep(n.G.forward(A1, reparameterize(posterior, eps)));
      fakeR = ctx.keep(n.G.forward(A1, z));
      return {
        G_GAN: gan(n.D.forward(fakeE), true),
        G_GAN2: gan(D2.forward(fakeR), true),
        G_L1: l1(fakeE, B1) as tf.Scalar,
        KL: klDivergence(posterior),
        z_L1: latentL1(n.Ez!.forward(fakeR).mu, z),
      };
    },
    { G_GAN: o.lambdaGAN, G_GAN2: o.lambdaGAN2, G_L1: o.lambdaL1, KL: o.lambdaKL, z_L1: o.lambdaZ },
  );
  ctx.update('D', () => ({
    D_real: gan(n.D.forward(rows(B, 0, h)), true),
    D_fake: gan(n.D.forward(fakeE!), false),
    D2_real: gan(D2.forward(rows(B, h, h)), true),
    D2_fake: gan(D2.forward(fakeR!), false),
  }));
}

/** The ablations, each on the whole batch: one half of BicycleGAN, or pix2pix with z. */
function ablationStep(
  n: Nets,
  o: ResolvedBicycleGan,
  A: tf.Tensor4D,
  B: tf.Tensor4D,
  ctx: StepContext,
) {
  const gan = multiscaleGanLoss(o.ganMode);
  let fake: tf.Tensor4D | undefined;
  ctx.update(
    'G',
    () => {
      const z = ctx.rng.normal([A.shape[0], o.nz]) as tf.Tensor2D;
      if (o.variant === 'cvae-gan') {
        const posterior = n.E!.forward(B);
        fake = ctx.keep(n.G.forward(A, reparameterize(posterior, z)));
        const terms: LossTerms = { G_L1: l1(fake, B) as tf.Scalar, KL: klDivergence(posterior) };
        return { G_GAN: gan(n.D.forward(fake), true), ...terms };
      }
      fake = ctx.keep(n.G.forward(A, z));
      const second: LossTerms =
        o.variant === 'clr-gan' ? clrTerms(n.E!, fake, z) : { G_L1: l1(fake, B) as tf.Scalar };
      return { G_GAN: gan(n.D.forward(fake), true), ...second };
    },
    { G_GAN: o.lambdaGAN, G_L1: o.lambdaL1, KL: o.lambdaKL, z_L1: o.lambdaZ },
  );
  ctx.update('D', () => ({
    D_real: gan(n.D.forward(B), true),
    D_fake: gan(n.D.forward(fake!), false),
  }));
}

/**
 * cLR-GAN's z loss, which trains G and E. E's log-variance head takes no part; it is
 * added times 0 (the same value, a zero gradient) so that every parameter of the
 * update has a gradient.
 */
function clrTerms(E: LatentEncoder, fake: tf.Tensor4D, z: tf.Tensor2D): LossTerms {
  const { mu, logvar } = E.forward(fake);
  return { z_L1: tf.add(latentL1(mu, z), tf.mul(tf.sum(logvar), 0)) as tf.Scalar };
}

/** Columns of the sample grid: input, target, E's reconstruction, and fixed random z. */
function sampleColumns(
  A: tf.Tensor4D,
  B: tf.Tensor4D,
  generators: Record<string, Module>,
  o: ResolvedBicycleGan,
): SampleColumn[] {
  const G = generators.G as UnetZGenerator;
  const E = generators.E as LatentEncoder | undefined;
  const n = A.shape[0];
  const columns: SampleColumn[] = [
    { title: 'input', images: A },
    { title: 'target', images: B },
  ];
  if (E) columns.push({ title: 'G(A, E(B))', images: G.forward(A, E.forward(B).mu) });
  const fixed = rng(o.seed).fork('sample z').normal([SAMPLE_Z, o.nz]) as tf.Tensor2D;
  for (let c = 0; c < SAMPLE_Z; c++) {
    const z = tf.tile(tf.slice(fixed, [c, 0], [1, o.nz]), [n, 1]);
    columns.push({ title: `G(A, z${c})`, images: G.forward(A, z) });
  }
  return columns;
}

const SAMPLE_Z = 3;

/**
 * BicycleGAN (Zhu et al., NeurIPS 2017), as junyanz/BicycleGAN's `BiCycleGANModel`,
 * and its ablations (`variant`). Multimodal translation A -> B: G(A, z) with z of nz
 * numbers; E maps a photo to the z that makes it. Logged: G_GAN, G_GAN2, G_L1, KL,
 * z_L1, D_real, D_fake, D2_real, D2_fake (the variants log their subset).
 */
export function bicyclegan(options?: BicycleGanOptions): BicycleGanHarness {
  const o = resolveBicycleGan(options);
  const multiple = sizeMultiple(parseNetG(o.netG, 'bicyclegan'));
  const side = o.variant === 'pix2pix+noise' ? undefined : parseBicycleE(o.netE, 'bicyclegan').size;
  const nets = buildNets(o);
  const modules: Record<string, Module> = { G: nets.G, D: nets.D };
  if (nets.E) modules.E = nets.E;
  if (nets.D2) modules.D2 = nets.D2;
  const adam = () => tf.train.adam(o.lr, o.beta1, o.beta2, 1e-8);
  // One Adam over G and E is the reference's two (the same rate and betas, per parameter).
  const optimizers = {
    G: { optimizer: adam(), modules: nets.E ? ['G', 'E'] : ['G'], lr: o.lr },
    D: { optimizer: adam(), modules: nets.D2 ? ['D', 'D2'] : ['D'], lr: o.lr },
  };
  const sides = (batch: PairBatch): [tf.Tensor4D, tf.Tensor4D] =>
    o.direction === 'AtoB' ? [batch.A, batch.B] : [batch.B, batch.A];
  const channels =
    o.direction === 'AtoB'
      ? { A: o.inChannels, B: o.outChannels }
      : { A: o.outChannels, B: o.inChannels };
  return {
    name: 'bicyclegan',
    options: o,
    config: o as unknown as JsonObject,
    modules,
    optimizers,
    generators: nets.E ? ['G', 'E'] : ['G'],
    monitor: 'G_L1',
    sides,
    check(batch) {
      checkBicycleBatch(batch, o, channels, multiple, side);
    },
    step([batch], ctx) {
      const [A, B] = sides(batch!);
      if (o.variant === 'bicyclegan') bicycleStep(nets, o, A, B, ctx);
      else ablationStep(nets, o, A, B, ctx);
    },
    samples(batch, generators) {
      const [A, B] = sides(batch);
      return sampleColumns(A, B, generators, o);
    },
    createModule(name): Module {
      const seed = rng(o.seed);
      if (name === 'G') return createBicycleG(o, seed.fork('G'));
      if (name === 'E' && nets.E) return createBicycleE(o, seed.fork('E'));
      throw new ShapeError(
        `bicyclegan: no module '${name}' to create (only ${nets.E ? 'G, E' : 'G'})`,
      );
    },
    dispose() {
      for (const { optimizer } of Object.values(optimizers)) optimizer.dispose();
      for (const m of Object.values(nets)) m?.dispose();
    },
  };
}

function checkBicycleBatch(
  batch: unknown,
  o: ResolvedBicycleGan,
  channels: { A: number; B: number },
  multiple: number,
  side: number | undefined,
): void {
  const b = checkPairBatch(batch, channels, multiple, 'bicyclegan');
  const [n, h, w] = b.A.shape;
  if (o.variant === 'bicyclegan' && n % 2 !== 0) {
    throw new ShapeError(
      `bicyclegan: the batch is split in halves (cVAE-GAN, cLR-GAN), so it must be even, got ${n}`,
    );
  }
  if (side !== undefined && (h !== side || w !== side)) {
    throw new ShapeError(
      `bicyclegan: the images are ${h}x${w}; the encoder ${o.netE} takes ${side}x${side} (set netE to resnet_${h})`,
    );
  }
}

export const bicycleganDescriptor: HarnessDescriptor<BicycleGanOptions> = {
  name: 'bicyclegan',
  summary: 'multimodal paired translation, G(A, z) with an encoder E (Zhu et al. 2017)',
  resolve: resolveBicycleGan as HarnessDescriptor['resolve'],
  create: bicyclegan,
  flags: {
    'gan-mode': GAN_MODE_FLAGS['gan-mode']!,
    ...ADAM_FLAGS,
    variant: {
      option: 'variant',
      kind: 'string',
      help: "bicyclegan, cvae-gan, clr-gan or pix2pix+noise (the paper's ablations)",
    },
    'net-g': { option: 'netG', kind: 'string', help: 'generator: unet_256, unet_128, unet_N' },
    'net-d': {
      option: 'netD',
      kind: 'string',
      help: 'discriminator: basic_256_multi, basic_128_multi',
    },
    'net-e': { option: 'netE', kind: 'string', help: 'encoder: resnet_256, resnet_128, conv_N' },
    nz: { option: 'nz', kind: 'int', help: 'length of z (8)' },
    ngf: { option: 'ngf', kind: 'int', help: "generator's filters in its first layer" },
    ndf: { option: 'ndf', kind: 'int', help: "discriminator's filters in its first layer" },
    nef: { option: 'nef', kind: 'int', help: "encoder's filters in its first layer" },
    norm: { option: 'norm', kind: 'string', help: 'batch, instance or none' },
    'where-add': {
      option: 'whereAdd',
      kind: 'string',
      help: 'z into the input or all layers (all)',
    },
    'no-dropout': { option: 'dropout', kind: 'false', help: 'no dropout in the generator' },
    'lambda-l1': { option: 'lambdaL1', kind: 'number', help: 'weight of the L1 term (10)' },
    'lambda-kl': { option: 'lambdaKL', kind: 'number', help: 'weight of the KL term (0.01)' },
    'lambda-z': { option: 'lambdaZ', kind: 'number', help: 'weight of the z loss (0.5)' },
    'use-same-d': { option: 'useSameD', kind: 'true', help: 'one discriminator for both halves' },
    direction: { option: 'direction', kind: 'string', help: 'AtoB or BtoA' },
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
  cli: { size: 256, batch: 2, epochs: 400, linearDecay: true },
  fromData(options, data, size) {
    options.inChannels ??= data.channels.A;
    options.outChannels ??= data.channels.B;
    options.netG ??= unetForSize(size);
    options.netE ??= `resnet_${size}`;
    options.netD ??= size >= 256 ? 'basic_256_multi' : 'basic_128_multi';
  },
};
