import { PatchDiscriminator } from '@atelier/blocks';
import { ArgumentError, describe, type Module, rng, tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import {
  choiceOption,
  ganLoss,
  type Harness,
  intOption,
  type JsonObject,
  type LossTerms,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { checkImages, unitToSigned } from '../check-images.js';
import { TEST_SEED_OFFSET } from '../data/image-sets.js';
import { simplificationLoss } from '../losses/simplification-loss.js';
import { SimplificationNet } from '../nets/simplification-net.js';
import type { TaskData, TaskDataOptions, TaskDescriptor, TaskModel } from '../task.js';
import { oneNetFromWeights, taskFunctions } from '../task-functions.js';

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
  seed?: number;
}

export type ResolvedSimplify = Required<SimplifyOptions>;

const KNOWN = ['mode', 'alpha', 'beta', 'width', 'ndf', 'nLayersD', 'lr', 'seed'] as const;

export function resolveSimplify(options?: SimplifyOptions): ResolvedSimplify {
  const where = 'simplify';
  const o = readOptions(options, where, KNOWN);
  const width = numberOption(o.width, 1, 'width', where);
  if (!(width > 0 && width <= 1))
    throw new ArgumentError(`${where}: width must be in (0, 1], got ${describe(o.width)}`);
  return {
    mode: choiceOption(o.mode, 'supervised', SIMPLIFY_MODES, 'mode', where),
    alpha: numberOption(o.alpha, 0.01, 'alpha', where),
    beta: numberOption(o.beta, 0.01, 'beta', where),
    width,
    ndf: intOption(o.ndf, 32, 'ndf', where),
    nLayersD: intOption(o.nLayersD, 3, 'nLayersD', where),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

function createNet(o: ResolvedSimplify): SimplificationNet {
  return new SimplificationNet({ width: o.width }, rng(o.seed).fork('S'));
}

/**
 * Sketches [N, H, W, 1] in [0, 1]: rough A and its clean B, and an unpaired rough and an
 * unpaired clean drawing (from other seeds: no pair of theirs is ever seen).
 */
export interface SketchBatch {
  A: tf.Tensor4D;
  B: tf.Tensor4D;
  roughU: tf.Tensor4D;
  cleanU: tf.Tensor4D;
}

export interface SimplifyHarness extends Harness<SketchBatch> {
  readonly options: ResolvedSimplify;
}

/** Seeds of the unpaired sets, away from the pairs' and the held-out split's. */
const UNPAIRED_ROUGH = 7_000_001;
const UNPAIRED_CLEAN = 9_000_011;

/**
 * Learning to Simplify's supervised step, and Mastering Sketching's: S minimises
 * M-weighted MSE + α·GAN(D(S(x)), real) (+ β·GAN(D(S(x_u)), real) on unpaired rough);
 * D minimises GAN(D(y), real) + GAN(D(S(x)), fake) (+ unpaired clean as real, S of
 * unpaired rough as fake), unweighted (Adam does not care for its scale). D steps first
 * on this step's outputs, as pix2pix.
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
  const adam = () => tf.train.adam(o.lr, 0.5, 0.999, 1e-8);
  const optimizers: SimplifyHarness['optimizers'] = {
    S: { optimizer: adam(), modules: ['S'], lr: o.lr },
  };
  if (D) optimizers.D = { optimizer: adam(), modules: ['D'], lr: o.lr };
  const gan = ganLoss('vanilla');
  // D sees sketches in [-1, 1], as the GAN nets do.
  const judge = (x: tf.Tensor4D) => D!.forward(unitToSigned(x) as tf.Tensor4D);
  const check = (batch: SketchBatch | undefined) => {
    const fields =
      o.mode === 'unpaired' ? (['A', 'B', 'roughU', 'cleanU'] as const) : (['A', 'B'] as const);
    for (const f of fields)
      checkImages(batch?.[f], 'simplify', { channels: 1, multiple: 8, name: f });
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
      ctx.update(
        'S',
        (): LossTerms => {
          const out = S.forward(A);
          const terms: LossTerms = { mse: simplificationLoss(out, B) };
          if (!D) return terms;
          const outU = o.mode === 'unpaired' ? S.forward(roughU) : undefined;
          ctx.update(
            'D',
            (): LossTerms => ({
              D_real: gan(judge(B), true),
              D_fake: gan(judge(out), false),
              ...(outU
                ? { D_real_u: gan(judge(cleanU), true), D_fake_u: gan(judge(outU), false) }
                : {}),
            }),
          );
          terms.adv = gan(judge(out), true);
          if (outU) terms.adv_u = gan(judge(outU), true);
          return terms;
        },
        { adv: o.alpha, adv_u: o.beta },
      );
    },
    samples(batch, generators): SampleColumn[] {
      return [
        { title: 'rough', images: unitToSigned(batch.A) as tf.Tensor4D },
        {
          title: 'simplified',
          images: unitToSigned(generators.S!.forward(batch.A)) as tf.Tensor4D,
        },
        { title: 'clean', images: unitToSigned(batch.B) as tf.Tensor4D },
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

/** Paired and unpaired sketches of `synthetic.sketches` (the only data this task takes). */
async function sketchData(options: TaskDataOptions): Promise<TaskData> {
  const where = 'simplify data';
  const spec = options.data ?? 'synthetic:sketches';
  if (spec !== 'synthetic:sketches') {
    throw new ArgumentError(
      `${where}: simplify trains on 'synthetic:sketches' (rough -> clean pairs and unpaired sketches); got ${describe(spec)}`,
    );
  }
  const split = options.split ?? 'train';
  const { size, seed } = options;
  const count = options.count ?? 64;
  const base = { size, range: 'unit' as const };
  const pairs = synthetic.sketches({
    ...base,
    count,
    seed: split === 'test' ? seed + TEST_SEED_OFFSET : seed,
  });
  if (split === 'test') {
    return {
      dataset: pairs as unknown as Dataset<unknown>,
      description: { source: spec, split, size, count, seed: seed + TEST_SEED_OFFSET },
      fills: {},
    };
  }
  // Unpaired data is plentiful (the paper's point): four times the pairs.
  const unpaired = count * 4;
  const rough = synthetic.sketches({ ...base, count: unpaired, seed: seed + UNPAIRED_ROUGH });
  const clean = synthetic.sketches({ ...base, count: unpaired, seed: seed + UNPAIRED_CLEAN });
  const dataset = Dataset.indexed(unpaired, async (i, epoch) => {
    const [p, r, c] = await Promise.all([
      pairs.get(i % count, epoch),
      rough.get(i, epoch),
      clean.get(i, epoch),
    ]);
    tf.dispose([r!.B, c!.A]);
    return { A: p!.A, B: p!.B, roughU: r!.A, cleanU: c!.B };
  });
  return {
    dataset: dataset as Dataset<unknown>,
    description: { source: spec, split, size, pairs: count, unpaired, seed },
    fills: {},
  };
}

/**
 * Sketch simplification (Simo-Serra et al. 2016) and Mastering Sketching (2018) on
 * `synthetic:sketches`; `mode` picks supervised, +adversarial or +unpaired.
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
