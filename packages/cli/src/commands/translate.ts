import { mkdir } from 'node:fs/promises';
import {
  convertChannels,
  fromSigned,
  init,
  type Module,
  readImage,
  shutdown,
  tf,
  toSigned,
  writeImage,
} from '@atelier/core';
import { resize } from '@atelier/datasets';
import type { NetG } from '@atelier/gan';
import { createOnnxSession, type OnnxSession } from '@atelier/onnx';
import { UsageError } from '../errors.js';
import { translateOutputPaths } from '../output-paths.js';
import { type Command, parse } from './command.js';
import { backendFlag, choiceFlag, engineFlag, intFlag } from './flags.js';
import { MAX_TRANSLATE_SIZE } from './generator-weights.js';
import { buildGenerator, type GeneratorOptions, readWeights } from './load-generator.js';
import { frankenganConfig, translateFrankenGan } from './translate-chain.js';
import { isBicycleRun, multimodalFlags, translateMultimodal } from './translate-multimodal.js';

export const translateUsage =
  'atelier translate --weights <G.safetensors|latest_net_G.pth> [--net unet_256|unet_128|resnet_9blocks|resnet_6blocks] ' +
  '[--norm batch|instance|none] [--ngf 64] [--in-channels 3] [--out-channels 3] [--dropout|--no-dropout] ' +
  '[--size 256] [--eval] [--out DIR] [--backend auto|webgpu|wasm|cpu] [--engine tfjs|onnxruntime (with --eval)] <images...>\n' +
  '  BicycleGAN runs (a run folder or its G.safetensors): [--samples K] [--seed S] [--style ref.png] [--strip N]: ' +
  'K outputs from random z, the z of a reference photo, an interpolation strip of N images between two z\n' +
  "  FrankenGAN runs (a run folder): every stage per input; [--samples K] [--seed S] draw each stage's z, " +
  "[--style pair.png] (label map | photo side by side) pins every stage's style to that facade";

export interface TranslateOptions extends GeneratorOptions {
  weights: string;
  /** Output folder (default: beside each input). */
  out?: string;
  /** 'onnxruntime' runs the generator natively (an ONNX export: eval mode only). Default 'tfjs'. */
  engine?: 'tfjs' | 'onnxruntime';
}

/**
 * Runs a trained pix2pix or CycleGAN generator over images: one from `atelier train`
 * (its architecture comes with it) or junyanz's pretrained `latest_net_G.pth` (as is, or
 * converted with `atelier convert`; give --net and, if not the default, --norm). Each
 * output is written as `<name>_fake.png`. Returns the files written.
 */
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
    const int = (flag: string) => intFlag(flag, values[flag]);
    const norm = choiceFlag('norm', values.norm, ['batch', 'instance', 'none'] as const);
    const backend = backendFlag(values.backend);
    const options: TranslateOptions = { weights: values.weights as string };
    if (values.net !== undefined) options.net = values.net as NetG;
    if (norm !== undefined) options.norm = norm;
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
    await init({ backend });
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
            ...flags,
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
