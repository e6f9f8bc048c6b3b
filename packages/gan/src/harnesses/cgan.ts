import {
  AuxiliaryDiscriminator,
  ConditionalDiscriminator,
  ConditionalGenerator,
  initWeights,
} from '@atelier/blocks';
import { ArgumentError, describe, type Module, rng, ShapeError, tf } from '@atelier/core';
import { ADVERSARIAL_KINDS, type AdversarialKind, adversarial } from '@atelier/losses';
import { classFoldersLayout } from '../data/folder-layouts.js';
import { IMAGE_SETS } from '../data/synthetic-sources.js';
import type { Harness, JsonObject, SampleColumn, StepContext } from '../trainer/harness.js';
import type { HarnessDescriptor } from './descriptor.js';
import { checkImageBatch, DCGAN_FLAGS, dcganSizeOption, type ImageBatch } from './gan.js';
import { boolOption, choiceOption, intOption, numberOption, readOptions } from './options.js';

export interface CganOptions {
  /** Number of classes (required; shapes: 4, MNIST: 10). */
  numClasses: number;
  /** Names of the classes, for the sample grid's columns. */
  classNames?: string[];
  size?: 32 | 64;
  channels?: number;
  latentDim?: number;
  /** Length of G's label embedding (default 50). */
  embedDim?: number;
  /** Channels of D's label map (default 8; unused by AC-GAN). */
  embedDimD?: number;
  ngf?: number;
  ndf?: number;
  /** Default 'nonSaturating'. */
  loss?: AdversarialKind;
  /**
   * AC-GAN (Odena et al.): D sees only the image and also classifies it; both networks
   * add the cross-entropy of D's class logits (real and fake for D, fake for G).
   */
  auxiliary?: boolean;
  /** Weight of the class terms (default 1). */
  lambdaClass?: number;
  lr?: number;
  beta1?: number;
  beta2?: number;
  seed?: number;
}

const KNOWN = [
  'numClasses',
  'classNames',
  'size',
  'channels',
  'latentDim',
  'embedDim',
  'embedDimD',
  'ngf',
  'ndf',
  'loss',
  'auxiliary',
  'lambdaClass',
  'lr',
  'beta1',
  'beta2',
  'seed',
] as const;

export type ResolvedCgan = Required<CganOptions>;

export function resolveCgan(options?: CganOptions): ResolvedCgan {
  const where = 'cgan';
  const o = readOptions(options, where, KNOWN);
  const numClasses = intOption(o.numClasses, Number.NaN, 'numClasses', where, 2);
  const names = o.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
  if (
    !Array.isArray(names) ||
    names.length !== numClasses ||
    !names.every((n) => typeof n === 'string')
  ) {
    throw new ArgumentError(
      `${where}: classNames must be ${numClasses} strings, got ${describe(names)}`,
    );
  }
  return {
    numClasses,
    classNames: names,
    size: dcganSizeOption(o.size, where),
    channels: intOption(o.channels, 3, 'channels', where),
    latentDim: intOption(o.latentDim, 100, 'latentDim', where),
    embedDim: intOption(o.embedDim, 50, 'embedDim', where),
    embedDimD: intOption(o.embedDimD, 8, 'embedDimD', where),
    ngf: intOption(o.ngf, 64, 'ngf', where),
    ndf: intOption(o.ndf, 64, 'ndf', where),
    loss: choiceOption(o.loss, 'nonSaturating', ADVERSARIAL_KINDS, 'loss', where),
    auxiliary: boolOption(o.auxiliary, false, 'auxiliary', where),
    lambdaClass: numberOption(o.lambdaClass, 1, 'lambdaClass', where),
    lr: numberOption(o.lr, 2e-4, 'lr', where),
    beta1: numberOption(o.beta1, 0.5, 'beta1', where),
    beta2: numberOption(o.beta2, 0.999, 'beta2', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

export interface CganHarness extends Harness<ImageBatch> {
  readonly options: ResolvedCgan;
  /** Generates `perClass` images of each class (eval-free: G in training mode, as sampled). */
  generate(labels: tf.Tensor1D, noise: tf.Tensor2D): tf.Tensor4D;
}

function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, k), logits) as tf.Scalar;
}

/**
 * A class-conditional GAN on the DCGAN networks: the label's embedding is concatenated
 * to G's z and, tiled, to D's image channels (Mirza & Osindero); or, with `auxiliary`,
 * AC-GAN: D sees only the image and has a second head that classifies it, trained on
 * real and fake images, and G is also trained to make its fakes classified as the label
 * they were drawn for. Fakes are drawn for uniformly random labels. Logged: D, G (and
 * D_class, G_class for AC-GAN).
 *
 * @example
 * const harness = cgan({ numClasses: 10, size: 32, channels: 1, auxiliary: true }); // AC-GAN on MNIST
 */
export function cgan(options: CganOptions): CganHarness {
  const o = resolveCgan(options);
  const seed = rng(o.seed);
  const k = o.numClasses;
  const makeG = () =>
    initWeights(
      new ConditionalGenerator({
        numClasses: k,
        latentDim: o.latentDim,
        embedDim: o.embedDim,
        ngf: o.ngf,
        outChannels: o.channels,
        size: o.size,
        seed: seed.fork('G build'),
      }),
      { type: 'normal', gain: 0.02, seed: seed.fork('G init') },
    );
  const G = makeG();
  const D: ConditionalDiscriminator | AuxiliaryDiscriminator = initWeights(
    o.auxiliary
      ? new AuxiliaryDiscriminator({
          numClasses: k,
          inChannels: o.channels,
          ndf: o.ndf,
          size: o.size,
          seed: seed.fork('D build'),
        })
      : new ConditionalDiscriminator({
          numClasses: k,
          embedDim: o.embedDimD,
          inChannels: o.channels,
          ndf: o.ndf,
          size: o.size,
          seed: seed.fork('D build'),
        }),
    { type: 'normal', gain: 0.02, seed: seed.fork('D init') },
  );
  /** D's adversarial logits [N] and, for AC-GAN, class logits [N, k]. */
  const judge = (
    x: tf.Tensor4D,
    labels: tf.Tensor1D,
  ): { adversarial: tf.Tensor1D; classes?: tf.Tensor2D } =>
    D instanceof AuxiliaryDiscriminator ? D.forward(x) : { adversarial: D.forward(x, labels) };
  const adam = () => tf.train.adam(o.lr, o.beta1, o.beta2, 1e-8);
  const draw = (n: number, ctx: StepContext) => {
    const labels = tf.tensor1d(
      Array.from({ length: n }, () => ctx.rng.int(k)),
      'int32',
    );
    return { z: ctx.rng.normal([n, o.latentDim]) as tf.Tensor2D, labels };
  };
  let fixed: { z: tf.Tensor2D; n: number } | undefined;
  const optimizers = {
    G: { optimizer: adam(), modules: ['G'], lr: o.lr },
    D: { optimizer: adam(), modules: ['D'], lr: o.lr },
  };
  return {
    name: 'cgan',
    options: o,
    config: o as unknown as JsonObject,
    modules: { G, D },
    optimizers,
    generators: ['G'],
    monitor: 'G',
    check(batch) {
      const b = checkImageBatch(batch, o.size, o.channels, 'cgan');
      if (
        !(b.label instanceof tf.Tensor) ||
        b.label.rank !== 1 ||
        b.label.dtype !== 'int32' ||
        b.label.shape[0] !== b.image.shape[0]
      ) {
        throw new ShapeError(
          `cgan: expected int32 labels [${b.image.shape[0]}] beside the images, got ${describe(b.label)}`,
        );
      }
      const max = tf.tidy(() => tf.max(b.label!).dataSync()[0]!);
      if (max >= k)
        throw new ShapeError(
          `cgan: a label is ${max}, but the harness has ${k} classes (0..${k - 1})`,
        );
    },
    step([batch], ctx) {
      const real = batch!.image;
      const realLabels = batch!.label!;
      ctx.update(
        'G',
        () => {
          const { z, labels } = draw(real.shape[0], ctx);
          const fake = G.forward(z, labels);
          ctx.update(
            'D',
            () => {
              const r = judge(real, realLabels);
              const f = judge(fake, labels);
              const terms: Record<string, tf.Scalar> = {
                D: adversarial.discriminator(o.loss, r.adversarial, f.adversarial) as tf.Scalar,
              };
              if (r.classes && f.classes) {
                terms.D_class = tf.add(
                  crossEntropy(r.classes, realLabels, k),
                  crossEntropy(f.classes, labels, k),
                ) as tf.Scalar;
              }
              return terms;
            },
            { D_class: o.lambdaClass },
          );
          const f = judge(fake, labels);
          const terms: Record<string, tf.Scalar> = {
            G: adversarial.generator(
              o.loss,
              f.adversarial,
              o.loss === 'relativistic' ? { realLogits: judge(real, realLabels).adversarial } : {},
            ) as tf.Scalar,
          };
          if (f.classes) terms.G_class = crossEntropy(f.classes, labels, k);
          return terms;
        },
        { G_class: o.lambdaClass },
      );
    },
    generate(labels, noise) {
      return tf.tidy(() => G.forward(noise, labels));
    },
    samples(batch, generators): SampleColumn[] {
      const n = batch.image.shape[0];
      if (!fixed || fixed.n !== n) {
        fixed?.z.dispose();
        fixed = {
          n,
          z: tf.keep(rng(o.seed).fork('sample noise').normal([n, o.latentDim]) as tf.Tensor2D),
        };
      }
      const g = generators.G as ConditionalGenerator;
      const columns: SampleColumn[] = [{ title: 'real', images: batch.image }];
      for (let c = 0; c < k; c++) {
        columns.push({
          title: o.classNames[c]!,
          images: g.forward(fixed.z, tf.fill([n], c, 'int32')),
        });
      }
      return columns;
    },
    createModule(name): Module {
      if (name !== 'G') throw new ShapeError(`cgan: no module '${name}' to create (only G)`);
      return makeG();
    },
    dispose() {
      for (const { optimizer } of Object.values(optimizers)) optimizer.dispose();
      G.dispose();
      D.dispose();
      fixed?.z.dispose();
    },
  };
}

export const cganDescriptor: HarnessDescriptor<CganOptions> = {
  name: 'cgan',
  summary: 'class-conditional GAN (Mirza & Osindero; AC-GAN with --auxiliary)',
  resolve: resolveCgan as HarnessDescriptor['resolve'],
  create: cgan,
  flags: {
    ...DCGAN_FLAGS,
    auxiliary: { option: 'auxiliary', kind: 'true', help: 'AC-GAN: D also classifies' },
    'lambda-class': {
      option: 'lambdaClass',
      kind: 'number',
      help: 'weight of the class terms (1)',
    },
  },
  data: {
    default: 'synthetic:shapes',
    synthetic: IMAGE_SETS,
    folder: classFoldersLayout,
  },
  cli: { size: 64, batch: 64, epochs: 25 },
  fromData(options, data, size) {
    options.size ??= size;
    options.channels ??= data.channels.image;
    if (!data.classNames) {
      const source = (data.description as { source?: string } | null)?.source ?? 'the data';
      throw new ArgumentError(`cgan needs labelled data; ${source} has no classes`);
    }
    options.numClasses ??= data.classNames.length;
    options.classNames ??= data.classNames;
  },
};
