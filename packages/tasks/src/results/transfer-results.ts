import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '@atelier/core';
import type { Dataset } from '@atelier/datasets';
import { stackField } from '../data/stack-field.js';
import {
  TRANSFER_SPP,
  TRANSFER_TASKS,
  type TransferOptions,
  type TransferTarget,
  trainTransfer,
  transferTask,
} from '../tasks/transfer.js';
import type { ResultRow, TaskResults } from './result-row.js';

const SIZE = 32;
const FEATURES = 8;
const BATCH = 16;
const LEVELS = 2;
const LR = 2e-3;
/** Labelled scenes the sources train on; the budgets take the first 16, 64, 256 of them. */
const POOL = 256;
/** Scenes after the pool that choose each target's best source (never the held-out ones). */
const VALIDATION = 32;
const HELD_OUT = 64;
const SOURCE_STEPS = 300;
const TRANSFER_STEPS = 100;
const BUDGETS = [16, 64, 256] as const;
const TARGETS = Object.keys(TRANSFER_TASKS) as TransferTarget[];

type Stacked = { image: tf.Tensor4D } & Record<TransferTarget, tf.Tensor4D>;

async function stacked(dataset: Dataset<unknown>, from: number, count: number): Promise<Stacked> {
  const out: Record<string, tf.Tensor4D> = {};
  for (const key of ['image', ...TARGETS]) {
    const all = (await stackField(dataset, key, from + count)) as tf.Tensor4D;
    out[key] = tf.slice(all, [from, 0, 0, 0], [count, -1, -1, -1]);
    all.dispose();
  }
  return out as Stacked;
}

function mse(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)).dataSync()[0]!);
}

/** Trains one network and returns its MSE on the validation and held-out scenes. */
async function trainAndScore(
  data: Dataset<unknown>,
  steps: number,
  options: TransferOptions,
  sets: { validation: Stacked; test: Stacked },
  out?: string,
): Promise<{ validation: number; test: number }> {
  const { model } = await trainTransfer({
    data,
    steps,
    batch: BATCH,
    ...(out !== undefined ? { out, sampleEvery: steps } : {}),
    options: { features: FEATURES, levels: LEVELS, lr: LR, ...options },
  });
  try {
    const target = model.options.target;
    const score = (s: Stacked) => {
      const p = model.predict(s.image);
      const v = mse(p, s[target]);
      p.dispose();
      return v;
    };
    return { validation: score(sets.validation), test: score(sets.test) };
  } finally {
    model.dispose();
  }
}

/** The per-pixel mean of the budget's labels, as a prediction for every scene. */
function meanBaseline(
  pool: Stacked,
  target: TransferTarget,
  budget: number,
  test: Stacked,
): number {
  return tf.tidy(() => {
    const mean = tf.mean(tf.slice(pool[target], [0, 0, 0, 0], [budget, -1, -1, -1]), 0);
    return mse(tf.mul(tf.onesLike(test[target]), mean), test[target]);
  });
}

function fixed(v: number): string {
  return v.toPrecision(3);
}

/**
 * Taskonomy's transfer experiment on `synthetic.scenes` (32×32): an encoder-decoder per
 * source task on 256 labelled scenes; then per target and budget (16, 64, 256 labels)
 * a network from scratch, a decoder on each frozen source encoder (all pairs at 16
 * labels; the best source by validation at 64 and 256) and the best source fine-tuned;
 * held-out MSE against predicting the labels' mean.
 */
export async function transferResults(backend: string): Promise<TaskResults> {
  const started = Date.now();
  const { dataset: poolSet } = await transferTask.data({
    size: SIZE,
    seed: 0,
    count: POOL + VALIDATION,
  });
  const { dataset: testSet } = await transferTask.data({
    size: SIZE,
    seed: 0,
    count: HELD_OUT,
    split: 'test',
  });
  const renderSeconds = (Date.now() - started) / 1000;
  const pool = await stacked(poolSet, 0, POOL);
  const sets = {
    validation: await stacked(poolSet, POOL, VALIDATION),
    test: await stacked(testSet, 0, HELD_OUT),
  };
  const dir = await mkdtemp(join(tmpdir(), 'atelier-transfer-'));
  const rows: ResultRow[] = [];
  const row = (
    method: string,
    target: string,
    budget: number,
    value: number,
    baseline: boolean,
    steps: number,
  ) =>
    rows.push({
      task: 'transfer',
      method,
      metric: `held-out MSE, ${target}, ${budget} labels`,
      value,
      higherIsBetter: false,
      baseline,
      budget: `${budget} labelled scenes, ${steps} steps × ${BATCH}, ${backend}`,
    });
  const frozen16: Record<string, Record<string, number>> = {};
  const scratch16: Record<string, number> = {};
  const wins = BUDGETS.map(() => ({ frozen: 0, tuned: 0 }));
  const summary: string[] = [];
  try {
    for (const source of TARGETS) {
      const own = await trainAndScore(
        poolSet.take(POOL),
        SOURCE_STEPS,
        { target: source },
        sets,
        join(dir, source),
      );
      row('source network (own task, scratch)', source, POOL, own.test, false, SOURCE_STEPS);
    }
    for (const target of TARGETS) {
      const scratch: Record<number, number> = {};
      const mean: Record<number, number> = {};
      for (const budget of BUDGETS) {
        mean[budget] = meanBaseline(pool, target, budget, sets.test);
        row('mean of the labels', target, budget, mean[budget], true, 0);
        scratch[budget] = (
          await trainAndScore(poolSet.take(budget), TRANSFER_STEPS, { target }, sets)
        ).test;
        row('scratch', target, budget, scratch[budget], true, TRANSFER_STEPS);
      }
      scratch16[target] = scratch[BUDGETS[0]]!;
      frozen16[target] = {};
      const validation: Record<string, number> = {};
      for (const source of TARGETS.filter((s) => s !== target)) {
        const r = await trainAndScore(
          poolSet.take(BUDGETS[0]),
          TRANSFER_STEPS,
          {
            target,
            encoder: join(dir, source),
            mode: 'frozen',
          },
          sets,
        );
        frozen16[target][source] = r.test;
        validation[source] = r.validation;
        row(
          `frozen ${source} encoder + decoder`,
          target,
          BUDGETS[0],
          r.test,
          false,
          TRANSFER_STEPS,
        );
      }
      const best = Object.entries(validation).sort((a, b) => a[1] - b[1])[0]![0];
      const cells: string[] = [];
      for (const budget of BUDGETS) {
        const encoder = join(dir, best);
        const frozen =
          budget === BUDGETS[0]
            ? frozen16[target][best]!
            : (
                await trainAndScore(
                  poolSet.take(budget),
                  TRANSFER_STEPS,
                  {
                    target,
                    encoder,
                    mode: 'frozen',
                  },
                  sets,
                )
              ).test;
        if (budget !== BUDGETS[0])
          row(`frozen ${best} encoder + decoder`, target, budget, frozen, false, TRANSFER_STEPS);
        const tuned = (
          await trainAndScore(
            poolSet.take(budget),
            TRANSFER_STEPS,
            {
              target,
              encoder,
              mode: 'finetune',
            },
            sets,
          )
        ).test;
        row(`fine-tuned ${best} encoder`, target, budget, tuned, false, TRANSFER_STEPS);
        const w = wins[BUDGETS.indexOf(budget)]!;
        if (frozen < scratch[budget]!) w.frozen++;
        if (tuned < scratch[budget]!) w.tuned++;
        cells.push(
          `${fixed(mean[budget]!)} / ${fixed(scratch[budget]!)} / ${fixed(frozen)} / ${fixed(tuned)}`,
        );
      }
      summary.push(`| ${target} | ${best} | ${cells.join(' | ')} |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    for (const s of [pool, sets.validation, sets.test]) tf.dispose(Object.values(s));
  }
  return {
    task: 'transfer',
    rows,
    setting: `\`synthetic.scenes\` at ${SIZE}×${SIZE} (rendered once at ${TRANSFER_SPP} samples per pixel, ${renderSeconds.toFixed(0)} s): the input is the render (display RGB), the tasks its exact buffers (normals in [-1, 1], depth, edges, albedo in [0, 1], shading in [0, 2]). ${POOL} labelled training scenes (seed 0), the next ${VALIDATION} for choosing each target's source, ${HELD_OUT} held-out scenes (another seed). Encoder: ${LEVELS} levels of (3×3 conv, ReLU, k4 s2 conv, ReLU) from ${FEATURES} maps to a ${SIZE / 2 ** LEVELS}×${SIZE / 2 ** LEVELS}×${FEATURES * 2 ** (LEVELS - 1)} representation; decoder: ${LEVELS} × (nearest ×2, 3×3 conv, ReLU) and a 3×3 conv; MSE, Adam ${LR}, batch ${BATCH}. Sources train ${SOURCE_STEPS} steps on all ${POOL} scenes; every transfer and scratch network trains ${TRANSFER_STEPS} steps on the first 16, 64 or 256 of them.`,
    notes: transferNotes(frozen16, scratch16, summary, wins),
  };
}

/** The transfer matrix and the per-target budgets, as Markdown, and what they say. */
function transferNotes(
  frozen16: Record<string, Record<string, number>>,
  scratch16: Record<string, number>,
  summary: string[],
  wins: { frozen: number; tuned: number }[],
): string {
  const pairs = TARGETS.flatMap((t) => TARGETS.filter((s) => s !== t).map((s) => [t, s] as const));
  const beating = pairs.filter(([t, s]) => frozen16[t]![s]! < scratch16[t]!).length;
  const verdict = [
    `Taskonomy's claim, a well-chosen source beats training from scratch at small budgets: at ${BUDGETS[0]} labels ${beating} of ${pairs.length} frozen pairs beat scratch;`,
    BUDGETS.map(
      (b, i) =>
        `at ${b} labels the chosen source beats scratch for ${wins[i]!.frozen} of ${TARGETS.length} targets frozen and ${wins[i]!.tuned} fine-tuned`,
    ).join('; '),
    `(scratch and transfer networks train the same ${TRANSFER_STEPS} steps: the sources' ${SOURCE_STEPS} steps on ${POOL} scenes are what transfer brings, as Taskonomy's sources bring theirs).`,
  ].join(' ');
  const matrix = [
    `Transfer matrix at ${BUDGETS[0]} labels (held-out MSE of a decoder on the frozen source encoder; rows are targets, columns sources; * beats scratch at ${BUDGETS[0]} labels, see the rows above):`,
    '',
    `| target \\ source | ${TARGETS.join(' | ')} | scratch |`,
    `| --- | ${TARGETS.map(() => '---').join(' | ')} | --- |`,
    ...TARGETS.map(
      (t) =>
        `| ${t} | ${TARGETS.map((s) => (s === t ? '—' : `${fixed(frozen16[t]![s]!)}${frozen16[t]![s]! < scratch16[t]! ? '*' : ''}`)).join(' | ')} | ${fixed(scratch16[t]!)} |`,
    ),
    '',
    'Per target, the source chosen on the validation scenes; each cell is mean / scratch / frozen / fine-tuned:',
    '',
    `| target | source | ${BUDGETS.map((b) => `${b} labels`).join(' | ')} |`,
    `| --- | --- | ${BUDGETS.map(() => '---').join(' | ')} |`,
    ...summary,
    '',
    verdict,
  ];
  return matrix.join('\n');
}
