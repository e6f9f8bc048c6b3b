import { rng, tf } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import { type BicycleGanHarness, bicyclegan, type PairBatch } from '@atelier/gan';
import { DemoPanel } from '../ui/demo-panel.js';
import { el, field, nextTask, numberInput, readNumber, select } from '../ui/dom.js';
import { LossChart } from '../ui/loss-chart.js';
import { drawImage, figure } from '../ui/tensor-canvas.js';
import { trainLive } from './train-live.js';

/** Two facades (label map, photo) as a batch. */
async function facadePairs(size: number, seed: number, count: number): Promise<PairBatch> {
  const set = synthetic.facades({ size, count, seed });
  const items: synthetic.FacadeSample[] = [];
  for (let i = 0; i < count; i++) items.push((await set.get(i))!);
  const batch = tf.tidy(() => ({
    A: tf.stack(items.map((s) => s.A)) as tf.Tensor4D,
    B: tf.stack(items.map((s) => s.B)) as tf.Tensor4D,
  }));
  for (const s of items) tf.dispose([s.A, s.B, s.labels]);
  return batch;
}

/**
 * BicycleGAN on the synthetic facades: G(A, z) paints many photos of one label map, E
 * maps a photo back to its z. After training, a slider walks z between two random codes
 * and the picture of one input follows it.
 */
export class BicycleGanDemo {
  readonly panel = new DemoPanel(
    'bicyclegan',
    'BicycleGAN: many photos of one label map',
    'A U-Net that takes a random code z besides the label map, and an encoder from photos to codes, trained together (cVAE-GAN + cLR-GAN). Grid columns: input, target, G(A, E(B)), three random z. Then move the slider: one input, z walking between two codes.',
  );
  readonly #chart = new LossChart();
  readonly #grid = figure('samples: input | target | G(A, E(B)) | G(A, z0..z2)');
  readonly #walk = figure('one input, z along the slider');
  readonly #inputs = {
    size: select(['32', '64'], '32'),
    steps: numberInput(600, 1, 100_000),
    batch: numberInput(4, 2, 32, 2),
    nz: numberInput(8, 1, 64),
    ngf: numberInput(16, 4, 64),
    sampleEvery: numberInput(20, 1, 10_000),
  };
  readonly #slider = el('input', {
    type: 'range',
    min: 0,
    max: 1,
    step: 0.05,
    value: 0,
    disabled: true,
  }) as HTMLInputElement;
  readonly #newZ = el('button', { type: 'button', disabled: true }, 'New codes');
  readonly #start = el('button', { type: 'button' }, 'Train');
  readonly #stop = el('button', { type: 'button', disabled: true }, 'Stop');
  #harness: BicycleGanHarness | undefined;
  #input: tf.Tensor4D | undefined;
  #codes: [tf.Tensor2D, tf.Tensor2D] | undefined;
  #codeSeed = 0;
  #abort: AbortController | undefined;

  constructor(smoke: boolean) {
    const i = this.#inputs;
    if (smoke) {
      i.steps.value = '6';
      i.batch.value = '2';
      i.ngf.value = '4';
      i.sampleEvery.value = '3';
    }
    this.panel.controls.append(
      field('image size', i.size),
      field('steps', i.steps),
      field('batch', i.batch, 'even: half cVAE-GAN, half cLR-GAN'),
      field('length of z', i.nz),
      field('generator width (ngf)', i.ngf),
      field('redraw samples every', i.sampleEvery, 'steps'),
      this.#start,
      this.#stop,
    );
    this.panel.body.append(
      el('div', { class: 'pictures' }, this.#chart.canvas, this.#grid.figure, this.#walk.figure),
      el('div', { class: 'controls' }, field('z', this.#slider), this.#newZ),
    );
    this.#start.addEventListener('click', () => void this.run());
    this.#stop.addEventListener('click', () => this.#abort?.abort());
    this.#slider.addEventListener('input', () => void this.drawWalk());
    this.#newZ.addEventListener('click', () => {
      this.#codeSeed++;
      this.#drawCodes();
      void this.drawWalk();
    });
  }

  async run(): Promise<void> {
    const panel = this.panel;
    if (panel.state === 'running') return;
    let samples: PairBatch | undefined;
    try {
      const i = this.#inputs;
      const size = Number(i.size.value);
      const batch = readNumber(i.batch, 'batch');
      if (batch % 2 !== 0) throw new RangeError(`batch must be even (two halves), got ${batch}`);
      const steps = readNumber(i.steps, 'steps');
      const nz = readNumber(i.nz, 'length of z');
      const ngf = readNumber(i.ngf, 'ngf');
      panel.state = 'running';
      panel.resetLoss();
      this.#chart.clear();
      this.#start.disabled = true;
      this.#stop.disabled = false;
      this.#slider.disabled = this.#newZ.disabled = true;
      this.#harness?.dispose();
      const harness = (this.#harness = bicyclegan({
        netG: `unet_${size}`,
        netE: `resnet_${size}`,
        netD: 'basic_128_multi',
        netD2: 'basic_128_multi',
        nz,
        ngf,
        ndf: ngf,
        nef: ngf,
        seed: 0,
      }));
      samples = await facadePairs(size, 1_000_003, 2);
      this.#abort = new AbortController();
      const facades = synthetic.facades({ size, count: 400, seed: 0 });
      const pairs = facades.map((s) => ({ A: s.A, B: s.B }));
      const started = performance.now();
      const result = await trainLive(
        {
          harness,
          data: Dataset.indexed(400, async (index, epoch) => {
            await nextTask();
            return pairs.get(index, epoch);
          }) as Dataset<unknown>,
          samples,
          steps,
          batch,
          sampleEvery: readNumber(i.sampleEvery, 'sample interval'),
          seed: 0,
          watch: 'G_L1',
          signal: this.#abort.signal,
        },
        panel,
        this.#chart,
        this.#grid.canvas,
      );
      // Sampling, not training, from here on: dropout off (a new run builds new networks).
      harness.modules.G!.eval();
      this.#input?.dispose();
      this.#input = tf.keep(tf.slice(samples.A, [0, 0, 0, 0], [1, -1, -1, -1]));
      this.#drawCodes();
      await this.drawWalk();
      this.#slider.disabled = this.#newZ.disabled = false;
      panel.status(
        `${result.status === 'finished' ? 'Finished' : 'Stopped'} at step ${result.step} in ${((performance.now() - started) / 1000).toFixed(1)} s; L1 ${result.losses.G_L1?.toFixed(4)}. Move the slider.`,
      );
      panel.state = 'done';
    } catch (error) {
      panel.fail(error);
    } finally {
      if (samples) tf.dispose([samples.A, samples.B]);
      this.#start.disabled = false;
      this.#stop.disabled = true;
    }
  }

  /** Two random codes z ~ N(0, I), the ends of the slider. */
  #drawCodes(): void {
    const harness = this.#harness;
    if (!harness) return;
    tf.dispose(this.#codes ?? []);
    const random = rng(this.#codeSeed).fork('slider');
    const nz = harness.options.nz;
    this.#codes = [
      tf.keep(random.normal([1, nz]) as tf.Tensor2D),
      tf.keep(random.normal([1, nz]) as tf.Tensor2D),
    ];
  }

  /** G(input, z) for z at the slider, [0, 1] between the two codes; its spread goes to data-walk. */
  async drawWalk(): Promise<void> {
    const harness = this.#harness;
    const codes = this.#codes;
    if (!harness || !codes || !this.#input) return;
    const t = Number(this.#slider.value);
    const G = harness.modules.G as unknown as {
      forward(a: tf.Tensor4D, z: tf.Tensor2D): tf.Tensor4D;
    };
    const input = this.#input;
    const picture = tf.tidy(() => {
      const z = tf.add(tf.mul(codes[0], 1 - t), tf.mul(codes[1], t)) as tf.Tensor2D;
      const out = G.forward(input, z);
      // Input beside output, in [0, 255].
      const row = tf.squeeze(tf.concat([input, out], 2), [0]) as tf.Tensor3D;
      return tf.mul(tf.add(row, 1), 127.5) as tf.Tensor3D;
    });
    try {
      await drawImage(this.#walk.canvas, picture);
    } finally {
      picture.dispose();
    }
    this.panel.section.dataset.z = String(t);
  }

  /** Mean absolute difference between the outputs at the two ends of the slider. */
  async endsDiffer(): Promise<number> {
    const harness = this.#harness;
    const codes = this.#codes;
    if (!harness || !codes || !this.#input) return 0;
    const G = harness.modules.G as unknown as {
      forward(a: tf.Tensor4D, z: tf.Tensor2D): tf.Tensor4D;
    };
    const input = this.#input;
    const diff = tf.tidy(() =>
      tf.mean(tf.abs(tf.sub(G.forward(input, codes[0]), G.forward(input, codes[1])))),
    );
    const value = (await diff.data())[0]!;
    diff.dispose();
    this.panel.section.dataset.zSpread = String(value);
    return value;
  }
}
