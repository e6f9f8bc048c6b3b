import { mkdir } from 'node:fs/promises';
import {
  ArgumentError,
  BACKEND_NAMES,
  type BackendChoice,
  checkFiniteWeights,
  convertChannels,
  errorWithName,
  FormatError,
  fromSigned,
  init,
  type Module,
  readImage,
  readWeightsFile,
  rng,
  shutdown,
  tf,
  toSigned,
  writeImage,
} from '@atelier/core';
import { resize } from '@atelier/datasets';
import {
  createGenerator,
  type GeneratorSpec,
  type NetG,
  parseNetG,
  sizeMultiple,
} from '@atelier/gan';
import { createOnnxSession, type OnnxSession } from '@atelier/onnx';
import { UsageError } from '../errors.js';
import { translateOutputPaths } from '../output-paths.js';
import {
  checkGeneratorFits,
  MAX_TRANSLATE_SIZE,
  parseExportedConfig,
} from './generator-weights.js';
import { type Command, parse } from './registry.js';
import { engineFlag } from './style-args.js';
import { frankenganConfig, translateFrankenGan } from './translate-chain.js';
import { isBicycleRun, multimodalFlags, translateMultimodal } from './translate-multimodal.js';

export const translateUsage =
  'atelier translate --weights <G.safetensors|latest_net_G.pth> [--net unet_256|unet_128|resnet_9blocks|resnet_6blocks] ' +
  '[--norm batch|instance|none] [--ngf 64] [--in-channels 3] [--out-channels 3] [--dropout|--no-dropout] ' +
  '[--size 256] [--eval] [--out DIR] [--backend auto|webgpu|wasm|cpu] [--engine tfjs|onnxruntime (with --eval)] <images...>\n' +
  '  BicycleGAN runs (a run folder or its G.safetensors): [--samples K] [--seed S] [--style ref.png] [--strip N]: ' +
  'K outputs from random z, the z of a reference photo, an interpolation strip of N images between two z';

export interface TranslateOptions {
  weights: string;
  /** Generator architecture; read from the weights' metadata when they come from `atelier train`. */
  net?: NetG;
  norm?: GeneratorSpec['norm'];
  ngf?: number;
  inChannels?: number;
  outChannels?: number;
  dropout?: boolean;
  /** Side the images are resized to (bicubic); default 256 or the trained size. */
  size?: number;
  /** Batch norm from running statistics and no dropout (junyanz's --eval); default off, as junyanz's test.py. */
  eval?: boolean;
  /** Output folder (default: beside each input). */
  out?: string;
  /** 'onnxruntime' runs the generator natively (an ONNX export: eval mode only). Default 'tfjs'. */
  engine?: 'tfjs' | 'onnxruntime';
}

/**
 * Reads `--weights` (safetensors or .pth, every error naming the file) and refuses
 * weights holding NaN or infinities, which would otherwise surface as an image that
 * cannot be encoded.
 */
export async function readWeights(
  path: string,
): Promise<{ tensors: Record<string, tf.Tensor>; metadata: Record<string, string> }> {
  let content: Awaited<ReturnType<typeof readWeightsFile>>;
  try {
    content = await readWeightsFile(path);
  } catch (error) {
    if (error instanceof ArgumentError && error.cause instanceof Error) {
      throw new UsageError(`cannot read --weights '${path}': ${error.cause.message}`);
    }
    throw error;
  }
  const { tensors, metadata } = content;
  try {
    if (metadata.layout !== undefined && metadata.layout !== 'torch') {
      throw new ArgumentError(
        `${path}: weights in layout '${metadata.layout}'; translate reads PyTorch-layout files (atelier convert, atelier train)`,
      );
    }
    checkFiniteWeights(tensors, path);
  } catch (error) {
    tf.dispose(Object.values(tensors));
    throw error;
  }
  return { tensors, metadata };
}

/**
 * Runs a trained pix2pix or CycleGAN generator over images: one from `atelier train`
 * (its architecture comes with it) or junyanz's pretrained `latest_net_G.pth` (as is, or
 * converted with `atelier convert`; give --net and, if not the default, --norm). Each
 * output is written as `<name>_fake.png`. Returns the files written.
 */
/** A generator built and loaded from junyanz- or atelier-train-style weights, and its input size. */
export interface LoadedGenerator {
  G: Module;
  spec: GeneratorSpec;
  size: number;
}

/**
 * Builds the generator the weights describe (their `atelier train` metadata, or the
 * options: --net, --norm, ... for junyanz's files) and loads them into it.
 */
export function buildGenerator(
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string>,
  options: Omit<TranslateOptions, 'weights' | 'out'>,
  command = 'translate',
  source = 'the weights',
): LoadedGenerator {
  let G: Module | undefined;
  try {
    const saved = parseExportedConfig(metadata['atelier.config'], source);
    const module = metadata['atelier.module'];
    const net = options.net ?? saved.netG;
    if (!net)
      throw new UsageError(
        '--net is required for weights not written by atelier train (e.g. --net unet_256 for pix2pix, resnet_9blocks for CycleGAN)',
      );
    let parsed: ReturnType<typeof parseNetG>;
    try {
      parsed = parseNetG(net, command);
    } catch (error) {
      // A name from the file's metadata is the file's fault, not the command line's.
      if (options.net === undefined)
        throw new FormatError(`${source}: ${(error as Error).message}`);
      throw error;
    }
    // pix2pix's G maps inChannels to outChannels (direction only swaps the data);
    // CycleGAN's G_A maps A to B and G_B the other way.
    const cycle =
      module === 'G_B' ? [saved.channelsB, saved.channelsA] : [saved.channelsA, saved.channelsB];
    const spec: GeneratorSpec = {
      netG: net,
      inChannels: options.inChannels ?? saved.inChannels ?? cycle[0] ?? 3,
      outChannels: options.outChannels ?? saved.outChannels ?? cycle[1] ?? 3,
      ngf: options.ngf ?? saved.ngf ?? 64,
      norm:
        options.norm ??
        saved.G?.norm ??
        saved.norm ??
        (parsed.kind === 'unet' ? 'batch' : 'instance'),
      dropout: options.dropout ?? saved.dropout ?? parsed.kind === 'unet',
      initType: 'normal',
      initGain: 0.02,
    };
    checkGeneratorFits(
      tensors,
      {
        netG: net,
        kind: parsed.kind,
        depth: parsed.kind === 'unet' ? parsed.numDowns : parsed.nBlocks,
        ngf: spec.ngf,
        inChannels: spec.inChannels,
        outChannels: spec.outChannels,
      },
      source,
    );
    G = createGenerator(spec, rng(0));
    try {
      G.loadStateDict(tensors, { from: 'torch' });
    } catch (error) {
      throw errorWithName(error, source);
    }
    if (options.eval) G.eval();
    const size =
      options.size ?? saved.size ?? (parsed.kind === 'unet' ? 2 ** parsed.numDowns : 256);
    if (size % sizeMultiple(parsed) !== 0) {
      throw new UsageError(
        `--size ${size} must be a multiple of ${sizeMultiple(parsed)} for ${net}`,
      );
    }
    return { G, spec, size };
  } catch (error) {
    G?.dispose();
    throw error;
  }
}

export async function translate(inputs: string[], options: TranslateOptions): Promise<string[]> {
  if (inputs.length === 0) throw new UsageError('expected at least one input image');
  if (options.engine === 'onnxruntime' && !options.eval) {
    throw new UsageError(
      '--engine onnxruntime needs --eval: an ONNX export runs batch norm on its running statistics, without dropout',
    );
  }
  const paths = await translateOutputPaths(inputs, options.out);
  const { tensors, metadata } = await readWeights(options.weights);
  let G: Module | undefined;
  let session: OnnxSession | undefined;
  try {
    const built = buildGenerator(tensors, metadata, options, 'translate', options.weights);
    G = built.G;
    const { spec, size } = built;
    if (options.engine === 'onnxruntime') session = await createOnnxSession(G);
    const written: string[] = [];
    if (options.out) await mkdir(options.out, { recursive: true });
    for (const [index, input] of inputs.entries()) {
      const image = await readImage(input);
      let fake: tf.Tensor3D;
      try {
        const [h, w, c] = image.shape;
        const pixels = { data: image.dataSync() as Float32Array, height: h, width: w, channels: c };
        const resized =
          h === size && w === size
            ? pixels
            : resize(pixels, size, size, { interpolation: 'bicubic', clampTo: 255, round: true });
        const x = tf.tidy(() =>
          tf.expandDims(
            toSigned(
              convertChannels(
                tf.tensor3d(resized.data, [size, size, resized.channels]),
                spec.inChannels as 1 | 3 | 4,
              ),
            ),
            0,
          ),
        );
        const y = session
          ? ((await session.run(x)) as tf.Tensor4D)
          : tf.tidy(() => G!.forward(x) as tf.Tensor4D);
        fake = tf.tidy(() => fromSigned(tf.squeeze(y, [0])) as tf.Tensor3D);
        tf.dispose([x, y]);
      } finally {
        image.dispose();
      }
      const path = paths[index]!;
      try {
        await writeImage(path, fake);
      } finally {
        fake.dispose();
      }
      written.push(path);
    }
    return written;
  } finally {
    await session?.dispose();
    tf.dispose(Object.values(tensors));
    G?.dispose();
  }
}

export const translateCommand: Command = {
  summary:
    'run a trained pix2pix/CycleGAN generator (atelier train output or junyanz .pth) over images',
  usage: translateUsage,
  async run(args) {
    const { values, positionals } = parse(args, {
      weights: { type: 'string' },
      net: { type: 'string' },
      norm: { type: 'string' },
      ngf: { type: 'string' },
      'in-channels': { type: 'string' },
      'out-channels': { type: 'string' },
      dropout: { type: 'boolean' },
      'no-dropout': { type: 'boolean' },
      size: { type: 'string' },
      eval: { type: 'boolean' },
      engine: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      samples: { type: 'string' },
      seed: { type: 'string' },
      style: { type: 'string' },
      strip: { type: 'string' },
    });
    if (!values.weights) throw new UsageError('--weights is required');
    const int = (flag: string) => {
      const v = values[flag];
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1)
        throw new UsageError(`--${flag}: expected a positive integer, got '${v}'`);
      return n;
    };
    const norm = values.norm as string | undefined;
    if (norm !== undefined && !['batch', 'instance', 'none'].includes(norm)) {
      throw new UsageError(`--norm: expected batch, instance or none, got '${norm}'`);
    }
    const backend = (values.backend as string | undefined) ?? 'auto';
    if (backend !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
      throw new UsageError(
        `--backend: expected auto, ${BACKEND_NAMES.join(', ')}, got '${backend}'`,
      );
    }
    const options: TranslateOptions = { weights: values.weights as string };
    if (values.net !== undefined) options.net = values.net as NetG;
    if (norm !== undefined) options.norm = norm as GeneratorSpec['norm'];
    if (values.dropout) options.dropout = true;
    if (values['no-dropout']) options.dropout = false;
    if (values.eval) options.eval = true;
    if (values.engine !== undefined) options.engine = engineFlag(values.engine);
    if (values.out !== undefined) options.out = values.out as string;
    const ngf = int('ngf');
    if (ngf !== undefined) options.ngf = ngf;
    const inChannels = int('in-channels');
    if (inChannels !== undefined) options.inChannels = inChannels;
    const outChannels = int('out-channels');
    if (outChannels !== undefined) options.outChannels = outChannels;
    const size = int('size');
    if (size !== undefined && size > MAX_TRANSLATE_SIZE) {
      throw new UsageError(`--size: at most ${MAX_TRANSLATE_SIZE}, got ${size}`);
    }
    if (size !== undefined) options.size = size;
    const flags = multimodalFlags(values);
    await init({ backend: backend as BackendChoice });
    try {
      const franken = await frankenganConfig(options.weights);
      // A bicyclegan run samples one random z unless told otherwise.
      const multimodal =
        franken || flags ? flags : (await isBicycleRun(options.weights)) ? {} : undefined;
      const written = franken
        ? await translateFrankenGan(positionals, {
            weights: options.weights,
            options: franken,
            ...(options.out !== undefined ? { out: options.out } : {}),
            ...(flags?.style !== undefined ? { style: flags.style } : {}),
          })
        : multimodal
          ? await translateMultimodal(positionals, {
              ...multimodal,
              weights: options.weights,
              ...(options.out !== undefined ? { out: options.out } : {}),
              ...(options.eval ? { eval: true } : {}),
            })
          : await translate(positionals, options);
      for (const path of written) console.log(path);
    } finally {
      await shutdown();
    }
  },
};
