import { tf } from '@atelier/core';
import { type Harness, train } from '@atelier/gan';
import { stackField } from '../data/stack-field.js';
import { binarizeLines } from '../losses/simplification-loss.js';
import { type LineScores, lineScores } from '../metrics/line-scores.js';
import { modelOf } from '../run-task.js';
import {
  type SimplifyMode,
  type SimplifyModel,
  type SimplifyOptions,
  simplifyTask,
} from '../tasks/simplify.js';
import type { ResultRow, TaskResults } from './result-row.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SIZE = env('ATELIER_SIMPLIFY_SIZE', 32);
const PAIRS = 32;
const HELD_OUT = 64;
const WIDTH = 0.125;
const BATCH = 8;
/** Steps of the supervised loss every method starts from (Mastering Sketching starts from it). */
const WARMUP = env('ATELIER_SIMPLIFY_WARMUP', 500);
/** Steps after the warmup, for each method. */
const STEPS = env('ATELIER_SIMPLIFY_STEPS', 500);
/** Steps of D alone before the joint training (the reference's 1000, scaled down). */
const PRETRAIN_D = env('ATELIER_SIMPLIFY_PRETRAIN_D', 100);
const ALPHA = 0.01;
/** The reference's binarisation of clean targets: ink where darker than this. */
const BINARIZE = 0.9;
const THRESHOLDS = Array.from({ length: 19 }, (_, i) => 0.05 * (i + 1));

const METRICS: [keyof LineScores, string, boolean][] = [
  ['f', 'held-out line F-measure (threshold 0.5)', true],
  ['precision', 'held-out line precision (threshold 0.5)', true],
  ['recall', 'held-out line recall (threshold 0.5)', true],
  ['grey', 'share of grey pixels (0.1–0.9)', false],
];
const TUNED_METRIC = 'held-out line F-measure (threshold tuned on training pairs)';

interface Split {
  rough: tf.Tensor4D;
  /** The clean drawings binarised as the networks' targets: what a line pixel is. */
  lines: tf.Tensor4D;
}

async function split(which: 'train' | 'test', count: number): Promise<Split> {
  const { dataset } = await simplifyTask.data({ size: SIZE, seed: 0, count, split: which });
  const rough = (await stackField(dataset, 'A', count)) as tf.Tensor4D;
  const clean = (await stackField(dataset, 'B', count)) as tf.Tensor4D;
  const lines = binarizeLines(clean, BINARIZE);
  clean.dispose();
  return { rough, lines };
}

/** The threshold of `output` that gives the best line F-measure on the training pairs. */
async function tuneThreshold(output: tf.Tensor4D, lines: tf.Tensor4D): Promise<number> {
  let best = { f: -1, t: 0.5 };
  for (const t of THRESHOLDS) {
    const { f } = await lineScores(output, lines, t);
    if (f > best.f) best = { f, t };
  }
  return best.t;
}

/** Trains `harness` for `steps` on the training pairs (and unpaired sketches), from its current weights. */
async function trainFor(harness: Harness, steps: number): Promise<void> {
  const { dataset } = await simplifyTask.data({ size: SIZE, seed: 0, count: PAIRS });
  await train(harness, { data: dataset, batch: BATCH, steps, seed: 0 });
}

/** A harness of `options` whose S starts from `from`'s weights (or from scratch). */
function harnessFrom(options: SimplifyOptions, from?: SimplifyModel) {
  const harness = simplifyTask.create({ width: WIDTH, binarize: BINARIZE, ...options });
  if (from) {
    const dict = from.net.stateDict();
    harness.modules.S!.loadStateDict(dict);
    tf.dispose(Object.values(dict));
  }
  return harness;
}

/**
 * Line precision, recall, F and the share of grey pixels of the simplification network
 * trained supervised-only, + adversarial and + unpaired (Mastering Sketching) at a
 * small number of pairs, each continuing the same supervised warmup for the same
 * number of steps, against thresholding the rough sketch itself.
 */
export async function simplifyResults(backend: string): Promise<TaskResults> {
  const test = await split('test', HELD_OUT);
  const tune = await split('train', PAIRS);
  const rows: ResultRow[] = [];
  const add = async (method: string, model: SimplifyModel | undefined, budget: string) => {
    const baseline = model === undefined;
    const out = model ? model.apply(test.rough) : test.rough;
    const tuneOut = model ? model.apply(tune.rough) : tune.rough;
    const scores = await lineScores(out, test.lines);
    for (const [key, metric, higherIsBetter] of METRICS)
      rows.push({
        task: 'simplify',
        method,
        metric,
        value: scores[key],
        higherIsBetter,
        baseline,
        budget,
      });
    const t = await tuneThreshold(tuneOut, tune.lines);
    const tuned = await lineScores(out, test.lines, t);
    rows.push({
      task: 'simplify',
      method: `${method} (threshold ${t.toFixed(2)})`,
      metric: TUNED_METRIC,
      value: tuned.f,
      higherIsBetter: true,
      baseline,
      budget,
    });
    if (model) tf.dispose([out, tuneOut]);
  };
  await add('rough input, thresholded', undefined, 'none');

  const warm = harnessFrom({ mode: 'supervised' });
  await trainFor(warm, WARMUP);
  const start = modelOf(simplifyTask, warm);
  warm.dispose();
  console.log('simplify: supervised warmup done');
  const labels: Record<SimplifyMode, string> = {
    supervised: 'supervised (Learning to Simplify)',
    adversarial: '+ adversarial (Mastering Sketching)',
    unpaired: '+ adversarial + unpaired (Mastering Sketching)',
  };
  for (const mode of ['supervised', 'adversarial', 'unpaired'] as const) {
    const adversarial = mode !== 'supervised';
    const harness = harnessFrom(
      { mode, alpha: ALPHA, beta: ALPHA, ndf: 16, pretrainD: adversarial ? PRETRAIN_D : 0 },
      start,
    );
    await trainFor(harness, STEPS + (adversarial ? PRETRAIN_D : 0));
    const model = modelOf(simplifyTask, harness);
    harness.dispose();
    const budget = `${WARMUP} + ${STEPS} steps × ${BATCH}${adversarial ? ` (D alone ${PRETRAIN_D} first)` : ''}, ${PAIRS} pairs, ${backend}`;
    await add(labels[mode], model, budget);
    model.dispose();
    console.log(`simplify: ${mode} done`);
  }
  start.dispose();
  tf.dispose([test.rough, test.lines, tune.rough, tune.lines]);
  return {
    task: 'simplify',
    rows,
    setting: `Synthetic sketches (\`synthetic:sketches\`) at ${SIZE}×${SIZE}: ${PAIRS} rough → clean training pairs, ${PAIRS * 4} unpaired rough sketches and ${PAIRS * 4} unpaired clean drawings (other seeds), ${HELD_OUT} held-out pairs. A line pixel is one darker than ${BINARIZE} in the clean drawing (the reference's binarisation of its targets, which the networks train on); an output pixel is line when darker than 0.5, or than a threshold tuned for the best F on the training pairs. Simo-Serra et al.'s network at ${WIDTH} of its channels (at least 8 a layer), Adam 1e-3, trained ${WARMUP} steps on the M-weighted squared error; from there each method trains ${STEPS} more steps: the same loss alone, or with Mastering Sketching's adversarial terms (α = β = ${ALPHA}; PatchGAN discriminator, 16 filters, 3 layers, trained alone for ${PRETRAIN_D} steps first).`,
    notes:
      "This run misses both claims. No network beats thresholding the rough sketch: line F 0.31–0.33 against 0.67 for the rough sketch at 0.5 and 0.89 at its tuned threshold (0.9). And the adversarial terms do not make lines crisper at this budget: the grey share goes 0.16 (supervised) → 0.22 (+ adversarial) → 0.26 (+ unpaired); the unpaired sketches raise recall (0.25 → 0.31) and F (0.313 → 0.326) a little. Why the supervised network loses here: at 32×32 the rough sketches are already close to the clean drawings (sub-pixel wobble, lighter pencil, faint paper), so thresholding them recovers most lines, while the paper's network must carry each 1-pixel line through its 1/8-resolution stretch (4×4 here, no skip connections) and learns to place lines slowly. Two fixes made it learn at all (after 150 steps on 512 pairs, F 0.002 → 0.33 with targets binarised as the reference's, → 0.46 with at least 8 channels a layer instead of 3 and 6 at 1/8 width); with 512 pairs it reaches F 0.53 after 250 steps (`test/simplify.test.ts`), but with the 32 pairs measured here only 0.31 after 600. Beating the thresholded sketch needs many more steps (and pairs) than this shared 2-core machine gave (1926 s for the 1400 steps of the four runs); the paper trains for days from a converged MSE model and pretrains D for 1000 iterations. S's Adam uses β1 0.9 when it trains alone and pix2pix's 0.5 beside a discriminator, so the supervised and adversarial rows also differ in that.",
  };
}
