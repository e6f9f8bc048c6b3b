import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { init, shutdown, writeImage } from '@atelier/core';
import { loadTransformer, stylizeVideo } from '@atelier/style';
import { UsageError } from '../errors.js';
import { parse } from './registry.js';
import {
  backendFlag,
  choiceFlag,
  featureNetwork,
  intFlag,
  numberFlag,
  readRgb,
} from './style-args.js';
import { styleProgress } from './style-progress.js';

export const styleVideoUsage =
  'atelier style video --frames DIR --out DIR (--style s.png | --model m.safetensors) [--flow DIR (backward_t_t-1.flo, forward_t-1_t.flo)] ' +
  '[--size N] [--iterations N] [--first-iterations N] [--temporal-weight X] [--smoothing A] [--vgg w.safetensors] ' +
  '[--preserve-colors luminance|histogram|original] [--backend ...] [--seed N]';

/** `atelier style video`: a folder of frames to a folder of stylised frames. */
export async function styleVideoCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    frames: { type: 'string' },
    out: { type: 'string' },
    flow: { type: 'string' },
    style: { type: 'string' },
    model: { type: 'string' },
    vgg: { type: 'string' },
    size: { type: 'string' },
    iterations: { type: 'string' },
    'first-iterations': { type: 'string' },
    'temporal-weight': { type: 'string' },
    smoothing: { type: 'string' },
    'style-weight': { type: 'string' },
    'content-weight': { type: 'string' },
    'preserve-colors': { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const frames = values.frames as string | undefined;
  const out = values.out as string | undefined;
  if (!frames)
    throw new UsageError('--frames DIR is required (numbered images: frame_0001.png, ...)');
  if (!out) throw new UsageError('--out DIR is required');
  const model = values.model as string | undefined;
  const stylePath = values.style as string | undefined;
  if (!model && !stylePath)
    throw new UsageError(
      'give --style s.png (optimisation) or --model m.safetensors (feed-forward)',
    );
  if (model && stylePath) throw new UsageError('give --style or --model, not both');
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  const preserve = choiceFlag('preserve-colors', values['preserve-colors'], [
    'luminance',
    'histogram',
    'original',
  ] as const);
  const options = {
    ...(values.size ? { size: intFlag('size', values.size, 8) } : {}),
    ...(values.iterations ? { iterations: intFlag('iterations', values.iterations, 0) } : {}),
    ...(values['first-iterations']
      ? { firstIterations: intFlag('first-iterations', values['first-iterations'], 0) }
      : {}),
    ...(values['temporal-weight']
      ? { temporalWeight: numberFlag('temporal-weight', values['temporal-weight'], 0) }
      : {}),
    ...(values.smoothing ? { smoothing: numberFlag('smoothing', values.smoothing, 0) } : {}),
    ...(values['style-weight']
      ? { styleWeight: numberFlag('style-weight', values['style-weight'], 0) }
      : {}),
    ...(values['content-weight']
      ? { contentWeight: numberFlag('content-weight', values['content-weight'], 0) }
      : {}),
    ...(preserve ? { preserveColors: preserve } : {}),
  };
  await init({ backend: backendFlag(values.backend) });
  await mkdir(out, { recursive: true });
  const net = model ? await loadTransformer(model) : undefined;
  const network = net
    ? undefined
    : await featureNetwork({ ...(values.vgg ? { vgg: values.vgg as string } : {}), seed });
  const style = stylePath ? await readRgb(stylePath) : undefined;
  const bar = styleProgress();
  try {
    const result = await stylizeVideo(frames, {
      ...(values.flow ? { flowDir: values.flow as string } : {}),
      styles: style ? [{ image: style }] : [],
      ...(net ? { model: net } : {}),
      ...(network ? { network } : {}),
      seed,
      ...options,
      onProgress: (p) =>
        bar.update({
          done: p.iteration,
          total: p.total,
          unit: 'it',
          label: `frame ${p.frame + 1}`,
          terms: { content: p.losses.content, style: p.losses.style, temporal: p.losses.temporal },
        }),
      onFrame: async ({ index, image }) => {
        const path = join(out, `frame_${String(index + 1).padStart(4, '0')}.png`);
        await writeImage(path, image);
        if (net) bar.update({ done: index + 1, total: index + 1, unit: 'frame', terms: {} });
      },
    });
    bar.done();
    process.stderr.write(`atelier style video: wrote ${result.frames} frames to ${out}\n`);
  } finally {
    style?.dispose();
    net?.dispose();
    network?.dispose();
    await shutdown();
  }
}
