import { tf } from '@atelier/core';
import { psnr, ssim } from '@atelier/losses';
import { gaussianBlur, tuneGaussianBlur } from '../baselines/gaussian-blur.js';
import { stackField } from '../data/stack-field.js';
import {
  displayRender,
  MC_NOISY_SPP,
  MC_REFERENCE_SPP,
  mcDenoiseTask,
  trainMcDenoiser,
} from '../tasks/mc-denoise.js';
import type { ResultRow, TaskResults } from './result-row.js';

const SIZE = 32;
const TRAIN = 384;
const HELD_OUT = 64;
const DEPTH = 6;
const FEATURES = 24;
const BATCH = 8;
const STEPS = 1000;
const LR = 1e-3;
const FIELDS = ['noisy', 'albedo', 'normals', 'depth', 'reference'] as const;

type Renders = Record<(typeof FIELDS)[number], tf.Tensor4D>;

async function renders(split: 'train' | 'test', count: number): Promise<Renders> {
  const { dataset } = await mcDenoiseTask.data({ size: SIZE, seed: 0, count, split });
  const out = {} as Renders;
  for (const field of FIELDS) out[field] = (await stackField(dataset, field)) as tf.Tensor4D;
  return out;
}

/** Mean PSNR and SSIM of the display images (clipped, gamma 1/2.2) of two renders. */
function displayScores(images: tf.Tensor, reference: tf.Tensor): { psnr: number; ssim: number } {
  return tf.tidy(() => {
    const x = displayRender(images) as tf.Tensor4D;
    const y = displayRender(reference) as tf.Tensor4D;
    return {
      psnr: psnr(x, y, { dataRange: 1 }).dataSync()[0]!,
      ssim: ssim(x, y, { dataRange: 1 }).dataSync()[0]!,
    };
  });
}

/**
 * Held-out PSNR and SSIM of the render denoiser with and without the auxiliary buffers
 * against the noisy render and a Gaussian blur tuned on the training renders, on
 * `synthetic.scenes` at 32x32, 4 samples per pixel against 128.
 */
export async function mcDenoiseResults(backend: string): Promise<TaskResults> {
  const train = await renders('train', TRAIN);
  const test = await renders('test', HELD_OUT);
  const rows: ResultRow[] = [];
  const add = (
    method: string,
    s: { psnr: number; ssim: number },
    baseline: boolean,
    budget: string,
  ) => {
    for (const [metric, value] of [
      ['held-out PSNR (dB), display', s.psnr],
      ['held-out SSIM, display', s.ssim],
    ] as const)
      rows.push({
        task: 'mc-denoise',
        method,
        metric,
        value,
        higherIsBetter: true,
        baseline,
        budget,
      });
  };
  add(
    `noisy render (${MC_NOISY_SPP} spp)`,
    displayScores(test.noisy, test.reference),
    true,
    'none',
  );
  const blur = tuneGaussianBlur(
    displayRender(train.noisy) as tf.Tensor4D,
    displayRender(train.reference) as tf.Tensor4D,
  );
  const blurred = tf.tidy(() =>
    tf.clipByValue(gaussianBlur(displayRender(test.noisy) as tf.Tensor4D, blur.sigma), 0, 1),
  );
  // The blur works on display images already; displayRender of [0, 1] images is not
  // the identity, so score it directly against the reference's display image.
  const blurScores = tf.tidy(() => {
    const y = displayRender(test.reference) as tf.Tensor4D;
    return {
      psnr: psnr(blurred as tf.Tensor4D, y, { dataRange: 1 }).dataSync()[0]!,
      ssim: ssim(blurred as tf.Tensor4D, y, { dataRange: 1 }).dataSync()[0]!,
    };
  });
  add(
    `Gaussian blur (σ ${blur.sigma} px, tuned on training renders)`,
    blurScores,
    true,
    `${TRAIN} renders, grid search`,
  );
  blurred.dispose();
  const trainSet = (await mcDenoiseTask.data({ size: SIZE, seed: 0, count: TRAIN })).dataset;
  const variants = [
    ['CNN, render only', { buffers: false }],
    ['CNN, render + albedo, normals, depth', { buffers: true, demodulate: false }],
    ['CNN, render + buffers, demodulated by albedo', { buffers: true, demodulate: true }],
  ] as const;
  for (const [method, variant] of variants) {
    const started = Date.now();
    const { model } = await trainMcDenoiser({
      data: trainSet,
      size: SIZE,
      steps: STEPS,
      batch: BATCH,
      options: { ...variant, depth: DEPTH, features: FEATURES, lr: LR },
    });
    const scores = tf.tidy(() => displayScores(model.denoise(test), test.reference));
    model.dispose();
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    add(
      method,
      scores,
      false,
      `${STEPS} steps × ${BATCH}, ${TRAIN} renders, ${backend}, ${seconds} s`,
    );
    console.log(`mc-denoise: ${method} done (${seconds} s)`);
  }
  tf.dispose([...Object.values(train), ...Object.values(test)]);
  return {
    task: 'mc-denoise',
    rows,
    setting: `\`synthetic.scenes\` at ${SIZE}×${SIZE}: ${TRAIN} training scenes (seed 0), ${HELD_OUT} held-out ones (another seed); input rendered at ${MC_NOISY_SPP} samples per pixel, reference at ${MC_REFERENCE_SPP}. Scores on display images (radiance clipped to [0, 1], gamma 1/2.2), averaged over the held-out scenes. Networks: ${DEPTH} conv layers of ${FEATURES} maps, residual on log(1 + colour), L1; demodulated: the colour divided by albedo + 0.02 before the network and its output multiplied back (Bako et al.); Adam ${LR}.`,
    notes:
      "The reference itself carries Monte Carlo noise (128 samples per pixel), which caps every method's PSNR. Graphics denoisers' claim is that the auxiliary buffers (albedo, normals, depth) let a network keep texture and geometric edges that the noisy colour alone cannot tell from noise; the CNN rows measure that on the same budget.",
  };
}
