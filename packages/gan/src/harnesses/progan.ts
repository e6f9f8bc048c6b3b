import {
  downscale2d,
  fade,
  ProganDiscriminator,
  ProganGenerator,
  type ProganLevel,
  proganLevels,
  upscale2d,
} from '@atelier/blocks';
import { type Module, rng, ShapeError, tf } from '@atelier/core';
import { driftPenalty, gradientPenalty } from '@atelier/losses';
import { imagesLayout } from '../data/folder-layouts.js';
import { IMAGE_SETS } from '../data/synthetic-sources.js';
import { type ProgressivePhase, progressivePhase } from '../schedules/progressive-phases.js';
import type { Harness, Json, JsonObject, SampleColumn } from '../trainer/harness.js';
import { resetAdam } from '../training/reset-adam.js';
import type { HarnessDescriptor } from './descriptor.js';
import { checkImageBatch, type ImageBatch } from './gan.js';
import { boolOption, intOption, numberOption, readOptions } from './options.js';

export interface ProganOptions {
  /** Target side, 4·2^k (default 64). */
  size?: number;
  /** Image channels (default 3). */
  channels?: number;
  /** Length of z (default 512). */
  latentDim?: number;
  /** Feature maps min(fmapBase / 2^(log2 res − 1), fmapMax): defaults 8192 and 512, the paper's. */
  fmapBase?: number;
  fmapMax?: number;
  /** Images a resolution is shown before the next fades in (default 600,000, the code's). */
  stableImages?: number;
  /** Images the fade-in lasts (default 600,000). */
  fadeImages?: number;
  /** Grow from 4×4 (default); false trains the same networks at the target size from the start. */
  progressive?: boolean;
  /** WGAN-GP weight (default 10) and drift ε (default 0.001). */
  lambdaGP?: number;
  drift?: number;
  /** Minibatch standard deviation group (default 4). */
  groupSize?: number;
  /** Adam: lr 1e-3, beta1 0, beta2 0.99, epsilon 1e-8 (reset at every change of level). */
  lr?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Seeds the weights and the sample noise (default 0). */
  seed?: number;
}

export type ResolvedProgan = Required<ProganOptions>;

const KNOWN = [
  'size',
  'channels',
  'latentDim',
  'fmapBase',
  'fmapMax',
  'stableImages',
  'fadeImages',
  'progressive',
  'lambdaGP',
  'drift',
  'groupSize',
  'lr',
  'beta1',
  'beta2',
  'epsilon',
  'seed',
] as const;

export function resolveProgan(options?: ProganOptions): ResolvedProgan {
  const where = 'progan';
  const o = readOptions(options, where, KNOWN);
  const size = intOption(o.size, 64, 'size', where, 4);
  proganLevels(size, where);
  return {
    size,
    channels: intOption(o.channels, 3, 'channels', where),
    latentDim: intOption(o.latentDim, 512, 'latentDim', where),
    fmapBase: intOption(o.fmapBase, 8192, 'fmapBase', where),
    fmapMax: intOption(o.fmapMax, 512, 'fmapMax', where),
    stableImages: intOption(o.stableImages, 600_000, 'stableImages', where, 0),
    fadeImages: intOption(o.fadeImages, 600_000, 'fadeImages', where, 0),
    progressive: boolOption(o.progressive, true, 'progressive', where),
    lambdaGP: numberOption(o.lambdaGP, 10, 'lambdaGP', where),
    drift: numberOption(o.drift, 0.001, 'drift', where),
    groupSize: intOption(o.groupSize, 4, 'groupSize', where),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    beta1: numberOption(o.beta1, 0, 'beta1', where),
    beta2: numberOption(o.beta2, 0.99, 'beta2', where),
    epsilon: numberOption(o.epsilon, 1e-8, 'epsilon', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

export interface ProganHarness extends Harness<ImageBatch> {
  readonly options: ResolvedProgan;
  /** Where the run stands now: level, resolution, α, images shown. */
  phase(): ProgressivePhase & { images: number };
}

/** Fixed noise columns of the sample grid. */
const SAMPLE_COLUMNS = 4;

/**
 * The reals at the phase's resolution: box-downscaled from the data's size and, while a
 * level fades in, crossfaded with their own 2×-coarser version (train.py process_reals).
 */
export function phaseReals(images: tf.Tensor4D, at: ProganLevel): tf.Tensor4D {
  return tf.tidy(() => {
    const side = 4 * 2 ** at.level;
    const x = downscale2d(images, images.shape[1] / side);
    if (at.alpha === 1) return x;
    return fade(upscale2d(downscale2d(x)), x, at.alpha) as tf.Tensor4D;
  });
}

/** Zero times the sum of parameters a forward leaves out: every variable gets its (zero) gradient. */
function idle(parameters: tf.Variable[]): tf.Scalar {
  if (parameters.length === 0) return tf.scalar(0);
  return tf.mul(tf.addN(parameters.map((p) => tf.sum(p))), 0) as tf.Scalar;
}

/**
 * Progressive growing of GANs (Karras et al., ICLR 2018): G and D hold every level of
 * detail; the schedule (images shown, saved with the checkpoint) picks the level and
 * the fade-in α for each step. WGAN-GP (λ 10) with the drift term ε·E[D(real)²], D then
 * G each on fresh z, Adam(lr 1e-3, 0, 0.99, 1e-8) reset whenever the level of detail
 * changes (the start and end of every fade), reals crossfaded as the outputs are.
 * Samples come from the generator the trainer hands over (its EMA with `ema`, β 0.999
 * in the paper), upscaled to the target size. Logged: D, D_GP, D_drift, G, and alpha and
 * resolution (the report draws them as the phase curve).
 *
 * @example
 * const harness = progan({ size: 64 }); // grows 4 -> 8 -> ... -> 64 px
 * await train(harness, { data, batch: 16, steps: 20000, ema: { beta: 0.999 } });
 */
export function progan(options?: ProganOptions): ProganHarness {
  const o = resolveProgan(options);
  const levels = proganLevels(o.size, 'progan');
  const seed = rng(o.seed);
  const netOptions = {
    size: o.size,
    channels: o.channels,
    fmapBase: o.fmapBase,
    fmapMax: o.fmapMax,
  };
  const makeG = () =>
    new ProganGenerator({ ...netOptions, latentDim: o.latentDim, seed: seed.fork('G') });
  const G = makeG();
  const D = new ProganDiscriminator({
    ...netOptions,
    groupSize: o.groupSize,
    seed: seed.fork('D'),
  });
  const adam = () => tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon);
  const optimizers = {
    D: { optimizer: adam(), modules: ['D'], lr: o.lr },
    G: { optimizer: adam(), modules: ['G'], lr: o.lr },
  };
  let images = 0;
  let phaseKey: string | null = null;
  let fixedNoise: tf.Tensor2D | undefined;
  const schedule = { levels, stableImages: o.stableImages, fadeImages: o.fadeImages };
  const phaseNow = (): ProgressivePhase =>
    o.progressive
      ? progressivePhase(images, schedule)
      : { level: levels, resolution: o.size, alpha: 1, kind: 'stable', key: 'full' };

  return {
    name: 'progan',
    options: o,
    config: o as unknown as JsonObject,
    modules: { G, D },
    optimizers,
    generators: ['G'],
    monitor: 'G',
    phase: () => ({ ...phaseNow(), images }),
    check(batch) {
      const b = checkImageBatch(batch, o.size, o.channels, 'progan');
      const n = b.image.shape[0];
      if (n > o.groupSize && n % o.groupSize !== 0) {
        throw new ShapeError(
          `progan: the batch (${n}) must be a multiple of the minibatch-stddev group ${o.groupSize}`,
        );
      }
    },
    step(batches, ctx) {
      const phase = phaseNow();
      if (phaseKey !== null && phase.key !== phaseKey) {
        resetAdam(optimizers.D.optimizer);
        resetAdam(optimizers.G.optimizer);
      }
      phaseKey = phase.key;
      const at = { level: phase.level, alpha: phase.alpha };
      const real = ctx.keep(phaseReals(batches[0]!.image, at));
      const n = real.shape[0];
      const score = (x: tf.Tensor) => tf.reshape(D.forward(x, at), [-1]);
      ctx.update(
        'D',
        () => {
          const fake = G.forward(ctx.rng.normal([n, o.latentDim]), at);
          const realScores = score(real);
          return {
            D: tf.add(
              tf.sub(tf.mean(score(fake)), tf.mean(realScores)),
              idle(D.idleParameters(at)),
            ) as tf.Scalar,
            D_GP: gradientPenalty(score, {
              kind: 'wgan-gp',
              real,
              fake,
              rng: ctx.rng,
            }) as tf.Scalar,
            D_drift: driftPenalty(realScores, { weight: o.drift }) as tf.Scalar,
          };
        },
        { D_GP: o.lambdaGP },
      );
      ctx.update('G', () => {
        const fake = G.forward(ctx.rng.normal([n, o.latentDim]), at);
        return {
          G: tf.add(tf.neg(tf.mean(score(fake))), idle(G.idleParameters(at))) as tf.Scalar,
        };
      });
      tf.tidy(() =>
        ctx.log({ alpha: tf.scalar(phase.alpha), resolution: tf.scalar(phase.resolution) }),
      );
      images += n;
    },
    samples(batch, generators): SampleColumn[] {
      const phase = phaseNow();
      const at = { level: phase.level, alpha: phase.alpha };
      const n = batch.image.shape[0];
      if (!fixedNoise || fixedNoise.shape[0] !== n * SAMPLE_COLUMNS) {
        fixedNoise?.dispose();
        fixedNoise = tf.keep(
          rng(o.seed)
            .fork('sample noise')
            .normal([n * SAMPLE_COLUMNS, o.latentDim]) as tf.Tensor2D,
        );
      }
      const full = (x: tf.Tensor4D) => upscale2d(x, o.size / phase.resolution);
      const fakes = full((generators.G as ProganGenerator).forward(fixedNoise, at));
      const columns: SampleColumn[] = [
        { title: `real ${phase.resolution}px`, images: full(phaseReals(batch.image, at)) },
      ];
      for (let c = 0; c < SAMPLE_COLUMNS; c++) {
        columns.push({
          title: `G(z${c})`,
          images: tf.slice(fakes, [c * n, 0, 0, 0], [n, -1, -1, -1]),
        });
      }
      return columns;
    },
    createModule(name): Module {
      if (name !== 'G') throw new ShapeError(`progan: no module '${name}' to create (only G)`);
      return makeG();
    },
    state(): Json {
      return { images, phaseKey };
    },
    setState(state) {
      const s = state as { images?: unknown; phaseKey?: unknown } | null;
      if (
        !s ||
        !Number.isSafeInteger(s.images) ||
        (s.images as number) < 0 ||
        (s.phaseKey !== null && typeof s.phaseKey !== 'string')
      ) {
        throw new ShapeError(
          `progan: the checkpoint's schedule state is damaged: expected { images, phaseKey }, got ${JSON.stringify(state)}`,
        );
      }
      images = s.images as number;
      phaseKey = s.phaseKey as string | null;
    },
    dispose() {
      for (const { optimizer } of Object.values(optimizers)) optimizer.dispose();
      G.dispose();
      D.dispose();
      fixedNoise?.dispose();
    },
  };
}

export const proganDescriptor: HarnessDescriptor<ProganOptions> = {
  name: 'progan',
  summary: 'progressive growing of GANs (WGAN-GP, equalised lr, pixel norm, minibatch stddev)',
  resolve: resolveProgan as HarnessDescriptor['resolve'],
  create: progan,
  flags: {
    'latent-dim': { option: 'latentDim', kind: 'int', help: 'length of z (512)' },
    'fmap-base': {
      option: 'fmapBase',
      kind: 'int',
      help: 'feature maps: min(base / 2^(log2 res - 1), max) (8192)',
    },
    'fmap-max': { option: 'fmapMax', kind: 'int', help: 'most feature maps of a layer (512)' },
    'stable-images': {
      option: 'stableImages',
      kind: 'int',
      help: 'images per resolution before the next fades in (600000)',
    },
    'fade-images': { option: 'fadeImages', kind: 'int', help: 'images a fade-in lasts (600000)' },
    'full-resolution': {
      option: 'progressive',
      kind: 'false',
      help: 'train at the target size from the start (no growing)',
    },
    'lambda-gp': { option: 'lambdaGP', kind: 'number', help: 'WGAN-GP weight (10)' },
    drift: { option: 'drift', kind: 'number', help: 'drift term weight (0.001)' },
    lr: { option: 'lr', kind: 'number', help: "Adam's learning rate (1e-3)" },
  },
  data: {
    default: 'synthetic:textures',
    synthetic: IMAGE_SETS,
    folder: imagesLayout,
  },
  cli: { size: 64, batch: 16, epochs: 10, ema: 0.999 },
  fromData(options, data, size) {
    options.size ??= size;
    options.channels ??= data.channels.image;
  },
};
