import { ArgumentError, describe, type Module, rng, tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import {
  choiceOption,
  type Harness,
  intOption,
  type JsonObject,
  numberOption,
  readOptions,
  type SampleColumn,
} from '@atelier/gan';
import { checkImages, unitToSigned } from '../check-images.js';
import { TEST_SEED_OFFSET } from '../data/image-sets.js';
import { ReadoutDecoder } from '../nets/readout-decoder.js';
import {
  createEncoder,
  type EncoderSpec,
  encode,
  encoderChannels,
  readEncoderSource,
  type TransferEncoder,
  VGG_ENCODER_LAYERS,
  type VggEncoderLayer,
  vggWeightsUpTo,
} from '../nets/transfer-encoder.js';
import type { TaskData, TaskDataOptions, TaskDescriptor, TaskModel } from '../task.js';
import { taskFunctions } from '../task-functions.js';

/**
 * The scene buffers a network predicts from the render, each a source and a target
 * task: channels and the range the prediction is mapped to.
 */
export const TRANSFER_TASKS = {
  normals: { channels: 3, low: -1, high: 1 },
  depth: { channels: 1, low: 0, high: 1 },
  edges: { channels: 1, low: 0, high: 1 },
  albedo: { channels: 3, low: 0, high: 1 },
  shading: { channels: 3, low: 0, high: 2 },
} as const;
export type TransferTarget = keyof typeof TRANSFER_TASKS;
const TARGET_NAMES = Object.keys(TRANSFER_TASKS) as TransferTarget[];

/** scratch: encoder and decoder from random weights; frozen: only the decoder trains; finetune: both, from the source's encoder. */
export const TRANSFER_MODES = ['scratch', 'frozen', 'finetune'] as const;
export type TransferMode = (typeof TRANSFER_MODES)[number];

/** Samples per pixel of the renders the networks see (the buffers are exact). */
export const TRANSFER_SPP = 16;

export interface TransferOptions {
  /** The buffer to predict from the render; default 'normals'. */
  target?: TransferTarget;
  /**
   * The encoder to start from: a transfer run (its folder or `encoder.safetensors`),
   * or a torchvision VGG state dict (.pth or .safetensors). Default none (scratch).
   */
  encoder?: string;
  /** Default 'frozen' with an encoder, 'scratch' without. */
  mode?: TransferMode;
  /** Feature maps of the first encoder level and the last decoder level; default 16. */
  features?: number;
  /** Stride-2 levels of the encoder (upsamplings of the decoder); default 2. */
  levels?: number;
  /** With a VGG encoder: the layer the decoder reads; default 'relu2_2'. */
  vggLayer?: VggEncoderLayer;
  /** Adam's rate; default 1e-3. */
  lr?: number;
  /** Seeds the initial weights; default 0. */
  seed?: number;
  /** Recorded by a run: 'scene' or 'vgg' (set from the encoder file). */
  encoderKind?: 'scene' | 'vgg';
  /** Recorded by a run: what the encoder was trained on. */
  source?: string;
}

export interface ResolvedTransfer extends EncoderSpec {
  target: TransferTarget;
  encoder: string;
  mode: TransferMode;
  lr: number;
  source: string;
}

const KNOWN = [
  'target',
  'encoder',
  'mode',
  'features',
  'levels',
  'vggLayer',
  'lr',
  'seed',
  'encoderKind',
  'source',
] as const;

/** The options with defaults (pure: the encoder file is read by `create`). */
export function resolveTransfer(options?: TransferOptions): ResolvedTransfer {
  const where = 'transfer';
  const o = readOptions(options, where, KNOWN);
  const encoder = o.encoder ?? '';
  if (typeof encoder !== 'string')
    throw new ArgumentError(`${where}: encoder must be a path, got ${describe(o.encoder)}`);
  const mode = choiceOption(o.mode, encoder ? 'frozen' : 'scratch', TRANSFER_MODES, 'mode', where);
  if (mode === 'scratch' && encoder)
    throw new ArgumentError(`${where}: mode 'scratch' takes no encoder (got ${encoder})`);
  if (mode !== 'scratch' && !encoder)
    throw new ArgumentError(`${where}: mode '${mode}' needs an encoder to start from`);
  const source = o.source ?? (encoder ? '' : 'none');
  if (typeof source !== 'string')
    throw new ArgumentError(`${where}: source must be a string, got ${describe(source)}`);
  return {
    target: choiceOption(o.target, 'normals', TARGET_NAMES, 'target', where),
    encoder,
    mode,
    encoderKind: choiceOption(
      o.encoderKind,
      'scene',
      ['scene', 'vgg'] as const,
      'encoderKind',
      where,
    ),
    source,
    features: intOption(o.features, 16, 'features', where),
    levels: intOption(o.levels, 2, 'levels', where),
    vggLayer: choiceOption(
      o.vggLayer,
      'relu2_2',
      Object.keys(VGG_ENCODER_LAYERS) as VggEncoderLayer[],
      'vggLayer',
      where,
    ),
    lr: numberOption(o.lr, 1e-3, 'lr', where),
    seed: intOption(o.seed, 0, 'seed', where, Number.MIN_SAFE_INTEGER),
  };
}

/** The decoder's upsamplings: the encoder's downsamplings. */
function decoderLevels(o: EncoderSpec): number {
  return o.encoderKind === 'vgg' ? VGG_ENCODER_LAYERS[o.vggLayer] : o.levels;
}

function createDecoder(o: ResolvedTransfer): ReadoutDecoder {
  return new ReadoutDecoder(
    {
      inChannels: encoderChannels(o),
      levels: decoderLevels(o),
      features: o.features,
      outChannels: TRANSFER_TASKS[o.target].channels,
    },
    rng(o.seed).fork('decoder'),
  );
}

/** The decoder's raw output: trained linear (a sigmoid or tanh would saturate and stall on the mostly-white edges). */
function rawOutput(encoder: Module, decoder: Module, images: tf.Tensor4D): tf.Tensor4D {
  return (decoder as ReadoutDecoder).forward(encode(encoder, images));
}

/** The prediction: the raw output clipped to the target's range (the truth lies inside it). */
function predict(
  encoder: Module,
  decoder: Module,
  images: tf.Tensor4D,
  target: TransferTarget,
): tf.Tensor4D {
  const { low, high } = TRANSFER_TASKS[target];
  return tf.clipByValue(rawOutput(encoder, decoder, images), low, high) as tf.Tensor4D;
}

/** A target buffer as an image in [0, 1], 3 channels (normals (n + 1) / 2, shading clipped). */
function display(x: tf.Tensor, target: TransferTarget): tf.Tensor4D {
  const { low, channels } = TRANSFER_TASKS[target];
  const unit = tf.clipByValue(low < 0 ? tf.div(tf.add(x, 1), 2) : x, 0, 1);
  return (channels === 1 ? tf.tile(unit, [1, 1, 1, 3]) : unit) as tf.Tensor4D;
}

/**
 * The encoder of a run: fresh (scratch), or read from `o.encoder` with the spec the
 * file decides (a transfer run's features and levels; VGG). Returns the config the
 * run records, so resuming with it builds the same networks.
 */
function startEncoder(o: ResolvedTransfer): { encoder: TransferEncoder; config: ResolvedTransfer } {
  if (!o.encoder) return { encoder: createEncoder(o), config: o };
  const read = readEncoderSource(o.encoder, 'transfer');
  const config: ResolvedTransfer = {
    ...o,
    ...read.spec,
    vggLayer: read.spec.vggLayer ?? o.vggLayer,
    source: o.source || read.source,
  };
  const encoder = createEncoder(config);
  try {
    const weights =
      config.encoderKind === 'vgg' ? vggWeightsUpTo(read.tensors, config.vggLayer) : read.tensors;
    encoder.loadStateDict(weights, { from: 'torch' });
  } catch (error) {
    encoder.dispose();
    throw error;
  } finally {
    for (const t of Object.values(read.tensors)) t.dispose();
  }
  return { encoder, config };
}

/** A batch of scenes: the render (display RGB in [0, 1]) and every target buffer. */
export type SceneBuffersBatch = { image: tf.Tensor4D } & Record<TransferTarget, tf.Tensor4D>;

export interface TransferHarness extends Harness<SceneBuffersBatch> {
  readonly options: ResolvedTransfer;
}

function checkBatch(
  batch: Partial<SceneBuffersBatch> | undefined,
  o: ResolvedTransfer,
  where: string,
): void {
  const image = checkImages(batch?.image, where, {
    channels: 3,
    multiple: 2 ** decoderLevels(o),
  });
  const t = checkImages(batch?.[o.target], where, {
    channels: TRANSFER_TASKS[o.target].channels,
    name: o.target,
  });
  if (t.shape.slice(0, 3).join() !== image.shape.slice(0, 3).join())
    throw new ArgumentError(
      `${where}: ${o.target} must match image's [${image.shape.slice(0, 3).join(', ')}]`,
    );
}

/**
 * The training harness: the decoder's raw output against the target buffer by mean
 * squared error (logged as `mse`). Frozen: the encoder is not among the optimizer's
 * modules and takes no gradients (its weights stay as read).
 */
function createHarness(options?: TransferOptions): TransferHarness {
  const { encoder, config: o } = startEncoder(resolveTransfer(options));
  const decoder = createDecoder(o);
  if (o.mode === 'frozen') encoder.eval().requiresGrad(false);
  const trained = o.mode === 'frozen' ? ['decoder'] : ['encoder', 'decoder'];
  const optimizer = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  return {
    name: 'transfer',
    options: o,
    config: o as unknown as JsonObject,
    modules: { encoder, decoder },
    optimizers: { net: { optimizer, modules: trained, lr: o.lr } },
    generators: ['encoder', 'decoder'],
    monitor: 'mse',
    check(batch) {
      checkBatch(batch, o, 'transfer');
    },
    step([batch], ctx) {
      const b = batch!;
      ctx.update('net', () => ({
        mse: tf.mean(
          tf.squaredDifference(rawOutput(encoder, decoder, b.image), b[o.target]),
        ) as tf.Scalar,
      }));
    },
    samples(batch, generators): SampleColumn[] {
      const p = predict(generators.encoder!, generators.decoder!, batch.image, o.target);
      const show = (t: tf.Tensor) => unitToSigned(display(t, o.target)) as tf.Tensor4D;
      return [
        { title: 'render', images: unitToSigned(batch.image) as tf.Tensor4D },
        { title: o.target, images: show(p) },
        { title: `true ${o.target}`, images: show(batch[o.target]) },
      ];
    },
    createModule(name): Module {
      return name === 'encoder' ? createEncoder(o) : createDecoder(o);
    },
    dispose() {
      optimizer.dispose();
      encoder.dispose();
      decoder.dispose();
    },
  };
}

/**
 * A trained transfer network. `predict(images)` takes renders as display RGB [N, H, W,
 * 3] in [0, 1] (sides multiples of 2^levels) and returns the target buffer in its range
 * (normals in [-1, 1], shading in [0, 2], the others in [0, 1]); `represent` the
 * encoder's representation; `apply` the target as an image in [0, 1] (what `atelier
 * task transfer apply` writes).
 */
export class TransferModel implements TaskModel {
  readonly task = 'transfer';
  readonly config: JsonObject;
  readonly options: ResolvedTransfer;
  readonly encoder: TransferEncoder;
  readonly decoder: ReadoutDecoder;

  constructor(encoder: TransferEncoder, decoder: ReadoutDecoder, options: ResolvedTransfer) {
    this.encoder = encoder.eval();
    this.decoder = decoder.eval();
    this.options = options;
    this.config = options as unknown as JsonObject;
  }

  #check(images: tf.Tensor4D, where: string): tf.Tensor4D {
    return checkImages(images, where, { channels: 3, multiple: 2 ** decoderLevels(this.options) });
  }

  predict(images: tf.Tensor4D): tf.Tensor4D {
    const x = this.#check(images, 'transfer.predict');
    return tf.tidy(() => predict(this.encoder, this.decoder, x, this.options.target));
  }

  represent(images: tf.Tensor4D): tf.Tensor4D {
    const x = this.#check(images, 'transfer.represent');
    return tf.tidy(() => encode(this.encoder, x));
  }

  apply(images: tf.Tensor4D): tf.Tensor4D {
    const x = this.#check(images, 'transfer.apply');
    return tf.tidy(() => {
      const p = predict(this.encoder, this.decoder, x, this.options.target);
      const unit = display(p, this.options.target);
      return TRANSFER_TASKS[this.options.target].channels === 1
        ? (tf.slice(unit, [0, 0, 0, 0], [-1, -1, -1, 1]) as tf.Tensor4D)
        : unit;
    });
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

function fromWeights(
  weights: Record<string, Record<string, tf.Tensor>>,
  config: JsonObject,
): TransferModel {
  for (const key of ['encoder', 'decoder'])
    if (!weights[key])
      throw new ArgumentError(
        `transfer.fromWeights: expected the weights of '${key}', got ${Object.keys(weights).join(', ') || 'none'}`,
      );
  const o = resolveTransfer(config as TransferOptions);
  const encoder = createEncoder(o);
  const decoder = createDecoder(o);
  try {
    encoder.loadStateDict(weights.encoder!, { from: 'torch' });
    decoder.loadStateDict(weights.decoder!, { from: 'torch' });
  } catch (error) {
    encoder.dispose();
    decoder.dispose();
    throw error;
  }
  return new TransferModel(encoder, decoder, o);
}

/** The fields a transfer dataset holds: the render and every buffer, with channels. */
const FIELDS = { image: 3, normals: 3, depth: 1, edges: 1, albedo: 3, shading: 3 } as const;

/**
 * The task's scenes: `synthetic.scenes` rendered once at TRANSFER_SPP samples per pixel
 * (shown as display RGB, clipped and gamma 1/2.2) with their exact buffers, kept in
 * memory (a render costs milliseconds: a run must not pay it every epoch) and handed
 * out as fresh tensors. The held-out split uses another seed.
 */
export async function transferData(options: TaskDataOptions): Promise<TaskData> {
  const where = 'transfer data';
  const spec = options.data ?? 'synthetic:scenes';
  if (spec !== 'synthetic:scenes')
    throw new ArgumentError(
      `${where}: the transfer task trains on 'synthetic:scenes' only (it has the buffers), got ${describe(spec)}`,
    );
  const split = options.split ?? 'train';
  const seed = split === 'test' ? options.seed + TEST_SEED_OFFSET : options.seed;
  const { size } = options;
  const count = options.count ?? 256;
  const scenes = synthetic.scenes({
    seed,
    size,
    count,
    range: 'unit',
    referenceSpp: TRANSFER_SPP,
    noisySpp: 1,
  });
  const stored: Record<keyof typeof FIELDS, Float32Array>[] = [];
  for (let i = 0; i < count; i++) {
    const s = (await scenes.get(i))!;
    const image = tf.tidy(() => tf.pow(tf.clipByValue(s.reference, 0, 1), 1 / 2.2));
    const kept = { image: image.dataSync() as Float32Array } as Record<
      keyof typeof FIELDS,
      Float32Array
    >;
    for (const key of TARGET_NAMES) kept[key] = s[key].dataSync() as Float32Array;
    tf.dispose([image, ...Object.values(s)]);
    stored.push(kept);
  }
  const dataset = Dataset.indexed(count, (i) => {
    const s = stored[i]!;
    const out: Record<string, tf.Tensor3D> = {};
    for (const [key, channels] of Object.entries(FIELDS))
      out[key] = tf.tensor3d(s[key as keyof typeof FIELDS], [size, size, channels]);
    return out;
  });
  return {
    dataset,
    description: { source: spec, split, size, count, seed, referenceSpp: TRANSFER_SPP },
    fills: {},
  };
}

/**
 * Transfer learning (Zamir et al., "Taskonomy", CVPR 2018) on `synthetic.scenes`: an
 * encoder-decoder from the render to one buffer (normals, depth, edges, albedo,
 * shading), trained from scratch, or from the encoder of another task's run (or a
 * torchvision VGG) kept frozen under a new decoder, or fine-tuned with it.
 */
export const transferTask: TaskDescriptor<TransferOptions, TransferHarness, TransferModel> = {
  name: 'transfer',
  summary: 'render -> a scene buffer, from scratch or from another task’s (or VGG’s) encoder',
  flags: {
    target: {
      option: 'target',
      kind: 'string',
      help: `the buffer to predict: ${TARGET_NAMES.join(', ')} (default normals)`,
    },
    encoder: {
      option: 'encoder',
      kind: 'string',
      help: 'start from a transfer run (folder or encoder.safetensors) or a torchvision VGG .pth',
    },
    mode: {
      option: 'mode',
      kind: 'string',
      help: 'scratch, frozen (only the decoder trains) or finetune (default frozen with --encoder)',
    },
    features: { option: 'features', kind: 'int', help: 'first-level feature maps (default 16)' },
    levels: { option: 'levels', kind: 'int', help: 'stride-2 encoder levels (default 2)' },
    'vgg-layer': {
      option: 'vggLayer',
      kind: 'string',
      help: 'VGG layer the decoder reads: relu1_2, relu2_2 (default), relu3_3',
    },
    lr: { option: 'lr', kind: 'number', help: 'Adam learning rate (default 1e-3)' },
  },
  defaults: { data: 'synthetic:scenes', size: 32, steps: 1000, batch: 16 },
  sizeMultiple: 8,
  exported: ['encoder', 'decoder'],
  data: transferData,
  create: createHarness,
  fromWeights,
};

const functions = taskFunctions(transferTask);
/** Trains a transfer network (see `transferTask`). */
export const trainTransfer = functions.train;
/** The network of a finished transfer run (its folder). */
export const loadTransfer = functions.load;
