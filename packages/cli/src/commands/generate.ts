import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { init, shutdown, tf, writeImage } from '@atelier/core';
import { CAPTION_DIM, captionEncoder, openStackGanRun } from '@atelier/gan';
import { UsageError } from '../errors.js';
import { type Command, parse } from './command.js';
import { backendFlag, intFlag } from './flags.js';

export const generateUsage =
  'atelier generate --weights <stackgan run> --caption "a red cube" [--samples 4] [--seed 0] [--backend auto|wasm|cpu] --out <dir>';

/**
 * `atelier generate`: K images for a caption from a trained StackGAN run (stage II's
 * images for a stage-2 run, stage I's for a stage-1 run), the caption embedded by the
 * package's caption encoder; written as <out>/sample-<k>.png.
 */
export async function generateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    weights: { type: 'string' },
    caption: { type: 'string' },
    samples: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const weights = values.weights as string | undefined;
  const caption = values.caption as string | undefined;
  const out = values.out as string | undefined;
  if (!weights) throw new UsageError('--weights <run folder> is required');
  if (!caption) throw new UsageError('--caption "..." is required');
  if (!out) throw new UsageError('--out <dir> is required');
  const samples = intFlag('samples', values.samples) ?? 4;
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  await init({ backend: backendFlag(values.backend ?? 'auto') });
  const harness = await openStackGanRun(weights);
  try {
    if (harness.options.textDim !== CAPTION_DIM) {
      throw new UsageError(
        `${weights} was trained on ${harness.options.textDim}-value embeddings, not the caption encoder's ${CAPTION_DIM}: captions cannot be embedded for it`,
      );
    }
    const row = captionEncoder({ dim: CAPTION_DIM, seed: 0 }).encode(caption);
    const text = tf.tidy(() => tf.tile(tf.tensor2d(row, [1, CAPTION_DIM]), [samples, 1]));
    const { low, high } = harness.generate(text, seed);
    text.dispose();
    const images = high ?? low;
    if (high) low.dispose();
    await mkdir(out, { recursive: true });
    try {
      for (let k = 0; k < samples; k++) {
        const image = tf.tidy(() =>
          tf.clipByValue(tf.mul(tf.add(tf.squeeze(tf.slice(images, k, 1), [0]), 1), 127.5), 0, 255),
        ) as tf.Tensor3D;
        await writeImage(join(out, `sample-${k}.png`), image);
        image.dispose();
      }
    } finally {
      images.dispose();
    }
    process.stderr.write(`atelier generate: ${samples} images of "${caption}" in ${out}\n`);
  } finally {
    harness.dispose();
    await shutdown();
  }
}

export const generateCommandEntry: Command = {
  summary: 'images for a caption from a trained StackGAN run',
  usage: generateUsage,
  run: generateCommand,
};
