import { PatchDiscriminator } from '@atelier/blocks';
import { ArgumentError, describe, type Module, rng, ShapeError, tf } from '@atelier/core';
import {
  choiceOption,
  ganLoss,
  type Harness,
  intOption,
  type JsonObject,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { checkImages, unitToSigned } from '../check-images.js';
import { sketchData } from '../data/sketch-pairs.js';
import { binarizeLines, simplificationLoss } from '../losses/simplification-loss.js';
import { SimplificationNet } from '../nets/simplification-net.js';
import type { TaskDescriptor, TaskModel } from '../task.js';
import { oneNetFromWeights, taskFunctions } from '../task-functions.js';
import { adversarialPhase, adversarialStep } from './simplify-adversarial.js';

export const SIMPLIFY_MODES = ['supervised', 'adversarial', 'unpaired'] as const;
export type SimplifyMode = (typeof SIMPLIFY_MODES)[number];

export interface SimplifyOptions {
  /**
   * 'supervised' (default): Learning to Simplify's weighted MSE only. 'adversarial':
   * Mastering Sketching's supervised + adversarial loss on the pairs. 'unpaired': that
   * plus unpaired rough sketches (fakes for D, adversarial-only for S) and unpaired
   * clean drawings (reals for D).
   */
  mode?: SimplifyMode;
  /** Weight α of the adversarial term on paired data; default 0.01 (see README). */
  alpha?: number;
  /** Weight β of the adversarial terms on unpaired data; default 0.01. */
  beta?: number;
  /** Multiplies the network's channels (1: the paper's); default 1. */
  width?: number;
  /** Filters of the discriminator's first layer; default 32. */
  ndf?: number;
  /** Stride-2 layers of the (PatchGAN) discriminator; default 3. */
  nLayersD?: number;
  /** Adam's rate for both networks; default 1e-3 (the paper used Adadelta). */
  lr?: number;
  /**
   * Clean targets (and unpaired clean drawings) are binarised: darker than this is ink
   * (0), the rest paper (1), as the reference's training (`thresholdoutput` 0.9). 0
   * keeps the anti-aliased greys. Default 0.9.
   */
  binarize?: number;
  /** Adversarial modes: steps of the supervised loss alone before the adversarial terms. Default 0. */
  warmup?: number;
  /** Adversarial modes: steps after the warmup that train D alone (the reference's 1000). Default 0. */
  pretrainD?: number;
  seed?: number;
}

export type ResolvedSimplify = Required<SimplifyOptions>;

const KNOWN = [
  'mode',
  'alpha',
  'beta',
  'width',
  'ndf',
  'nLayersD',
  'lr',
  'binarize',
  'warmup',
  'pretrainD',
  'seed',
] as const;

export function resolveSimplify(options?: SimplifyOptions): ResolvedSimplify {
  const where = 'simplify';
  const o = readOptions(options, where, KNOWN);
  const width = numberOption(o.width, 1, 'width', where);
  if (!(width > 0 && width <= 1))
    throw new ArgumentError(`${where}: width must be in (0, 1], got ${describe(o.width)}`);
  const binarize = numberOption(o.binarize, 0.9, 'binarize', where);
  if (!(binarize < 1))
    throw new ArgumentError(
      `${where}: binarize must be in [0, 1) (0: off), got ${describe(o.binarize)}`,
    );
  return {
    mode: choiceOption(o.mode, 'supervised', SIMPLIFY_MODES, 'mode', where),
    alpha: numberOption(o.alpha, 0.01, 'alpha', where),
    beta: numberOption(o.beta, 0.01, 'beta', where),
    width,
    ndf: intOption(o.ndf, 32, 'ndf', where),
    nLayersD: intOption(o.nLayersD, 3, 'nLayersD', where),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    binarize,
    warmup: intOption(o.warmup, 0, 'warmup', where, 0),
    pretrainD: intOption(o.pretrainD, 0, 'pretrainD', where, 0),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

function createNet(o: ResolvedSimplify): SimplificationNet {
  return new SimplificationNet({ width: o.width }, rng(o.seed).fork('S'));
}

/**
 * Sketches [N, H, W, 1] in [0, 1]: rough A and its clean B, and where the data has them
 * an unpaired rough and an unpaired clean drawing (no pair of theirs is ever seen).
 */
export interface SketchBatch {
  A: tf.Tensor4D;
  B: tf.Tensor4D;
  roughU?: tf.Tensor4D;
  cleanU?: tf.Tensor4D;
}

export interface SimplifyHarness extends Harness<SketchBatch> {
  readonly options: ResolvedSimplify;
}

/**
 * Learning to Simplify's supervised step (mode 'supervised'), or Mastering Sketching's
 * (see `adversarialStep`): the M-weighted squared error against the binarised clean
 * target, plus the adversarial terms after the warmup and D's pretraining.
 */
function createHarness(options?: SimplifyOptions): SimplifyHarness {
  const o = resolveSimplify(options);
  const S = createNet(o);
  const adversarial = o.mode !== 'supervised';
  const D = adversarial
    ? new PatchDiscriminator({
        inChannels: 1,
        ndf: o.ndf,
        nLayers: o.nLayersD,
        seed: rng(o.seed).fork('D'),
      })
    : undefined;
  // β1 0.9 for the supervised network (a regression), pix2pix's 0.5 for the adversarial pair.
  const adam = (beta1: number) => tf.train.adam(o.lr, beta1, 0.999, 1e-8);
  const optimizers: SimplifyHarness['optimizers'] = {
    S: { optimizer: adam(adversarial ? 0.5 : 0.9), modules: ['S'], lr: o.lr },
  };
  if (D) optimizers.D = { optimizer: adam(0.5), modules: ['D'], lr: o.lr };
  const gan = ganLoss('vanilla');
  const target = (clean: tf.Tensor4D) =>
    o.binarize > 0 ? binarizeLines(clean, o.binarize) : clean;
  const check = (batch: SketchBatch | undefined) => {
    checkImages(batch?.A, 'simplify', { channels: 1, multiple: 8, name: 'A (rough)' });
    checkImages(batch?.B, 'simplify', { channels: 1, multiple: 8, name: 'B (clean)' });
    if (o.mode !== 'unpaired') return;
    if (batch?.roughU === undefined || batch.cleanU === undefined)
      throw new ShapeError(
        "simplify: mode 'unpaired' needs unpaired sketches (roughU, cleanU): synthetic:sketches has them; a folder needs unpaired-rough/ and unpaired-clean/",
      );
    checkImages(batch.roughU, 'simplify', { channels: 1, multiple: 8, name: 'roughU' });
    checkImages(batch.cleanU, 'simplify', { channels: 1, multiple: 8, name: 'cleanU' });
  };
  return {
    name: 'simplify',
    options: o,
    config: o as unknown as JsonObject,
    modules: D ? { S, D } : { S },
    optimizers,
    generators: ['S'],
    monitor: 'mse',
    check,
    step([batch], ctx) {
      const { A, B, roughU, cleanU } = batch!;
      const clean = ctx.keep(target(B));
      if (!D) {
        ctx.update('S', () => ({ mse: simplificationLoss(S.forward(A), clean) }));
        return;
      }
      const unpaired = o.mode === 'unpaired';
      adversarialStep(ctx, adversarialPhase(ctx.step, o.warmup, o.pretrainD), {
        simplify: (x) => S.forward(x),
        // D sees line drawings in [-1, 1], as the GAN nets do.
        judge: (x) => D.forward(unitToSigned(x) as tf.Tensor4D),
        gan,
        supervised: simplificationLoss,
        rough: A,
        clean,
        ...(unpaired ? { roughU, cleanU: ctx.keep(target(cleanU!)) } : {}),
        alpha: o.alpha,
        beta: o.beta,
      });
    },
    samples(batch, generators): SampleColumn[] {
      return [
        { title: 'rough', images: unitToSigned(batch.A) as tf.Tensor4D },
        {
          title: 'simplified',
          images: unitToSigned(generators.S!.forward(batch.A)) as tf.Tensor4D,
        },
        { title: 'clean', images: unitToSigned(target(batch.B)) as tf.Tensor4D },
      ];
    },
    createModule(): Module {
      return createNet(o);
    },
    dispose() {
      for (const { optimizer } of Object.values(optimizers)) optimizer.dispose();
      S.dispose();
      D?.dispose();
    },
  };
}

/** A trained simplification network: rough sketches in, clean line drawings out, [0, 1]. */
export class SimplifyModel implements TaskModel {
  readonly task = 'simplify';
  readonly config: JsonObject;
  readonly net: SimplificationNet;

  constructor(net: SimplificationNet, options: ResolvedSimplify) {
    this.net = net.eval();
    // Grey sketches in and out: the channel count the CLI reads its inputs with.
    this.config = { ...(options as unknown as JsonObject), channels: 1 };
  }

  apply(rough: tf.Tensor4D): tf.Tensor4D {
    const x = checkImages(rough, 'simplify.apply', { channels: 1, multiple: 8 });
    return tf.tidy(() => this.net.forward(x));
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * Sketch simplification (Simo-Serra et al. 2016) and Mastering Sketching (2018) on
 * `synthetic:sketches` or a folder of rough/clean pairs; `mode` picks supervised,
 * +adversarial or +unpaired.
 */
export const simplifyTask: TaskDescriptor<SimplifyOptions, SimplifyHarness, SimplifyModel> = {
  name: 'simplify',
  summary:
    'sketch simplification (Simo-Serra 2016) and Mastering Sketching (adversarial, unpaired)',
  flags: {
    mode: { option: 'mode', kind: 'string', help: 'supervised (default), adversarial or unpaired' },
    alpha: { option: 'alpha', kind: 'number', help: 'adversarial weight on pairs (default 0.01)' },
    beta: {
      option: 'beta',
      kind: 'number',
      help: 'adversarial weight on unpaired data (default 0.01)',
    },
    width: {
      option: 'width',
      kind: 'number',
      help: "channel multiplier, 1 the paper's (default 1)",
    },
    lr: { option: 'lr', kind: 'number', help: 'Adam learning rate (default 1e-3)' },
    binarize: {
      option: 'binarize',
      kind: 'number',
      help: 'clean targets darker than this become ink, 0 keeps greys (default 0.9)',
    },
    warmup: {
      option: 'warmup',
      kind: 'int',
      help: 'adversarial modes: supervised-only steps first (default 0)',
    },
    'pretrain-d': {
      option: 'pretrainD',
      kind: 'int',
      help: 'adversarial modes: steps training D alone after the warmup (default 0)',
    },
  },
  defaults: { data: 'synthetic:sketches', size: 64, steps: 2000, batch: 8 },
  sizeMultiple: 8,
  exported: ['S'],
  data: sketchData,
  create: createHarness,
  fromWeights: oneNetFromWeights('S', resolveSimplify, createNet, SimplifyModel),
};

const functions = taskFunctions(simplifyTask);
/** Trains a sketch simplification network (see `simplifyTask`). */
export const trainSimplifier = functions.train;
/** The simplification network of a finished run (its folder, or its `S.safetensors`). */
export const loadSimplifier = functions.load;
