import { type Module, tf } from '@atelier/core';
import type { Dataset } from '@atelier/datasets';
import { type Harness, sampleGrid, type TrainProgress, train } from '@atelier/gan';
import type { DemoPanel } from '../ui/demo-panel.js';
import type { LossChart } from '../ui/loss-chart.js';
import { drawImage } from '../ui/tensor-canvas.js';

/** One live training run of a harness, as a demo starts it. */
export interface LiveRun<B> {
  harness: Harness<B>;
  data: Dataset<unknown>;
  /** The fixed batch the sample grid shows. */
  samples: B;
  steps: number;
  batch: number;
  sampleEvery: number;
  seed: number;
  /** The logged term whose first and last values the panel records (the test checks it falls). */
  watch: string;
  signal: AbortSignal;
  /** Extra words for the status line (e.g. ProGAN's resolution). */
  describe?: (progress: TrainProgress) => string;
}

/** The harness's generators by name, as `samples` takes them. */
export function generatorsOf<B>(harness: Harness<B>): Record<string, Module> {
  return Object.fromEntries(harness.generators.map((name) => [name, harness.modules[name]!]));
}

/** Draws the harness's sample grid of `batch` on `canvas`. */
export async function drawGrid<B>(
  harness: Harness<B>,
  batch: B,
  canvas: HTMLCanvasElement,
): Promise<void> {
  const grid = tf.tidy(() => sampleGrid(harness.samples(batch, generatorsOf(harness))));
  try {
    await drawImage(canvas, grid);
  } finally {
    grid.dispose();
  }
}

/**
 * Trains with @atelier/gan's trainer (the CLI's), updating the panel's progress, the
 * loss chart and the sample grid as it learns; resolves with the trainer's result.
 */
export async function trainLive<B>(
  run: LiveRun<B>,
  panel: DemoPanel,
  chart: LossChart,
  canvas: HTMLCanvasElement,
): Promise<Awaited<ReturnType<typeof train>>> {
  await drawGrid(run.harness, run.samples, canvas);
  let drawing: Promise<void> = Promise.resolve();
  const result = await train(run.harness as Harness<unknown>, {
    data: run.data,
    batch: run.batch,
    steps: run.steps,
    seed: run.seed,
    logEvery: 1,
    signal: run.signal,
    onProgress: (p) => {
      panel.progress(p.step, p.totalSteps);
      if (p.phase !== 'step') return;
      chart.add(p.step, p.losses);
      const watched = p.losses[run.watch];
      if (watched !== undefined) panel.recordLoss(watched);
      const rate = p.stepsPerSecond > 0 ? `, ${p.stepsPerSecond.toFixed(2)} steps/s` : '';
      const extra = run.describe ? `; ${run.describe(p)}` : '';
      panel.status(`step ${p.step} of ${p.totalSteps}${rate}${extra}`);
      if (p.step % run.sampleEvery === 0 || p.step === p.totalSteps) {
        drawing = drawing.then(() => drawGrid(run.harness, run.samples, canvas));
      }
    },
  });
  await drawing;
  return result;
}
