import { tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import { type ProganHarness, progan } from '@atelier/gan';
import { DemoPanel } from '../ui/demo-panel.js';
import { el, field, nextTask, numberInput, readNumber, select } from '../ui/dom.js';
import { LossChart } from '../ui/loss-chart.js';
import { figure } from '../ui/tensor-canvas.js';
import { trainLive } from './train-live.js';

/** The synthetic shapes as { image } in [-1, 1] (their edge maps are not used). */
function shapeImages(size: number, count: number, seed: number): Dataset<{ image: tf.Tensor3D }> {
  return synthetic.shapes({ size, count, seed }).map((s) => {
    s.edges.dispose();
    return { image: s.image };
  });
}

/**
 * Progressive GAN on synthetic shapes: G and D start at 4×4 and double their resolution
 * as training goes, each new level faded in; the sample grid (reals at the current
 * resolution, then four fixed codes) grows with them.
 */
export class ProganDemo {
  readonly panel = new DemoPanel(
    'progan',
    'Progressive GAN: samples that grow',
    'Karras et al.: WGAN-GP with equalised learning rate, pixel norm and minibatch standard deviation, growing from 4×4 to the target size, each level faded in. Grid: reals at the current resolution, then G of four fixed codes.',
  );
  readonly #chart = new LossChart();
  readonly #grid = figure('samples: reals | G(z0..z3), at the current resolution');
  readonly #inputs = {
    size: select(['16', '32', '64'], '32'),
    images: numberInput(600, 4, 1_000_000),
    steps: numberInput(900, 1, 100_000),
    batch: numberInput(8, 2, 64),
    latent: numberInput(64, 4, 512),
    fmapMax: numberInput(64, 8, 512),
    sampleEvery: numberInput(20, 1, 10_000),
  };
  readonly #start = el('button', { type: 'button' }, 'Train');
  readonly #stop = el('button', { type: 'button', disabled: true }, 'Stop');
  #harness: ProganHarness | undefined;
  #abort: AbortController | undefined;

  constructor(smoke: boolean) {
    const i = this.#inputs;
    if (smoke) {
      i.size.value = '16';
      i.images.value = '4';
      i.steps.value = '6';
      i.batch.value = '4';
      i.latent.value = '8';
      i.fmapMax.value = '8';
      i.sampleEvery.value = '2';
    }
    this.panel.controls.append(
      field('target size', i.size),
      field('images per level', i.images, 'shown stable, then as many fading in the next'),
      field('steps', i.steps),
      field('batch', i.batch),
      field('length of z', i.latent),
      field('feature maps (max)', i.fmapMax),
      field('redraw samples every', i.sampleEvery, 'steps'),
      this.#start,
      this.#stop,
    );
    this.panel.body.append(el('div', { class: 'pictures' }, this.#chart.canvas, this.#grid.figure));
    this.#start.addEventListener('click', () => void this.run());
    this.#stop.addEventListener('click', () => this.#abort?.abort());
  }

  async run(): Promise<void> {
    const panel = this.panel;
    if (panel.state === 'running') return;
    let samples: { image: tf.Tensor4D } | undefined;
    try {
      const i = this.#inputs;
      const size = Number(i.size.value);
      const images = readNumber(i.images, 'images per level');
      const fmapMax = readNumber(i.fmapMax, 'feature maps');
      const batch = readNumber(i.batch, 'batch');
      panel.state = 'running';
      panel.resetLoss();
      this.#chart.clear();
      this.#start.disabled = true;
      this.#stop.disabled = false;
      this.#harness?.dispose();
      const harness = (this.#harness = progan({
        size,
        latentDim: readNumber(i.latent, 'length of z'),
        fmapBase: fmapMax * 8,
        fmapMax,
        stableImages: images,
        fadeImages: images,
        groupSize: Math.min(4, batch),
        seed: 0,
      }));
      const set = shapeImages(size, 400, 0);
      const first = await Promise.all([0, 1].map((k) => set.get(k)));
      samples = tf.tidy(() => ({ image: tf.stack(first.map((s) => s!.image)) as tf.Tensor4D }));
      tf.dispose(first.map((s) => s!.image));
      this.#abort = new AbortController();
      const started = performance.now();
      const result = await trainLive(
        {
          harness,
          data: Dataset.indexed(400, async (index, epoch) => {
            await nextTask();
            return set.get(index, epoch);
          }) as Dataset<unknown>,
          samples,
          steps: readNumber(i.steps, 'steps'),
          batch,
          sampleEvery: readNumber(i.sampleEvery, 'sample interval'),
          seed: 0,
          watch: 'D_GP',
          signal: this.#abort.signal,
          describe: () => {
            const phase = harness.phase();
            panel.section.dataset.resolution = String(phase.resolution);
            return `${phase.resolution}×${phase.resolution}, fade α ${phase.alpha.toFixed(2)}`;
          },
        },
        panel,
        this.#chart,
        this.#grid.canvas,
      );
      const phase = harness.phase();
      panel.section.dataset.resolution = String(phase.resolution);
      panel.status(
        `${result.status === 'finished' ? 'Finished' : 'Stopped'} at step ${result.step} in ${((performance.now() - started) / 1000).toFixed(1)} s at ${phase.resolution}×${phase.resolution} (α ${phase.alpha.toFixed(2)}), ${phase.images} images shown.`,
      );
      panel.state = 'done';
    } catch (error) {
      panel.fail(error);
    } finally {
      if (samples) samples.image.dispose();
      this.#start.disabled = false;
      this.#stop.disabled = true;
    }
  }
}
