import { TransformerNet } from '@atelier/blocks';
import {
  ArgumentError,
  describe,
  loadCheckpoint,
  rng,
  saveCheckpoint,
  tf,
  writeFileAtomic,
} from '@atelier/core';
import type { GramNormalization } from '@atelier/losses';
import { type FeatureNetwork, isFeatureNetwork } from '../features/feature-network.js';
import { randomNetwork } from '../features/random-network.js';
import { gram } from '../gatys/gram.js';
import { fitSize, resizeImage } from '../image/resize.js';
import { finiteNumber, integerArg, optionsArg, rgbImageArg, seedArg } from '../validate.js';
import { type ContentData, type ContentSource, contentSource } from './content-images.js';
import { TRANSFORMER_MODULE, transformerBytes } from './load-transformer.js';

export interface TrainTransformerOptions {
  /** The style image, RGB [H, W, 3] or [1, H, W, 3] in [0, 255]. */
  style: tf.Tensor;
  /** Content images: a folder, 'synthetic' (default) or a Dataset (see ContentData). */
  data?: ContentData;
  /** Images in the synthetic default; default 128. */
  syntheticCount?: number;
  /** Default: the embedded random multi-scale network, seeded by `seed`. */
  network?: FeatureNetwork;
  /** Default 'johnson' on VGG, the network's default preset otherwise. */
  preset?: string;
  contentLayers?: Record<string, number>;
  styleLayers?: Record<string, number>;
  /** Default 1e5 on VGG (the reference's), the preset's otherwise. */
  contentWeight?: number;
  /** Default 1e10 on VGG (the reference's), the preset's otherwise. */
  styleWeight?: number;
  /** Default 2 (the reference's); `steps` overrides. */
  epochs?: number;
  /** Total steps (batches), counted from the start across resumes. */
  steps?: number;
  /** Default 4. */
  batch?: number;
  /** Training crops (Resize + CenterCrop); default 256. */
  size?: number;
  /** The style image's longer side; default its own size (the reference's --style-size). */
  styleSize?: number;
  /** Adam's rate; default 1e-3. */
  learningRate?: number;
  /** Seeds the network's init, the data order and the default feature network; default 42 (the reference's). */
  seed?: number;
  /** A folder for checkpoint.safetensors and model.safetensors (Node); nothing is written without it. */
  out?: string;
  /** Continue from out/checkpoint.safetensors when it exists. */
  resume?: boolean;
  /** Steps between checkpoints; default 2000 (the reference's checkpoint interval). 0: only at the end. */
  checkpointEvery?: number;
  onProgress?: (progress: TrainProgress) => unknown;
  /** Stops after the current step, with a checkpoint. */
  signal?: AbortSignal;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  /** Weighted terms of the last step's batch. */
  losses: { content: number; style: number; total: number };
  stepsPerSecond: number;
  etaSeconds: number;
  /** 'step' after each step, 'checkpoint' after writing one, 'done' at the end. */
  phase: 'step' | 'checkpoint' | 'done';
}

export interface TrainTransformerResult {
  net: TransformerNet;
  step: number;
  status: 'finished' | 'interrupted';
  losses: { content: number; style: number; total: number };
  /** Where the final weights were written (out/model.safetensors), when `out` was given. */
  model?: string;
}

interface CheckpointExtra {
  format: 'atelier-style-transformer';
  epoch: number;
  seed: number;
  batch: number;
  size: number;
  data: string;
  losses: { content: number; style: number; total: number };
}

const FN = 'trainTransformer';

/** Batch `index` of epoch `epoch`: a seeded permutation, so resuming reproduces the order. */
function batchIndices(
  seed: number,
  epoch: number,
  index: number,
  batch: number,
  count: number,
): number[] {
  const order = rng(seed).fork(`epoch ${epoch}`).permutation(count);
  return order.slice(index * batch, index * batch + batch);
}

async function loadBatch(source: ContentSource, indices: number[]): Promise<tf.Tensor4D> {
  const images = [];
  try {
    for (const i of indices) images.push(await source.load(i));
    return tf.stack(images) as tf.Tensor4D;
  } finally {
    tf.dispose(images);
  }
}

async function exists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The run's settings, checked: the reference's defaults on VGG, the preset's otherwise. */
interface TrainSettings {
  seed: number;
  network: FeatureNetwork;
  /** Whether the network was made here (and is disposed here). */
  owns: boolean;
  contentLayers: Record<string, number>;
  styleLayers: Record<string, number>;
  contentWeight: number;
  styleWeight: number;
  gramNorm: GramNormalization;
  batch: number;
  size: number;
  lr: number;
  checkpointEvery: number;
}

function resolveTraining(o: TrainTransformerOptions): TrainSettings {
  const seed = o.seed === undefined ? 42 : seedArg(FN, o.seed);
  if (o.network !== undefined && !isFeatureNetwork(o.network)) {
    throw new ArgumentError(`${FN}: network must be a feature network, got ${describe(o.network)}`);
  }
  const network = o.network ?? randomNetwork({ seed });
  const owns = o.network === undefined;
  try {
    const isVgg = network.kind.startsWith('vgg');
    const presetName =
      o.preset ?? (isVgg && network.presets.johnson ? 'johnson' : network.defaultPreset);
    const preset = network.presets[presetName];
    if (!preset) {
      throw new ArgumentError(
        `${FN}: ${network.kind} has no preset ${describe(presetName)}; its presets are ${Object.keys(network.presets).join(', ')}`,
      );
    }
    const contentLayers = o.contentLayers ?? preset.content;
    const styleLayers = o.styleLayers ?? preset.style;
    for (const l of [...Object.keys(contentLayers), ...Object.keys(styleLayers)]) {
      if (!network.layerNames.includes(l)) {
        throw new ArgumentError(`${FN}: unknown layer '${l}' of ${network.kind}`);
      }
    }
    const settings: TrainSettings = {
      seed,
      network,
      owns,
      contentLayers,
      styleLayers,
      contentWeight: finiteNumber(
        FN,
        'contentWeight',
        o.contentWeight ?? (isVgg ? 1e5 : preset.contentWeight),
        { min: 0 },
      ),
      styleWeight: finiteNumber(
        FN,
        'styleWeight',
        o.styleWeight ?? (isVgg ? 1e10 : preset.styleWeight),
        { min: 0 },
      ),
      gramNorm: preset.gram ?? 'chw',
      batch: integerArg(FN, 'batch', o.batch ?? 4),
      size: integerArg(FN, 'size', o.size ?? 256, 16, 4096),
      lr: finiteNumber(FN, 'learningRate', o.learningRate ?? 1e-3, { exclusiveMin: 0 }),
      checkpointEvery: integerArg(FN, 'checkpointEvery', o.checkpointEvery ?? 2000, 0),
    };
    if (o.out !== undefined && (typeof o.out !== 'string' || o.out === '')) {
      throw new ArgumentError(`${FN}: out must be a folder path, got ${describe(o.out)}`);
    }
    return settings;
  } catch (error) {
    if (owns) network.dispose();
    throw error;
  }
}

/** The style's Gram targets, once (the reference's gram_style). */
function styleTargets(
  t: TrainSettings,
  styleBytes: tf.Tensor4D,
  styleSize: number | undefined,
): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    let s = tf.div(styleBytes, 255) as tf.Tensor4D;
    if (styleSize !== undefined) {
      const side = integerArg(FN, 'styleSize', styleSize, 8);
      s = resizeImage(s, fitSize(s.shape[1], s.shape[2], side));
    }
    const feats = t.network.features(s, Object.keys(t.styleLayers));
    const out: Record<string, tf.Tensor> = {};
    for (const l of Object.keys(t.styleLayers)) out[l] = gram(feats[l]!, t.gramNorm);
    return out;
  });
}

type Losses = { content: number; style: number; total: number };

/** The step and losses to resume from (its checkpoint loaded into net and optimizer), or a fresh start. */
async function resumePoint(
  checkpointPath: string | undefined,
  resume: boolean | undefined,
  t: TrainSettings,
  net: TransformerNet,
  optimizer: tf.Optimizer,
): Promise<{ step: number; losses: Losses }> {
  const fresh = { step: 0, losses: { content: Number.NaN, style: Number.NaN, total: Number.NaN } };
  if (!resume || !checkpointPath || !(await exists(checkpointPath))) return fresh;
  const info = await loadCheckpoint(checkpointPath, {
    modules: { [TRANSFORMER_MODULE]: net },
    optimizers: { adam: optimizer },
  });
  const extra = info.extra as CheckpointExtra;
  if (extra?.format !== 'atelier-style-transformer') {
    throw new ArgumentError(`${FN}: ${checkpointPath} is not a style transfer training checkpoint`);
  }
  if (extra.seed !== t.seed || extra.batch !== t.batch || extra.size !== t.size) {
    throw new ArgumentError(
      `${FN}: resuming needs the checkpoint's seed ${extra.seed}, batch ${extra.batch} and size ${extra.size}; got ${t.seed}, ${t.batch}, ${t.size}`,
    );
  }
  return { step: info.step, losses: extra.losses };
}

/** The content images, the steps an epoch holds and the steps the run ends at. */
async function trainingData(
  o: TrainTransformerOptions,
  t: TrainSettings,
): Promise<{ source: ContentSource; perEpoch: number; totalSteps: number }> {
  const source = await contentSource(o.data, t.size, {
    fn: FN,
    seed: t.seed,
    ...(o.syntheticCount !== undefined
      ? { syntheticCount: integerArg(FN, 'syntheticCount', o.syntheticCount) }
      : {}),
  });
  const perEpoch = Math.floor(source.count / t.batch);
  if (perEpoch < 1) {
    throw new ArgumentError(`${FN}: ${source.description} make no full batch of ${t.batch}`);
  }
  const totalSteps =
    o.steps !== undefined
      ? integerArg(FN, 'steps', o.steps)
      : perEpoch * integerArg(FN, 'epochs', o.epochs ?? 2);
  return { source, perEpoch, totalSteps };
}

/** Writes the checkpoint (network, Adam's moments, step and what a resume checks), when there is a folder. */
async function saveTraining(
  checkpointPath: string | undefined,
  t: TrainSettings,
  net: TransformerNet,
  optimizer: tf.Optimizer,
  at: { step: number; perEpoch: number; data: string; losses: Losses },
): Promise<void> {
  if (!checkpointPath) return;
  const extra: CheckpointExtra = {
    format: 'atelier-style-transformer',
    epoch: Math.floor(at.step / at.perEpoch),
    seed: t.seed,
    batch: t.batch,
    size: t.size,
    data: at.data,
    losses: at.losses,
  };
  await saveCheckpoint(checkpointPath, {
    modules: { [TRANSFORMER_MODULE]: net },
    optimizers: { adam: optimizer },
    step: at.step,
    extra,
  });
}

/**
 * One Adam step on a batch x (RGB in [0, 255]): content loss at the content layers
 * against the input's features plus style loss of Gram matrices against the targets.
 * Returns the weighted terms.
 */
async function trainStep(
  t: TrainSettings,
  net: TransformerNet,
  optimizer: tf.Optimizer,
  styleGrams: Record<string, tf.Tensor>,
  x: tf.Tensor4D,
): Promise<Losses> {
  const contentNames = Object.keys(t.contentLayers);
  const styleNames = Object.keys(t.styleLayers);
  const allLayers = [...new Set([...contentNames, ...styleNames])];
  let terms: tf.Tensor | undefined;
  try {
    const cost = optimizer.minimize(
      () => {
        const y = net.forward(x);
        const fy = t.network.features(tf.div(y, 255) as tf.Tensor4D, allLayers);
        const fx = t.network.features(tf.div(x, 255) as tf.Tensor4D, contentNames);
        const content = tf.mul(
          tf.addN(
            contentNames.map((l) =>
              tf.mul(tf.mean(tf.squaredDifference(fy[l]!, fx[l]!)), t.contentLayers[l]!),
            ),
          ),
          t.contentWeight,
        );
        const style = tf.mul(
          tf.addN(
            styleNames.map((l) =>
              tf.mul(
                tf.mean(tf.squaredDifference(gram(fy[l]!, t.gramNorm), styleGrams[l]!)),
                t.styleLayers[l]!,
              ),
            ),
          ),
          t.styleWeight,
        );
        const total = tf.add(content, style) as tf.Scalar;
        terms = tf.keep(tf.stack([content, style, total]));
        return total;
      },
      false,
      net.trainableParameters(),
    );
    cost?.dispose();
    const [c, s, total] = (await terms!.data()) as Float32Array;
    return { content: c!, style: s!, total: total! };
  } finally {
    terms?.dispose();
  }
}

/**
 * Trains Johnson et al.'s feed-forward network for one style, as pytorch/examples
 * fast_neural_style's `train`: content images resized and centre-cropped to `size`,
 * the TransformerNet's output and input through the feature network, content loss
 * (MSE at the content layers against the input's features) plus style loss (MSE of Gram
 * matrices divided by C·H·W against the style's), Adam, `epochs` passes over the data in
 * a seeded order (batches of `batch`, the last partial one dropped), checkpoints every
 * `checkpointEvery` steps and at the end, resumable exactly.
 *
 * With VGG-16 weights (vggNetwork) the defaults are the reference's (content 1e5 at
 * relu2_2, style 1e10 at relu1_2, relu2_2, relu3_3, relu4_3, Adam 1e-3, batch 4, 256 px,
 * 2 epochs). The GAN trainer of @atelier/gan is not used: style must not depend on gan,
 * and this loop needs none of its harness machinery; checkpoints are core's.
 */
export async function trainTransformer(
  options: TrainTransformerOptions,
): Promise<TrainTransformerResult> {
  const o = optionsArg(FN, options);
  const t = resolveTraining(o);
  const { seed, batch, checkpointEvery } = t;
  let styleBytes: tf.Tensor4D | undefined;
  let net: TransformerNet | undefined;
  let optimizer: tf.Optimizer | undefined;
  let styleGrams: Record<string, tf.Tensor> = {};
  try {
    styleBytes = rgbImageArg(FN, 'style', o.style, 2);
    net = new TransformerNet({ seed });
    optimizer = tf.train.adam(t.lr);
    const { source, perEpoch, totalSteps } = await trainingData(o, t);
    styleGrams = styleTargets(t, styleBytes, o.styleSize);

    const checkpointPath = o.out
      ? (await import('node:path')).join(o.out, 'checkpoint.safetensors')
      : undefined;
    if (o.out) await (await import('node:fs/promises')).mkdir(o.out, { recursive: true });
    let { step, losses } = await resumePoint(checkpointPath, o.resume, t, net, optimizer);
    const save = () =>
      saveTraining(checkpointPath, t, net!, optimizer!, {
        step,
        perEpoch,
        data: source.description,
        losses,
      });
    const started = Date.now();
    const startStep = step;
    const report = (phase: TrainProgress['phase']) => {
      const elapsed = (Date.now() - started) / 1000;
      const rate = elapsed > 0 ? (step - startStep) / elapsed : 0;
      return o.onProgress?.({
        step,
        totalSteps,
        epoch: Math.floor(step / perEpoch),
        losses,
        stepsPerSecond: rate,
        etaSeconds: rate > 0 ? (totalSteps - step) / rate : Number.POSITIVE_INFINITY,
        phase,
      });
    };

    // The loop: batches in each epoch's seeded order, checkpoints every checkpointEvery steps.
    let status: 'finished' | 'interrupted' = 'finished';
    while (step < totalSteps) {
      if (o.signal?.aborted) {
        status = 'interrupted';
        break;
      }
      const epoch = Math.floor(step / perEpoch);
      const x = await loadBatch(
        source,
        batchIndices(seed, epoch, step % perEpoch, batch, source.count),
      );
      try {
        losses = await trainStep(t, net, optimizer, styleGrams, x);
      } finally {
        x.dispose();
      }
      step++;
      await report('step');
      if (checkpointEvery > 0 && step % checkpointEvery === 0 && step < totalSteps) {
        await save();
        await report('checkpoint');
      }
    }

    // The end: a last checkpoint, the weights of a finished run, eval mode.
    await save();
    let model: string | undefined;
    if (o.out && status === 'finished') {
      model = (await import('node:path')).join(o.out, 'model.safetensors');
      await writeFileAtomic(model, await transformerBytes(net));
    }
    net.eval();
    await report('done');
    return { net, step, status, losses, ...(model ? { model } : {}) };
  } catch (error) {
    net?.dispose();
    throw error;
  } finally {
    tf.dispose([...(styleBytes ? [styleBytes] : []), ...Object.values(styleGrams)]);
    optimizer?.dispose();
    if (t.owns) t.network.dispose();
  }
}
