import { tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import { type AutoencoderHarness, autoencoderTask } from '@atelier/tasks';
import { DemoPanel } from '../ui/demo-panel.js';
import { el, field, nextTask, numberInput, readNumber, select } from '../ui/dom.js';
import { LossChart } from '../ui/loss-chart.js';
import { figure } from '../ui/tensor-canvas.js';
import { trainLive } from './train-live.js';

/** The synthetic shapes as { image } in [-1, 1], the task's embedded default data. */
function shapeImages(size: number, count: number, seed: number): Dataset<{ image: tf.Tensor3D }> {
  return synthetic.shapes({ size, count, seed }).map((s) => {
    s.edges.dispose();
    return { image: s.image };
  });
}

/**
 * @atelier/tasks' autoencoder task (`atelier task autoencoder`): a convolutional
 * autoencoder or a β-VAE learns to squeeze the synthetic shapes through a small code;
 * the grid shows held-out shapes and their reconstructions as it learns.
 */
export class AutoencoderDemo {
  readonly panel = new DemoPanel(
    'autoencoder',
    'Autoencoder (a task of @atelier/tasks)',
    'The task behind `atelier task autoencoder`: a convolutional encoder to a code of a few numbers and a decoder back, on synthetic shapes. Grid: held-out input | reconstruction.',
  );
  readonly #chart = new LossChart();
  readonly #grid = figure('held-out shapes: input | reconstruction');
  readonly #inputs = {
    kind: select(['ae', 'vae'], 'ae'),
    size: select(['16', '32', '64'], '32'),
    latent: numberInput(32, 2, 512),
    features: numberInput(32, 4, 128),
    steps: numberInput(1000, 1, 100_000),
    batch: numberInput(16, 1, 128),
    lr: numberInput(0.001, 0.000001, 0.1, 0.000001),
    beta: numberInput(1, 0, 100, 0.1),
    sampleEvery: numberInput(20, 1, 10_000),
  };
  readonly #start = el('button', { type: 'button' }, 'Train');
  readonly #stop = el('button', { type: 'button', disabled: true }, 'Stop');
  #harness: AutoencoderHarness | undefined;
  #abort: AbortController | undefined;

  constructor(smoke: boolean) {
    const i = this.#inputs;
    if (smoke) {
      i.size.value = '16';
      i.latent.value = '8';
      i.features.value = '8';
      i.steps.value = '12';
      i.batch.value = '4';
      i.lr.value = '0.003';
      i.sampleEvery.value = '4';
    }
    this.panel.controls.append(
      field('kind', i.kind, 'ae: a code; vae: a distribution of codes'),
      field('image size', i.size),
      field('code size', i.latent),
      field('width (features)', i.features),
      field('steps', i.steps),
      field('batch', i.batch),
      field('learning rate', i.lr),
      field('VAE β', i.beta, 'weight of KL (vae only)'),
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
      panel.state = 'running';
      panel.resetLoss();
      this.#chart.clear();
      this.#start.disabled = true;
      this.#stop.disabled = false;
      this.#harness?.dispose();
      const harness = (this.#harness = autoencoderTask.create({
        kind: i.kind.value as 'ae' | 'vae',
        beta: readNumber(i.beta, 'β'),
        size,
        channels: 3,
        latent: readNumber(i.latent, 'code size'),
        features: readNumber(i.features, 'features'),
        downsamplings: size >= 32 ? 3 : 2,
        lr: readNumber(i.lr, 'learning rate'),
        seed: 0,
      }));
      const held = shapeImages(size, 4, 1_000_003);
      const first = await Promise.all([0, 1, 2, 3].map((k) => held.get(k)));
      samples = tf.tidy(() => ({ image: tf.stack(first.map((s) => s!.image)) as tf.Tensor4D }));
      tf.dispose(first.map((s) => s!.image));
      const set = shapeImages(size, 1000, 0);
      this.#abort = new AbortController();
      const started = performance.now();
      const result = await trainLive(
        {
          harness,
          data: Dataset.indexed(1000, async (index, epoch) => {
            await nextTask();
            return set.get(index, epoch);
          }) as Dataset<unknown>,
          samples,
          steps: readNumber(i.steps, 'steps'),
          batch: readNumber(i.batch, 'batch'),
          sampleEvery: readNumber(i.sampleEvery, 'sample interval'),
          seed: 0,
          watch: 'recon',
          signal: this.#abort.signal,
        },
        panel,
        this.#chart,
        this.#grid.canvas,
      );
      panel.status(
        `${result.status === 'finished' ? 'Finished' : 'Stopped'} at step ${result.step} in ${((performance.now() - started) / 1000).toFixed(1)} s; reconstruction MSE ${result.losses.recon?.toFixed(4)}.`,
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
