import { DCGANDiscriminator, DCGANGenerator, type DcganSize, initWeights } from '@atelier/blocks';
import { ArgumentError, describe, type Module, rng, ShapeError, tf } from '@atelier/core';
import {
  ADVERSARIAL_KINDS,
  type AdversarialKind,
  adversarial,
  gradientPenalty,
  PENALTY_KINDS,
  type PenaltyKind,
} from '@atelier/losses';
import { imagesLayout } from '../data/folder-layouts.js';
import { IMAGE_SETS } from '../data/synthetic-sources.js';
import type { Harness, JsonObject, SampleColumn, StepContext } from '../trainer/harness.js';
import type { HarnessDescriptor, HarnessFlag } from './descriptor.js';
import { choiceOption, intOption, numberOption, readOptions } from './options.js';

export interface GanOptions {
  /** Image side, 32 or 64 (default 64). */
  size?: DcganSize;
  /** Image channels (default 3; MNIST: 1). */
  channels?: number;
  /** Length of z (default 100). */
  latentDim?: number;
  ngf?: number;
  ndf?: number;
  /** The adversarial loss (@atelier/losses' kinds); default 'nonSaturating', the DCGAN tutorial's. */
  loss?: AdversarialKind;
  /** Critic updates per generator update, each on its own batch (default 1). */
  nCritic?: number;
  /** A gradient penalty on D: 'none' (default), 'wgan-gp', 'r1', 'r2' or 'dragan'. */
  penalty?: PenaltyKind | 'none';
  /** Its weight (default 10). */
  lambdaGP?: number;
  /** Adam: default lr 2e-4, beta1 0.5, beta2 0.999 (the DCGAN paper's). */
  lr?: number;
  beta1?: number;
  beta2?: number;
  /** Seeds the initial weights and the fixed sample noise; default 0. */
  seed?: number;
}

const KNOWN = [
  'size',
  'channels',
  'latentDim',
  'ngf',
  'ndf',
  'loss',
  'nCritic',
  'penalty',
  'lambdaGP',
  'lr',
  'beta1',
  'beta2',
  'seed',
] as const;

export type ResolvedGan = Required<GanOptions>;

export function dcganSizeOption(value: unknown, where: string): DcganSize {
  const v = value ?? 64;
  if (v !== 32 && v !== 64)
    throw new ArgumentError(
      `${where}: size must be 32 or 64 (the DCGAN networks' sizes), got ${describe(value)}`,
    );
  return v;
}

export function resolveGan(options?: GanOptions): ResolvedGan {
  const where = 'gan';
  const o = readOptions(options, where, KNOWN);
  return {
    size: dcganSizeOption(o.size, where),
    channels: intOption(o.channels, 3, 'channels', where),
    latentDim: intOption(o.latentDim, 100, 'latentDim', where),
    ngf: intOption(o.ngf, 64, 'ngf', where),
    ndf: intOption(o.ndf, 64, 'ndf', where),
    loss: choiceOption(o.loss, 'nonSaturating', ADVERSARIAL_KINDS, 'loss', where),
    nCritic: intOption(o.nCritic, 1, 'nCritic', where),
    penalty: choiceOption(o.penalty, 'none', ['none', ...PENALTY_KINDS] as const, 'penalty', where),
    lambdaGP: numberOption(o.lambdaGP, 10, 'lambdaGP', where),
    lr: numberOption(o.lr, 2e-4, 'lr', where),
    beta1: numberOption(o.beta1, 0.5, 'beta1', where),
    beta2: numberOption(o.beta2, 0.999, 'beta2', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

/** A batch of images [N, size, size, channels] in [-1, 1] (labels, when present, are ignored). */
export interface ImageBatch {
  image: tf.Tensor4D;
  label?: tf.Tensor1D;
}

export function checkImageBatch(
  batch: unknown,
  size: number,
  channels: number,
  where: string,
): ImageBatch {
  const b = batch as Partial<ImageBatch> | null;
  const image = b?.image;
  if (!(image instanceof tf.Tensor) || image.rank !== 4) {
    throw new ShapeError(
      `${where}: expected a batch { image: [N, H, W, C] }, got ${describe(image ?? batch)}`,
    );
  }
  if (image.shape[1] !== size || image.shape[2] !== size || image.shape[3] !== channels) {
    throw new ShapeError(
      `${where}: expected images [N, ${size}, ${size}, ${channels}], got [${image.shape.join(', ')}] (set size and channels to the data's)`,
    );
  }
  return b as ImageBatch;
}

/**
 * The samples a penalty kind is taken at, and no others (gradientPenalty refuses what
 * a kind does not use): WGAN-GP real and fake, R1 and DRAGAN real, R2 fake. The random
 * kinds draw from the step's stream.
 */
function penaltySamples(
  kind: PenaltyKind,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  ctx: StepContext,
): Parameters<typeof gradientPenalty>[1] {
  switch (kind) {
    case 'wgan-gp':
      return { kind, real, fake, rng: ctx.rng };
    case 'dragan':
      return { kind, real, rng: ctx.rng };
    case 'r1':
      return { kind, real };
    case 'r2':
      return { kind, fake };
  }
}

/** Rows of fixed noise for the sample grids, so every grid shows the same z. */
const SAMPLE_COLUMNS = 4;

export interface GanHarness extends Harness<ImageBatch> {
  readonly options: ResolvedGan;
}

/**
 * An unconditional GAN with the DCGAN networks of Radford et al. (the PyTorch DCGAN
 * tutorial's): D and G alternate, D on real and generated batches, G to fool it, with
 * any adversarial loss of @atelier/losses, nCritic critic updates per generator update
 * (WGAN) and an optional gradient penalty. With nCritic 1, D steps on the fake of the
 * step's forward pass and G's loss then sees the updated D, as in the tutorial.
 * Logged: D, G (and D_GP).
 *
 * @example
 * const harness = gan({ size: 64, loss: 'wasserstein', nCritic: 5, penalty: 'wgan-gp' });
 */
export function gan(options?: GanOptions): GanHarness {
  const o = resolveGan(options);
  const seed = rng(o.seed);
  const makeG = () =>
    initWeights(
      new DCGANGenerator({
        latentDim: o.latentDim,
        ngf: o.ngf,
        outChannels: o.channels,
        size: o.size,
        seed: seed.fork('G build'),
      }),
      {
        type: 'normal',
        gain: 0.02,
        seed: seed.fork('G init'),
      },
    );
  const G = makeG();
  const D = initWeights(
    new DCGANDiscriminator({
      inChannels: o.channels,
      ndf: o.ndf,
      size: o.size,
      seed: seed.fork('D build'),
    }),
    {
      type: 'normal',
      gain: 0.02,
      seed: seed.fork('D init'),
    },
  );
  const adam = () => tf.train.adam(o.lr, o.beta1, o.beta2, 1e-8);
  const logits = (x: tf.Tensor4D) => tf.reshape(D.forward(x), [-1]);
  const dTerms = (real: tf.Tensor4D, fake: tf.Tensor4D, ctx: StepContext) => {
    const terms: Record<string, tf.Scalar> = {
      D: adversarial.discriminator(o.loss, logits(real), logits(fake)) as tf.Scalar,
    };
    if (o.penalty !== 'none') {
      terms.D_GP = gradientPenalty(
        (x) => logits(x as tf.Tensor4D),
        penaltySamples(o.penalty, real, fake, ctx),
      ) as tf.Scalar;
    }
    return terms;
  };
  const gTerm = (real: tf.Tensor4D, fake: tf.Tensor4D) =>
    adversarial.generator(
      o.loss,
      logits(fake),
      o.loss === 'relativistic' ? { realLogits: logits(real) } : {},
    ) as tf.Scalar;
  let fixedNoise: tf.Tensor2D | undefined;
  const noise = (n: number, ctx: StepContext) => ctx.rng.normal([n, o.latentDim]) as tf.Tensor2D;
  const optimizers = {
    G: { optimizer: adam(), modules: ['G'], lr: o.lr },
    D: { optimizer: adam(), modules: ['D'], lr: o.lr },
  };
  return {
    name: 'gan',
    options: o,
    config: o as unknown as JsonObject,
    modules: { G, D },
    optimizers,
    generators: ['G'],
    batchesPerStep: o.nCritic,
    monitor: 'G',
    check(batch) {
      checkImageBatch(batch, o.size, o.channels, 'gan');
    },
    step(batches, ctx) {
      const weights = { D_GP: o.lambdaGP };
      if (o.nCritic === 1) {
        const real = batches[0]!.image;
        ctx.update('G', () => {
          const fake = G.forward(noise(real.shape[0], ctx));
          ctx.update('D', () => dTerms(real, fake, ctx), weights);
          return { G: gTerm(real, fake) };
        });
        return;
      }
      for (const batch of batches) {
        ctx.update(
          'D',
          () => dTerms(batch.image, G.forward(noise(batch.image.shape[0], ctx)), ctx),
          weights,
        );
      }
      const real = batches.at(-1)!.image;
      ctx.update('G', () => ({ G: gTerm(real, G.forward(noise(real.shape[0], ctx))) }));
    },
    samples(batch, generators): SampleColumn[] {
      const n = batch.image.shape[0];
      if (!fixedNoise || fixedNoise.shape[0] !== n * SAMPLE_COLUMNS) {
        fixedNoise?.dispose();
        fixedNoise = tf.keep(
          rng(o.seed)
            .fork('sample noise')
            .normal([n * SAMPLE_COLUMNS, o.latentDim]) as tf.Tensor2D,
        );
      }
      const images = generators.G!.forward(fixedNoise) as tf.Tensor4D;
      const columns: SampleColumn[] = [{ title: 'real', images: batch.image }];
      for (let c = 0; c < SAMPLE_COLUMNS; c++) {
        columns.push({
          title: `G(z${c})`,
          images: tf.slice(images, [c * n, 0, 0, 0], [n, -1, -1, -1]),
        });
      }
      return columns;
    },
    createModule(name): Module {
      if (name !== 'G') throw new ShapeError(`gan: no module '${name}' to create (only G)`);
      return makeG();
    },
    dispose() {
      for (const { optimizer } of Object.values(optimizers)) optimizer.dispose();
      G.dispose();
      D.dispose();
      fixedNoise?.dispose();
    },
  };
}

/** The DCGAN harnesses' flags (gan and cgan). */
export const DCGAN_FLAGS: Record<string, HarnessFlag> = {
  'latent-dim': { option: 'latentDim', kind: 'int', help: 'length of z (100)' },
  ngf: { option: 'ngf', kind: 'int', help: "generator's width (64)" },
  ndf: { option: 'ndf', kind: 'int', help: "discriminator's width (64)" },
  loss: {
    option: 'loss',
    kind: 'string',
    help: 'adversarial loss: nonSaturating, minimax, wasserstein, hinge, lsgan, relativistic',
  },
  lr: { option: 'lr', kind: 'number', help: "Adam's learning rate (2e-4)" },
  beta1: { option: 'beta1', kind: 'number', help: "Adam's beta1 (0.5)" },
};

export const ganDescriptor: HarnessDescriptor<GanOptions> = {
  name: 'gan',
  summary: 'unconditional GAN on the DCGAN networks',
  resolve: resolveGan as HarnessDescriptor['resolve'],
  create: gan,
  flags: {
    ...DCGAN_FLAGS,
    'n-critic': { option: 'nCritic', kind: 'int', help: 'critic updates per generator update' },
    penalty: { option: 'penalty', kind: 'string', help: 'none, wgan-gp, r1, r2 or dragan' },
    'lambda-gp': { option: 'lambdaGP', kind: 'number', help: 'gradient penalty weight (10)' },
  },
  data: {
    default: 'synthetic:shapes',
    synthetic: IMAGE_SETS,
    folder: imagesLayout,
  },
  cli: { size: 64, batch: 64, epochs: 25 },
  fromData(options, data, size) {
    options.size ??= size;
    options.channels ??= data.channels.image;
  },
};
