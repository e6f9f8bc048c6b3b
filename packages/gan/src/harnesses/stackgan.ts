import { initWeights } from '@atelier/blocks';
import {
  ArgumentError,
  describe,
  FormatError,
  type Module,
  readSafetensors,
  rng,
  ShapeError,
  tf,
} from '@atelier/core';
import { captionEmbeddingsLayout } from '../data/caption-embeddings.js';
import { CAPTION_SETS } from '../data/caption-sets.js';
import type { Harness, JsonObject, SampleColumn, StepContext } from '../trainer/harness.js';
import type { HarnessDescriptor } from './descriptor.js';
import { boolOption, intOption, numberOption, readOptions } from './options.js';
import { bceWithLogits, conditioningKl, detach, discriminatorWeights } from './stackgan-losses.js';
import { StackDiscriminator, StageOneGenerator, StageTwoGenerator } from './stackgan-nets.js';

export interface StackGanOptions {
  /** Which stage trains: 1 (text → size/4) or 2 (stage I's image → size), default 1. */
  stage?: 1 | 2;
  /** The final (stage II) side, 4·2^k ≥ 32 (default 256, the paper's); stage I makes size/4. */
  size?: number;
  channels?: number;
  /** Length of the sentence embeddings the data gives (default 256, the package's encoder). */
  textDim?: number;
  /**
   * Length of c (default 128, the paper's). The KL is a mean over c's values: with far
   * fewer (16) it pulls each value of μ that much harder, and the ReLU'd μ units die
   * before D learns the text (the samples then ignore their captions).
   */
  conditionDim?: number;
  /** Length of z (default 100). */
  latentDim?: number;
  /** The reference's GF_DIM (default 128) and DF_DIM (default 64). */
  gf?: number;
  df?: number;
  /** Stage II's residual blocks (default 4). */
  rNum?: number;
  /** Weight of the conditioning augmentation's KL term (default 2). */
  klWeight?: number;
  /** Conditioning augmentation (default true); false: c = μ and no KL, the ablation. */
  augment?: boolean;
  lr?: number;
  beta1?: number;
  beta2?: number;
  seed?: number;
  /** Stage II: the stage-I run folder (or its G.safetensors) it refines; recorded in config.json. */
  stage1?: string;
}

const KNOWN = [
  'stage',
  'size',
  'channels',
  'textDim',
  'conditionDim',
  'latentDim',
  'gf',
  'df',
  'rNum',
  'klWeight',
  'augment',
  'lr',
  'beta1',
  'beta2',
  'seed',
  'stage1',
] as const;

export type ResolvedStackGan = Required<Omit<StackGanOptions, 'stage'>> & { stage: 1 | 2 };

/** A side 4·2^k of at least 32 (stage I then has at least 8 pixels). */
export function stackganSize(value: unknown, where: string): number {
  const v = value ?? 256;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 32 || (v & (v - 1)) !== 0) {
    throw new ArgumentError(
      `${where}: size must be 4·2^k and at least 32 (stage I is size/4), got ${describe(value)}`,
    );
  }
  return v;
}

export function resolveStackGan(options?: StackGanOptions): ResolvedStackGan {
  const where = 'stackgan';
  const o = readOptions(options, where, KNOWN);
  const stage = o.stage ?? 1;
  if (stage !== 1 && stage !== 2)
    throw new ArgumentError(`${where}: stage must be 1 or 2, got ${describe(o.stage)}`);
  const stage1 = o.stage1 ?? '';
  if (typeof stage1 !== 'string')
    throw new ArgumentError(`${where}: stage1 must be a path, got ${describe(stage1)}`);
  return {
    stage,
    size: stackganSize(o.size, where),
    channels: intOption(o.channels, 3, 'channels', where),
    textDim: intOption(o.textDim, 256, 'textDim', where),
    conditionDim: intOption(o.conditionDim, 128, 'conditionDim', where),
    latentDim: intOption(o.latentDim, 100, 'latentDim', where),
    gf: intOption(o.gf, 128, 'gf', where, 4),
    df: intOption(o.df, 64, 'df', where),
    rNum: intOption(o.rNum, 4, 'rNum', where, 0),
    klWeight: numberOption(o.klWeight, 2, 'klWeight', where),
    augment: boolOption(o.augment, true, 'augment', where),
    lr: numberOption(o.lr, 2e-4, 'lr', where),
    beta1: numberOption(o.beta1, 0.5, 'beta1', where),
    beta2: numberOption(o.beta2, 0.999, 'beta2', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
    stage1,
  };
}

/** A batch: images at the final size and their captions' sentence embeddings. */
export interface CaptionBatch {
  image: tf.Tensor4D;
  embedding: tf.Tensor2D;
  /** The synthetic sets' attributes of the first named object (for metrics). */
  colour?: tf.Tensor1D;
  label?: tf.Tensor1D;
}

export interface StackGanHarness extends Harness<CaptionBatch> {
  readonly options: ResolvedStackGan;
  /**
   * Images for sentence embeddings [N, textDim] with G in evaluation mode, noise from
   * `seed`: stage I's [N, size/4, ...] and, in stage 2, stage II's [N, size, ...].
   */
  generate(text: tf.Tensor2D, seed: number): { low: tf.Tensor4D; high?: tf.Tensor4D };
  /** D's conditional logits of images given embeddings (μ of G's augmentation), eval mode. */
  judge(images: tf.Tensor4D, text: tf.Tensor2D): tf.Tensor1D;
  /** Stage 2: stage I's generator weights (a state dict; PyTorch layout with from 'torch'). */
  loadStageOne(dict: Record<string, tf.Tensor>, options?: { from?: 'torch' }): void;
}

/** Area-averages real images to stage I's side. */
function shrink(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 4, 4, 'valid');
}

function withMode<T>(modules: Module[], f: () => T): T {
  const was = modules.map((m) => m.training);
  for (const m of modules) m.eval();
  try {
    return f();
  } finally {
    modules.forEach((m, i) => {
      m.train(was[i]);
    });
  }
}

/**
 * StackGAN (Zhang et al., ICCV 2017): text → conditioning augmentation → stage I, a
 * low-resolution image; stage II refines stage I's (frozen) image with the text to 4×
 * the side. Each stage trains in turn (`stage`), with its discriminator's
 * matching-aware loss (real pairs 1; real images with the next caption's μ, and
 * fakes, 0) and G's adversarial term plus klWeight·KL. Logged: D_real, D_wrong,
 * D_fake (and D_uncond_* in stage II), G, KL (G_uncond in stage II).
 */
export function stackgan(options: StackGanOptions): StackGanHarness {
  const o = resolveStackGan(options);
  const seed = rng(o.seed);
  const low = o.size / 4;
  const init = <M extends Module>(m: M, name: string): M =>
    initWeights(m, { type: 'normal', gain: 0.02, seed: seed.fork(`${name} init`) });
  const makeG1 = () =>
    init(
      new StageOneGenerator({
        textDim: o.textDim,
        conditionDim: o.conditionDim,
        latentDim: o.latentDim,
        gf: o.gf,
        size: low,
        channels: o.channels,
        seed: seed.fork('G1 build'),
      }),
      'G1',
    );
  const makeG2 = () =>
    init(
      new StageTwoGenerator({
        textDim: o.textDim,
        conditionDim: o.conditionDim,
        gf: o.gf,
        rNum: o.rNum,
        inSize: low,
        channels: o.channels,
        seed: seed.fork('G2 build'),
      }),
      'G2',
    );
  const stageOne = o.stage === 1 ? makeG1() : makeG1().eval();
  const stageTwo = o.stage === 2 ? makeG2() : undefined;
  const D = init(
    new StackDiscriminator({
      conditionDim: o.conditionDim,
      df: o.df,
      size: o.stage === 1 ? low : o.size,
      channels: o.channels,
      unconditional: o.stage === 2,
      seed: seed.fork('D build'),
    }),
    'D',
  );
  const G: Module = stageTwo ?? stageOne;
  const modules: Record<string, Module> = stageTwo ? { G, D, G1: stageOne } : { G, D };
  const adam = () => tf.train.adam(o.lr, o.beta1, o.beta2, 1e-8);
  const optimizers = {
    G: { optimizer: adam(), modules: ['G'], lr: o.lr },
    D: { optimizer: adam(), modules: ['D'], lr: o.lr },
  };
  const noise = (n: number, r: { normal: StepContext['rng']['normal'] }) => ({
    z: r.normal([n, o.latentDim]) as tf.Tensor2D,
    eps: o.augment ? (r.normal([n, o.conditionDim]) as tf.Tensor2D) : null,
  });

  /** This stage's fakes and the augmentation's Gaussian; stage I's image made without a tape. */
  const fakes = (g: Module, text: tf.Tensor2D, r: { normal: StepContext['rng']['normal'] }) => {
    const n = text.shape[0];
    const { z, eps } = noise(n, r);
    if (!stageTwo) return (g as StageOneGenerator).forward(text, z, eps);
    const base = tf.tidy(() => stageOne.forward(text, z, eps).image);
    const eps2 = o.augment ? (r.normal([n, o.conditionDim]) as tf.Tensor2D) : null;
    return { ...(g as StageTwoGenerator).forward(base, text, eps2), base };
  };

  const discriminatorTerms = (real: tf.Tensor4D, fake: tf.Tensor4D, mu: tf.Tensor2D) => {
    const n = real.shape[0];
    const realCode = D.code(real);
    const fakeCode = D.code(fake);
    const terms: Record<string, tf.Scalar> = {
      D_real: bceWithLogits(D.conditional(realCode, mu), 1),
      // Matching-aware: each real image but the last with the next caption's μ.
      D_wrong: bceWithLogits(
        D.conditional(
          tf.slice(realCode, [0, 0, 0, 0], [n - 1, -1, -1, -1]),
          tf.slice(mu, [1, 0], [n - 1, -1]),
        ),
        0,
      ),
      D_fake: bceWithLogits(D.conditional(fakeCode, mu), 0),
    };
    if (stageTwo) {
      terms.D_uncond_real = bceWithLogits(D.unconditional(realCode), 1);
      terms.D_uncond_fake = bceWithLogits(D.unconditional(fakeCode), 0);
    }
    return terms;
  };

  const where = 'stackgan';
  const harness: StackGanHarness = {
    name: 'stackgan',
    options: o,
    config: o as unknown as JsonObject,
    modules,
    optimizers,
    generators: ['G'],
    monitor: 'G',
    check(batch) {
      const b = batch as Partial<CaptionBatch> | undefined;
      const image = b?.image;
      if (
        !(image instanceof tf.Tensor) ||
        image.rank !== 4 ||
        image.shape[1] !== o.size ||
        image.shape[2] !== o.size ||
        image.shape[3] !== o.channels
      ) {
        throw new ShapeError(
          `${where}: expected images [N, ${o.size}, ${o.size}, ${o.channels}], got ${describe(image)}`,
        );
      }
      const n = image.shape[0];
      if (n < 2)
        throw new ShapeError(
          `${where}: the mismatched-caption term needs batches of 2 or more, got ${n}`,
        );
      const e = b!.embedding;
      if (
        !(e instanceof tf.Tensor) ||
        e.rank !== 2 ||
        e.dtype !== 'float32' ||
        e.shape[0] !== n ||
        e.shape[1] !== o.textDim
      ) {
        throw new ShapeError(
          `${where}: expected float32 caption embeddings [${n}, ${o.textDim}] beside the images (a caption set), got ${describe(e)}`,
        );
      }
    },
    step([batch], ctx) {
      const real = o.stage === 1 ? shrink(batch!.image) : batch!.image;
      const text = batch!.embedding;
      try {
        ctx.update(
          'G',
          () => {
            const { image: fake, mu, logvar } = fakes(G, text, ctx.rng);
            const muD = detach(mu);
            ctx.update(
              'D',
              () => discriminatorTerms(real, fake, muD),
              discriminatorWeights(o.stage),
            );
            const code = D.code(fake);
            const terms: Record<string, tf.Scalar> = {
              G: bceWithLogits(D.conditional(code, muD), 1),
            };
            if (stageTwo) terms.G_uncond = bceWithLogits(D.unconditional(code), 1);
            terms.KL = o.augment ? conditioningKl(mu, logvar) : tf.scalar(0);
            return terms;
          },
          { KL: o.augment ? o.klWeight : 0 },
        );
      } finally {
        if (real !== batch!.image) real.dispose();
      }
    },
    generate(text, noiseSeed) {
      return tf.tidy(() =>
        withMode([G, stageOne], () => {
          const out = fakes(G, text, rng(noiseSeed).fork('generate'));
          return 'base' in out
            ? { low: out.base as tf.Tensor4D, high: out.image }
            : { low: out.image };
        }),
      );
    },
    judge(images, text) {
      return tf.tidy(() =>
        withMode([G, D], () => {
          const { mu } = (G as StageOneGenerator | StageTwoGenerator).ca.forward(text, null);
          return D.forward(images, mu).cond;
        }),
      );
    },
    samples(batch, generators): SampleColumn[] {
      const g = generators.G!;
      const out = fakes(g, batch.embedding, rng(o.seed).fork('sample noise'));
      const up = (x: tf.Tensor4D) => tf.image.resizeNearestNeighbor(x, [o.size, o.size]);
      if ('base' in out) {
        return [
          { title: 'real', images: batch.image },
          { title: 'stage I', images: up(out.base as tf.Tensor4D) },
          { title: 'stage II', images: out.image },
        ];
      }
      return [
        { title: 'real', images: shrink(batch.image) },
        { title: 'stage I', images: out.image },
      ];
    },
    createModule(name): Module {
      if (name !== 'G') throw new ShapeError(`${where}: no module '${name}' to create (only G)`);
      return stageTwo ? makeG2() : makeG1();
    },
    loadStageOne(dict, options = {}) {
      if (!stageTwo) {
        throw new ArgumentError(
          `${where}: stage 1 trains its own generator; only stage 2 loads one`,
        );
      }
      stageOne.loadStateDict(dict, {
        strict: true,
        ...(options.from ? { from: options.from } : {}),
      });
      stageOne.eval();
    },
    dispose() {
      for (const { optimizer } of Object.values(optimizers)) optimizer.dispose();
      for (const m of Object.values(modules)) m.dispose();
    },
  };
  return harness;
}

/**
 * Reads stage I's generator for a stage-2 harness: `path` is a stage-1 run folder
 * (its G.safetensors, PyTorch layout, as runs export) or a .safetensors file.
 */
export async function loadStageOne(harness: StackGanHarness, path: string): Promise<void> {
  if (typeof path !== 'string' || path === '')
    throw new ArgumentError(
      `stackgan: stage 2 needs a stage-1 run (stage1), got ${describe(path)}`,
    );
  const { readFile, stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const isDir = (await stat(path).catch(() => undefined))?.isDirectory();
  const file = isDir ? join(path, 'G.safetensors') : path;
  const bytes = await readFile(file).catch((e: Error) => {
    throw new ArgumentError(`stackgan: cannot read stage I's weights ${file}: ${e.message}`);
  });
  const { tensors } = readSafetensors(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  );
  try {
    harness.loadStageOne(tensors, { from: 'torch' });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

export const stackganDescriptor: HarnessDescriptor<StackGanOptions> = {
  name: 'stackgan',
  summary:
    'text-to-image StackGAN (stage I, then stage II on a stage-I run: --stage 2 --stage1 RUN)',
  resolve: resolveStackGan as HarnessDescriptor['resolve'],
  create: stackgan,
  flags: {
    stage: {
      option: 'stage',
      kind: 'int',
      help: '1 (text to size/4) or 2 (refines a stage-I run to size)',
    },
    stage1: {
      option: 'stage1',
      kind: 'string',
      help: 'stage 2: the stage-I run folder (its G.safetensors)',
    },
    gf: { option: 'gf', kind: 'int', help: "generators' width GF_DIM (128)" },
    df: { option: 'df', kind: 'int', help: "discriminator's width DF_DIM (64)" },
    'r-num': { option: 'rNum', kind: 'int', help: "stage II's residual blocks (4)" },
    'kl-weight': { option: 'klWeight', kind: 'number', help: "the augmentation's KL weight (2)" },
    'no-augment': {
      option: 'augment',
      kind: 'false',
      help: 'no conditioning augmentation (c = μ)',
    },
  },
  data: {
    default: 'synthetic:shapes',
    synthetic: CAPTION_SETS,
    folder: captionEmbeddingsLayout,
  },
  cli: { size: 64, batch: 64, epochs: 120 },
  fromData(options, data, size) {
    options.size ??= size;
    options.channels ??= data.channels.image;
    if (data.textDim === undefined) {
      const source = (data.description as { source?: string } | null)?.source ?? 'the data';
      throw new ArgumentError(`stackgan needs captions (sentence embeddings); ${source} has none`);
    }
    options.textDim ??= data.textDim;
  },
  async prepare(harness, options) {
    const h = harness as StackGanHarness;
    if (h.options.stage !== 2) return;
    await loadStageOne(h, options.stage1 as string);
  },
};

/**
 * A trained StackGAN run ready to generate: `dir` is an `atelier train stackgan` run
 * folder; its config.json gives the options, G.safetensors the generator (the EMA's
 * where kept) and, for stage 2, the config's stage-1 run gives stage I.
 */
export async function openStackGanRun(dir: string): Promise<StackGanHarness> {
  if (typeof dir !== 'string' || dir === '')
    throw new ArgumentError(`openStackGanRun: expected a run folder, got ${describe(dir)}`);
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const configFile = join(dir, 'config.json');
  const text = await readFile(configFile, 'utf8').catch((e: Error) => {
    throw new ArgumentError(`openStackGanRun: cannot read ${configFile}: ${e.message}`);
  });
  let config: { harness?: unknown; options?: unknown };
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${configFile}: not JSON (${(e as Error).message})`);
  }
  if (config?.harness !== 'stackgan' || typeof config.options !== 'object' || !config.options)
    throw new ArgumentError(
      `${configFile}: expected a stackgan run, got harness ${describe(config?.harness)}`,
    );
  const harness = stackgan(config.options as StackGanOptions);
  try {
    const weights = join(dir, 'G.safetensors');
    const bytes = await readFile(weights).catch((e: Error) => {
      throw new ArgumentError(
        `openStackGanRun: cannot read ${weights} (a finished run exports it): ${e.message}`,
      );
    });
    const { tensors } = readSafetensors(
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    );
    try {
      harness.modules.G!.loadStateDict(tensors, { strict: true, from: 'torch' });
    } finally {
      tf.dispose(Object.values(tensors));
    }
    if (harness.options.stage === 2) await loadStageOne(harness, harness.options.stage1);
    return harness;
  } catch (e) {
    harness.dispose();
    throw e;
  }
}
