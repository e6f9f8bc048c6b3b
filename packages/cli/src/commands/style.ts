import { extname } from 'node:path';
import { init, readImage, shutdown, tf, writeImage } from '@atelier/core';
import {
  COLOR_MATCH_MODES,
  LUMINANCE_MATCH_MODES,
  PRESERVE_COLORS,
  type StyleImage,
  stylize,
} from '@atelier/style';
import { UsageError } from '../errors.js';
import { type Command, parse } from './command.js';
import {
  backendFlag,
  choiceFlag,
  engineFlag,
  intFlag,
  listFlag,
  numberFlag,
  numberList,
} from './flags.js';
import { featureNetwork, readRgb } from './style-args.js';
import { styleProgress } from './style-progress.js';
import { styleRunCommand, styleRunUsage } from './style-run.js';
import { styleTrainCommand, styleTrainUsage } from './style-train.js';
import { styleVideoCommand, styleVideoUsage } from './style-video.js';

export const styleUsage = [
  'atelier style --content a.png --style b.png [--style c.png --blend 0.7,0.3] --out out.png',
  '    [--preserve-colors luminance|histogram|original] [--mask m1.png,m2.png (one region per style)]',
  '    [--vgg weights.safetensors|.pth [--vgg-preprocessing torchvision|caffe] [--preset neural-style|gatys|johnson]]',
  '    [--size N] [--iterations N] [--scales 0.5,1] [--optimizer lbfgs|adam] [--learning-rate X]',
  '    [--content-weight X] [--style-weight X] [--tv-weight X] [--style-scale X] [--init content|random|image]',
  '    [--init-image p.png] [--pooling max|avg] [--normalize-gradients] [--save-every N] [--backend auto|webgpu|wasm|cpu] [--seed N]',
  '    [--engine tfjs|onnxruntime (loss and gradient traced once, run natively on the CPU)]',
  `  ${styleTrainUsage}`,
  `  ${styleRunUsage}`,
  `  ${styleVideoUsage}`,
].join('\n');

/** out.png -> out_100.png: neural-style's -save_iter names. */
function iterationPath(out: string, iteration: number): string {
  const ext = extname(out);
  return `${out.slice(0, out.length - ext.length)}_${iteration}${ext}`;
}

/** `atelier style ...`: Gatys et al.'s optimisation, one image. */
export async function styleImageCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    content: { type: 'string' },
    style: { type: 'string', multiple: true },
    blend: { type: 'string' },
    'preserve-colors': { type: 'string' },
    'luminance-match': { type: 'string' },
    'color-match': { type: 'string' },
    mask: { type: 'string', multiple: true },
    vgg: { type: 'string' },
    'vgg-preprocessing': { type: 'string' },
    preset: { type: 'string' },
    size: { type: 'string' },
    iterations: { type: 'string' },
    scales: { type: 'string' },
    optimizer: { type: 'string' },
    'learning-rate': { type: 'string' },
    'content-weight': { type: 'string' },
    'style-weight': { type: 'string' },
    'tv-weight': { type: 'string' },
    'style-scale': { type: 'string' },
    init: { type: 'string' },
    'init-image': { type: 'string' },
    pooling: { type: 'string' },
    'normalize-gradients': { type: 'boolean' },
    'save-every': { type: 'string' },
    backend: { type: 'string' },
    engine: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const content = values.content as string | undefined;
  const styles = listFlag(values.style);
  const out = values.out as string | undefined;
  if (!content) throw new UsageError('--content a.png is required');
  if (styles.length === 0)
    throw new UsageError('--style b.png is required (repeat it for several)');
  if (!out) throw new UsageError('--out out.png is required');
  const blend = numberList('blend', values.blend);
  if (blend && blend.length !== styles.length) {
    throw new UsageError(
      `--blend: expected ${styles.length} weights (one per --style), got ${blend.length}`,
    );
  }
  const masks = listFlag(values.mask);
  if (masks.length > 0 && masks.length !== styles.length) {
    throw new UsageError(
      `--mask: expected ${styles.length} masks (one region per --style), got ${masks.length}`,
    );
  }
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  const saveEvery = intFlag('save-every', values['save-every'], 0) ?? 0;
  const scales = numberList('scales', values.scales);
  const preserve = choiceFlag('preserve-colors', values['preserve-colors'], PRESERVE_COLORS);
  const options = {
    ...(preserve ? { preserveColors: preserve } : {}),
    ...(values['luminance-match']
      ? {
          luminanceMatch: choiceFlag(
            'luminance-match',
            values['luminance-match'],
            LUMINANCE_MATCH_MODES,
          ),
        }
      : {}),
    ...(values['color-match']
      ? { colorMatch: choiceFlag('color-match', values['color-match'], COLOR_MATCH_MODES) }
      : {}),
    ...(values.preset ? { preset: values.preset as string } : {}),
    ...(values.size ? { size: intFlag('size', values.size, 8) } : {}),
    ...(values.iterations ? { iterations: intFlag('iterations', values.iterations, 0) } : {}),
    ...(scales ? { scales } : {}),
    ...(values.optimizer
      ? { optimizer: choiceFlag('optimizer', values.optimizer, ['lbfgs', 'adam'] as const) }
      : {}),
    ...(values['learning-rate']
      ? { learningRate: numberFlag('learning-rate', values['learning-rate'], { min: 0 }) }
      : {}),
    ...(values['content-weight']
      ? { contentWeight: numberFlag('content-weight', values['content-weight'], { min: 0 }) }
      : {}),
    ...(values['style-weight']
      ? { styleWeight: numberFlag('style-weight', values['style-weight'], { min: 0 }) }
      : {}),
    ...(values['tv-weight']
      ? { tvWeight: numberFlag('tv-weight', values['tv-weight'], { min: 0 }) }
      : {}),
    ...(values['style-scale']
      ? { styleScale: numberFlag('style-scale', values['style-scale'], { min: 0 }) }
      : {}),
    ...(values.init
      ? { init: choiceFlag('init', values.init, ['content', 'random', 'image'] as const) }
      : {}),
    ...(values.pooling
      ? { pooling: choiceFlag('pooling', values.pooling, ['max', 'avg'] as const) }
      : {}),
    ...(values['normalize-gradients'] ? { normalizeGradients: true } : {}),
    engine: engineFlag(values.engine),
  };
  if (options.init === 'image' && !values['init-image'])
    throw new UsageError('--init image needs --init-image p.png');
  const preprocessing = choiceFlag('vgg-preprocessing', values['vgg-preprocessing'], [
    'torchvision',
    'caffe',
  ] as const);
  const backend = backendFlag(values.backend);
  const info = await init({ backend });
  const held: tf.Tensor[] = [];
  const network = await featureNetwork({
    ...(values.vgg ? { vgg: values.vgg as string } : {}),
    ...(preprocessing ? { preprocessing } : {}),
    seed,
  });
  const bar = styleProgress();
  try {
    const contentImage = await readRgb(content);
    held.push(contentImage);
    const styleImages: StyleImage[] = [];
    for (let i = 0; i < styles.length; i++) {
      const image = await readRgb(styles[i]!);
      held.push(image);
      const entry: StyleImage = { image, ...(blend ? { weight: blend[i]! } : {}) };
      if (masks.length > 0) {
        const raw = await readImage(masks[i]!, { channels: 1 });
        // Regions are painted at any size: brought to the content's.
        const region = tf.tidy(() =>
          tf.squeeze(
            tf.image.resizeBilinear(
              tf.expandDims(raw, 0) as tf.Tensor4D,
              [contentImage.shape[0], contentImage.shape[1]],
              false,
              true,
            ),
            [0],
          ),
        );
        raw.dispose();
        held.push(region);
        entry.region = region;
      }
      styleImages.push(entry);
    }
    const initImage = values['init-image']
      ? await readRgb(values['init-image'] as string)
      : undefined;
    if (initImage) held.push(initImage);
    process.stderr.write(
      `atelier style: ${info.name} backend${options.engine === 'onnxruntime' ? ' (tracing; onnxruntime evaluates)' : ''}; ${network.kind} features${network.kind === 'random-multiscale' ? ' (the embedded default; pass --vgg for VGG weights)' : ''}\n`,
    );
    const pending: Promise<void>[] = [];
    const result = await stylize({
      content: contentImage,
      styles: styleImages,
      network,
      seed,
      ...options,
      ...(initImage ? { initImage } : {}),
      ...(saveEvery > 0 ? { imageEvery: saveEvery } : {}),
      onProgress: (p) => {
        bar.update({
          done: p.iteration,
          total: p.total,
          unit: 'it',
          ...(p.passes > 1 ? { label: `pass ${p.pass + 1}/${p.passes}` } : {}),
          terms: { content: p.losses.content, style: p.losses.style, tv: p.losses.tv },
        });
        if (p.image) {
          const copy = tf.clone(p.image);
          pending.push(
            writeImage(iterationPath(out, p.iteration), copy).finally(() => copy.dispose()),
          );
        }
      },
    });
    bar.done();
    await Promise.all(pending);
    await writeImage(out, result.image);
    result.image.dispose();
    process.stderr.write(
      `atelier style: wrote ${out} (${result.iterations} iterations; content ${result.losses.content.toPrecision(3)}, style ${result.losses.style.toPrecision(3)})\n`,
    );
  } finally {
    tf.dispose(held);
    network.dispose();
    await shutdown();
  }
}

export const styleCommand: Command = {
  summary: 'style transfer: Gatys optimisation (default), or train / run / video',
  usage: styleUsage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'train') return styleTrainCommand(rest);
    if (sub === 'run') return styleRunCommand(rest);
    if (sub === 'video') return styleVideoCommand(rest);
    return styleImageCommand(args);
  },
};
