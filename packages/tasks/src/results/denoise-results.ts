import { tf } from '@atelier/core';
import { psnr, ssim } from '@atelier/losses';
import { gaussianBlur, tuneGaussianBlur } from '../baselines/gaussian-blur.js';
import { stackField } from '../data/stack-field.js';
import { addNoise, denoiseTask, trainDenoiser } from '../tasks/denoise.js';
import type { ResultRow, TaskResults } from './result-row.js';

const SIZE = 32;
const SIGMA = 25;
const TRAIN = 1024;
const HELD_OUT = 128;
const DEPTH = 17;
const FEATURES = 32;
const BATCH = 8;
const MAX_STEPS = 2000;
const MAX_SECONDS = 1200;
/** Seeds of the fixed noise on the tuning and held-out images. */
const TUNE_NOISE = 101;
const TEST_NOISE = 202;

/** Mean PSNR and SSIM of `images` against `clean`, both in [0, 1]. */
export function denoiseScores(
  images: tf.Tensor4D,
  clean: tf.Tensor4D,
): { psnr: number; ssim: number } {
  return tf.tidy(() => {
    const x = tf.clipByValue(images, 0, 1);
    return {
      psnr: psnr(x, clean, { dataRange: 1 }).dataSync()[0]!,
      ssim: ssim(x, clean, { dataRange: 1 }).dataSync()[0]!,
    };
  });
}

/**
 * The images every denoising method is scored on: 128 training images with fixed noise
 * (to tune the baselines) and the held-out images with fixed noise, all [N, 32, 32, 3].
 */
export async function denoiseEvaluationSet(): Promise<
  Record<'tuneClean' | 'tuneNoisy' | 'clean' | 'noisy', tf.Tensor4D>
> {
  const data = (split: 'train' | 'test', count: number) =>
    denoiseTask.data({ size: SIZE, seed: 0, count, split });
  const tuneClean = (await stackField(
    (
      await data('train', TRAIN)
    ).dataset,
    'image',
    128,
  )) as tf.Tensor4D;
  const clean = (await stackField((await data('test', HELD_OUT)).dataset, 'image')) as tf.Tensor4D;
  return {
    tuneClean,
    tuneNoisy: addNoise(tuneClean, SIGMA, TUNE_NOISE),
    clean,
    noisy: addNoise(clean, SIGMA, TEST_NOISE),
  };
}

/** Writes the evaluation set as raw float32 files and shapes, for the reference script. */
export async function exportDenoiseEvaluationSet(dir: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  await mkdir(dir, { recursive: true });
  const set = await denoiseEvaluationSet();
  const shapes: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(set)) {
    const values = (await t.data()) as Float32Array;
    await writeFile(
      join(dir, `${name}.f32`),
      Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    );
    shapes[name] = t.shape;
  }
  await writeFile(join(dir, 'shapes.json'), JSON.stringify({ sigma: SIGMA, shapes }));
  tf.dispose(Object.values(set));
}

/** Rows the reference script (tools/reference/denoise_nl_means.py) wrote, if it ran. */
async function referenceRows(): Promise<ResultRow[]> {
  const { readFile } = await import('node:fs/promises');
  const path = new URL('../results/reference/denoise-nl-means.json', import.meta.url);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? [] : (JSON.parse(text) as ResultRow[]);
}

/**
 * Held-out PSNR and SSIM of DnCNN (depth 17) at σ 25 against the noisy input and a
 * Gaussian blur whose width is tuned on training images, on synthetic textures.
 */
export async function denoiseResults(backend: string): Promise<TaskResults> {
  const { tuneClean, tuneNoisy, clean, noisy } = await denoiseEvaluationSet();
  const rows: ResultRow[] = [];
  const add = (method: string, images: tf.Tensor4D, baseline: boolean, budget: string) => {
    const s = denoiseScores(images, clean);
    for (const [metric, value] of [
      ['held-out PSNR (dB), σ 25', s.psnr],
      ['held-out SSIM, σ 25', s.ssim],
    ] as const)
      rows.push({ task: 'denoise', method, metric, value, higherIsBetter: true, baseline, budget });
  };
  add('noisy input', noisy, true, 'none');
  const blur = tuneGaussianBlur(tuneNoisy, tuneClean);
  const blurred = gaussianBlur(noisy, blur.sigma);
  add(
    `Gaussian blur, σ ${blur.sigma} px (tuned on training images)`,
    blurred,
    true,
    '128 training images',
  );
  tf.dispose([blurred, tuneNoisy, tuneClean]);
  rows.push(...(await referenceRows()));

  const { model, result } = await trainDenoiser({
    size: SIZE,
    count: TRAIN,
    steps: MAX_STEPS,
    maxSeconds: MAX_SECONDS,
    batch: BATCH,
    options: { sigma: SIGMA, depth: DEPTH, features: FEATURES },
  });
  const denoised = model.apply(noisy);
  add(
    `DnCNN (depth ${DEPTH}, ${FEATURES} features)`,
    denoised,
    false,
    `${result.step} steps × ${BATCH} patches ${SIZE}², ${TRAIN} images, ${backend}`,
  );
  tf.dispose([denoised, noisy, clean]);
  model.dispose();
  return {
    task: 'denoise',
    rows,
    setting: `Synthetic textures (\`synthetic:textures\`: stripes, mosaics, noise, Voronoi cells) at ${SIZE}×${SIZE}, RGB in [0, 1], Gaussian noise σ = ${SIGMA}/255: ${TRAIN} training images (fresh noise each step), ${HELD_OUT} held-out images (another seed) with fixed noise. DnCNN as Zhang et al. (residual, BatchNorm) at ${FEATURES} instead of 64 feature maps, Adam 1e-3, stopped by a ${MAX_SECONDS} s budget.`,
    notes:
      "This run misses the paper's claim: in its 1200 s budget the depth-17 network made only 297 steps (the shared 2-core machine was heavily loaded), and at that point it beats the noisy input by 0.8 dB but neither the tuned blur nor non-local means (scikit-image's `denoise_nl_means`, h tuned on the same training images, by `tools/reference/denoise_nl_means.py` on the same images and noise; its rows are merged from `results/reference/denoise-nl-means.json`). The paper trains 50 epochs of 128×1600 40² patches (hundreds of thousands of steps) at 64 features. A shallower DnCNN (depth 5, 16 features, 300 steps of 16 patches at 24²) does beat the blur by 1.3 dB in the test suite (`test/denoise.test.ts`). What holds the depth-17 network back is the number of steps, not its BatchNorm or its residual learning: trained 200 steps (depth 17, 16 maps, batch 8 at 32², Adam 1e-3) it scores 20.96 dB in eval mode (running BatchNorm statistics) and 20.90 dB with batch statistics, and the same whether the statistics average slowly (momentum 0.05, ours) or follow the last batch (0.9, KAIR's); the noise it regresses is the paper's (x̂ = y − R(y), ½‖R(y) − (y − x)‖²). A deep plain stack starts slower than the shallow one (+0.5 dB over the input after 200 steps against +3 dB for depth 5 after 300): a fair comparison needs thousands of steps, which this shared machine did not give in this session (no new run).",
  };
}
