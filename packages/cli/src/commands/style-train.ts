import { init, shutdown } from '@atelier/core';
import { trainTransformer } from '@atelier/style';
import { UsageError } from '../errors.js';
import { parse } from './command.js';
import { backendFlag, choiceFlag, intFlag, numberFlag } from './flags.js';
import { featureNetwork, readRgb } from './style-args.js';
import { styleProgress } from './style-progress.js';

export const styleTrainUsage =
  'atelier style train --style s.png --out DIR [--data ./images|synthetic] [--vgg vgg16.safetensors] ' +
  '[--epochs 2 | --steps N] [--batch 4] [--size 256] [--style-size N] [--lr 1e-3] [--content-weight X] ' +
  '[--style-weight X] [--checkpoint-every 2000] [--resume] [--synthetic-count 128] [--backend ...] [--seed 42]';

/** `atelier style train`: Johnson et al.'s feed-forward network for one style. */
export async function styleTrainCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    style: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    vgg: { type: 'string' },
    'vgg-preprocessing': { type: 'string' },
    epochs: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    size: { type: 'string' },
    'style-size': { type: 'string' },
    lr: { type: 'string' },
    'content-weight': { type: 'string' },
    'style-weight': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'synthetic-count': { type: 'string' },
    resume: { type: 'boolean' },
    backend: { type: 'string' },
    seed: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const stylePath = values.style as string | undefined;
  const out = values.out as string | undefined;
  if (!stylePath) throw new UsageError('--style s.png is required');
  if (!out)
    throw new UsageError(
      '--out DIR is required (checkpoint.safetensors and model.safetensors go there)',
    );
  if (values.steps !== undefined && values.epochs !== undefined) {
    throw new UsageError('give --steps or --epochs, not both');
  }
  const seed = intFlag('seed', values.seed, 0) ?? 42;
  const preprocessing = choiceFlag('vgg-preprocessing', values['vgg-preprocessing'], [
    'torchvision',
    'caffe',
  ] as const);
  const options = {
    ...(values.epochs ? { epochs: intFlag('epochs', values.epochs) } : {}),
    ...(values.steps ? { steps: intFlag('steps', values.steps) } : {}),
    ...(values.batch ? { batch: intFlag('batch', values.batch) } : {}),
    ...(values.size ? { size: intFlag('size', values.size, 16) } : {}),
    ...(values['style-size'] ? { styleSize: intFlag('style-size', values['style-size'], 8) } : {}),
    ...(values.lr ? { learningRate: numberFlag('lr', values.lr, { min: 0 }) } : {}),
    ...(values['content-weight']
      ? { contentWeight: numberFlag('content-weight', values['content-weight'], { min: 0 }) }
      : {}),
    ...(values['style-weight']
      ? { styleWeight: numberFlag('style-weight', values['style-weight'], { min: 0 }) }
      : {}),
    ...(values['checkpoint-every']
      ? { checkpointEvery: intFlag('checkpoint-every', values['checkpoint-every'], 0) }
      : {}),
    ...(values['synthetic-count']
      ? { syntheticCount: intFlag('synthetic-count', values['synthetic-count']) }
      : {}),
  };
  const backend = backendFlag(values.backend);
  const info = await init({ backend });
  const network = await featureNetwork({
    ...(values.vgg ? { vgg: values.vgg as string } : {}),
    ...(preprocessing ? { preprocessing } : {}),
    seed,
  });
  const style = await readRgb(stylePath);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = styleProgress();
  try {
    process.stderr.write(
      `atelier style train: ${info.name} backend; ${network.kind} features; data ${values.data ?? 'synthetic'}\n`,
    );
    const result = await trainTransformer({
      style,
      network,
      data: (values.data as string | undefined) ?? 'synthetic',
      out,
      seed,
      resume: values.resume === true,
      signal: controller.signal,
      ...options,
      onProgress: (p) => {
        if (p.phase === 'step') {
          bar.update({
            done: p.step,
            total: p.totalSteps,
            unit: 'step',
            label: `epoch ${p.epoch + 1}`,
            terms: { content: p.losses.content, style: p.losses.style },
          });
        }
      },
    });
    bar.done();
    result.net.dispose();
    process.stderr.write(
      result.status === 'finished'
        ? `atelier style train: ${result.step} steps; wrote ${result.model} (run it: atelier style run --model ${result.model} in.png out.png)\n`
        : `atelier style train: interrupted at step ${result.step}; the checkpoint is in ${out} (continue with --resume)\n`,
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    style.dispose();
    network.dispose();
    await shutdown();
  }
}
