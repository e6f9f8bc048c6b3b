import { readSafetensors, tf, writeSafetensors } from '@atelier/core';
import { Dataset, synthetic } from '@atelier/datasets';
import { type PairBatch, type Pix2PixHarness, pix2pix, sampleGrid, train } from '@atelier/gan';
import { DemoPanel } from '../ui/demo-panel.js';
import { download, el, field, nextTask, numberInput, readNumber, select } from '../ui/dom.js';
import { LossChart } from '../ui/loss-chart.js';
import { drawImage, figure } from '../ui/tensor-canvas.js';
import { type FolderPair, imageFiles, readAlignedPairs } from './paired-folder.js';

const SIZES = ['32', '64', '128', '256'];

/** What one run trains: the options a person tries first. */
interface Pix2PixRun {
  size: number;
  steps: number;
  batch: number;
  ngf: number;
  lr: number;
  lambdaL1: number;
  direction: 'AtoB' | 'BtoA';
  sampleEvery: number;
  seed: number;
  /** The visitor's folder, read at the run's size; undefined: the synthetic facades. */
  folder: FolderPair[] | undefined;
}

/** The first pairs of the visitor's folder (up to three) as a batch. */
function folderBatch(pairs: FolderPair[]): PairBatch {
  const first = pairs.slice(0, 3);
  return tf.tidy(() => ({
    A: tf.stack(first.map((p) => p.A)) as tf.Tensor4D,
    B: tf.stack(first.map((p) => p.B)) as tf.Tensor4D,
  }));
}

/** The fixed samples the grid shows: three facades, stacked as a batch. */
async function sampleBatch(size: number, seed: number): Promise<PairBatch> {
  const set = synthetic.facades({ size, count: 3, seed: seed + 1_000_003 });
  const items: synthetic.FacadeSample[] = [];
  for (let i = 0; i < 3; i++) items.push((await set.get(i))!);
  const batch = tf.tidy(() => ({
    A: tf.stack(items.map((s) => s.A)) as tf.Tensor4D,
    B: tf.stack(items.map((s) => s.B)) as tf.Tensor4D,
  }));
  for (const s of items) tf.dispose([s.A, s.B, s.labels]);
  return batch;
}

/**
 * pix2pix (labels -> photo) trained live on the synthetic facades, through the same
 * trainer the CLI runs, with the sample grid redrawn as it learns; the generator can be
 * downloaded as safetensors (PyTorch layout and names) and loaded back.
 */
export class Pix2PixDemo {
  readonly panel = new DemoPanel(
    'pix2pix',
    'pix2pix on synthetic facades or your folder',
    "A U-Net generator and a PatchGAN discriminator learn to paint building fronts from their label maps, in this page; or learn your own pairs: choose (or drop here) a folder of images in the aligned layout, A and B side by side as in pix2pix's datasets. Columns: input, output, target.",
  );
  readonly #chart = new LossChart();
  readonly #grid = figure('samples: label map | generated | real');
  readonly #inputs = {
    size: select(SIZES, '64'),
    steps: numberInput(1000, 1, 100_000),
    batch: numberInput(4, 1, 32),
    ngf: numberInput(32, 4, 64),
    lr: numberInput(0.0002, 0.000001, 0.1, 0.000001),
    lambdaL1: numberInput(100, 0, 1000, 1),
    direction: select(['AtoB', 'BtoA'], 'AtoB'),
    sampleEvery: numberInput(20, 1, 10_000),
  };
  readonly #start = el('button', { type: 'button' }, 'Train');
  readonly #stop = el('button', { type: 'button', disabled: true }, 'Stop');
  readonly #save = el(
    'button',
    { type: 'button', disabled: true },
    'Download generator (.safetensors)',
  );
  readonly #load = el('input', { type: 'file', accept: '.safetensors' });
  readonly #loadStatus = el('span', { class: 'load-status' });
  readonly #source = select(['synthetic facades', 'my folder'], 'synthetic facades');
  readonly #folder = el('input', {
    type: 'file',
    multiple: true,
    webkitdirectory: true,
    'data-role': 'folder',
  }) as HTMLInputElement;
  readonly #folderStatus = el('span', { class: 'folder-status' }, 'no folder chosen');
  #folderFiles: File[] = [];
  #harness: Pix2PixHarness | undefined;
  #run: Pix2PixRun | undefined;
  #abort: AbortController | undefined;

  constructor(smoke: boolean) {
    if (smoke) {
      this.#inputs.size.value = '32';
      this.#inputs.steps.value = '12';
      this.#inputs.batch.value = '2';
      this.#inputs.ngf.value = '8';
      this.#inputs.lr.value = '0.002';
      this.#inputs.sampleEvery.value = '4';
    }
    const i = this.#inputs;
    this.panel.controls.append(
      field('data', this.#source),
      field('folder (A|B images)', this.#folder),
      this.#folderStatus,
      field('image size', i.size),
      field('steps', i.steps),
      field('batch', i.batch),
      field('generator width (ngf)', i.ngf),
      field('learning rate', i.lr),
      field('L1 weight', i.lambdaL1),
      field('direction', i.direction, 'AtoB: labels to photo'),
      field('redraw samples every', i.sampleEvery, 'steps'),
      this.#start,
      this.#stop,
    );
    this.panel.body.append(
      el('div', { class: 'pictures' }, this.#chart.canvas, this.#grid.figure),
      el(
        'div',
        { class: 'controls' },
        this.#save,
        field('load a generator', this.#load),
        this.#loadStatus,
      ),
    );
    this.#start.addEventListener('click', () => void this.run());
    this.#stop.addEventListener('click', () => this.#abort?.abort());
    this.#save.addEventListener('click', () => void this.save());
    this.#load.addEventListener('change', () => void this.load(this.#load.files?.[0]));
    this.#folder.addEventListener('change', () =>
      this.chooseFolder([...(this.#folder.files ?? [])]),
    );
    // A folder dropped anywhere on the demo: its files (the browser flattens the folder).
    this.panel.section.addEventListener('dragover', (event) => event.preventDefault());
    this.panel.section.addEventListener('drop', (event) => {
      event.preventDefault();
      this.chooseFolder([...(event.dataTransfer?.files ?? [])]);
    });
  }

  /** Takes the visitor's images as the data of the next run (read then, at its size). */
  chooseFolder(files: File[]): void {
    this.#folderFiles = imageFiles(files);
    const n = this.#folderFiles.length;
    this.#folderStatus.textContent =
      n > 0 ? `${n} image(s) chosen: the next run trains on them` : 'no images in what was chosen';
    this.panel.section.dataset.folderImages = String(n);
    if (n > 0) this.#source.value = 'my folder';
  }

  #read(): Pix2PixRun {
    const i = this.#inputs;
    return {
      size: Number(i.size.value),
      steps: readNumber(i.steps, 'steps'),
      batch: readNumber(i.batch, 'batch'),
      ngf: readNumber(i.ngf, 'ngf'),
      lr: readNumber(i.lr, 'learning rate'),
      lambdaL1: readNumber(i.lambdaL1, 'L1 weight'),
      direction: i.direction.value as 'AtoB' | 'BtoA',
      sampleEvery: readNumber(i.sampleEvery, 'sample interval'),
      seed: 0,
      folder: undefined,
    };
  }

  /** The folder's pairs at the run's size, when the visitor chose it as the data. */
  async #readFolder(size: number): Promise<FolderPair[] | undefined> {
    if (this.#source.value !== 'my folder') return undefined;
    if (this.#folderFiles.length === 0) {
      throw new RangeError('data is "my folder" but no folder of A|B images was chosen');
    }
    const pairs = await readAlignedPairs(this.#folderFiles, size, (done, total) => {
      this.panel.status(`reading your folder: ${done} of ${total}`);
      this.panel.progress(done, total);
    });
    this.panel.section.dataset.pairs = String(pairs.length);
    return pairs;
  }

  async run(): Promise<void> {
    const panel = this.panel;
    if (panel.state === 'running') return;
    let samples: PairBatch | undefined;
    let folder: FolderPair[] | undefined;
    try {
      const run = this.#read();
      panel.state = 'running';
      panel.resetLoss();
      this.#chart.clear();
      this.#start.disabled = true;
      this.#stop.disabled = false;
      this.#save.disabled = true;
      folder = run.folder = await this.#readFolder(run.size);
      this.#harness?.dispose();
      const harness = (this.#harness = pix2pix({
        netG: `unet_${run.size}` as `unet_${number}`,
        ngf: run.ngf,
        ndf: run.ngf,
        lr: run.lr,
        lambdaL1: run.lambdaL1,
        direction: run.direction,
        seed: run.seed,
      }));
      this.#run = run;
      samples = folder ? folderBatch(folder) : await sampleBatch(run.size, run.seed);
      await this.#drawSamples(samples);
      this.#abort = new AbortController();
      const started = performance.now();
      let drawing: Promise<void> = Promise.resolve();
      const result = await train(harness, {
        data: this.#data(run),
        batch: run.batch,
        steps: run.steps,
        seed: run.seed,
        logEvery: 1,
        signal: this.#abort.signal,
        onProgress: (p) => {
          panel.progress(p.step, p.totalSteps);
          if (p.phase !== 'step') return;
          this.#chart.add(p.step, p.losses);
          if (p.losses.G_L1 !== undefined) panel.recordLoss(p.losses.G_L1);
          const rate = p.stepsPerSecond > 0 ? `, ${p.stepsPerSecond.toFixed(2)} steps/s` : '';
          panel.status(`step ${p.step} of ${p.totalSteps}${rate}`);
          if (p.step % run.sampleEvery === 0 || p.step === p.totalSteps) {
            drawing = drawing.then(() => this.#drawSamples(samples!));
          }
        },
      });
      await drawing;
      const seconds = (performance.now() - started) / 1000;
      const on = folder ? ` on ${folder.length} pairs of your folder` : '';
      panel.status(
        `${result.status === 'finished' ? 'Finished' : 'Stopped'} at step ${result.step}${on} in ${seconds.toFixed(1)} s; L1 ${result.losses.G_L1?.toFixed(4)}.`,
      );
      panel.state = 'done';
      this.#save.disabled = false;
    } catch (error) {
      panel.fail(error);
    } finally {
      if (samples) tf.dispose([samples.A, samples.B]);
      for (const p of folder ?? []) tf.dispose([p.A, p.B]);
      this.#start.disabled = false;
      this.#stop.disabled = true;
    }
  }

  /** The facades (or the folder's pairs) as { A, B }, handing the page a turn before each sample. */
  #data(run: Pix2PixRun): Dataset<unknown> {
    const folder = run.folder;
    if (folder) {
      // The trainer frees what it is given: each sample is a copy of the kept pair.
      return Dataset.indexed(folder.length, async (index) => {
        await nextTask();
        const pair = folder[index]!;
        return { A: tf.clone(pair.A), B: tf.clone(pair.B) };
      }) as Dataset<unknown>;
    }
    const facades = synthetic.facades({ size: run.size, count: 400, seed: run.seed });
    const pairs = facades.map((s) => ({ A: s.A, B: s.B }));
    return Dataset.indexed(400, async (index, epoch) => {
      await nextTask();
      return pairs.get(index, epoch);
    }) as Dataset<unknown>;
  }

  async #drawSamples(batch: PairBatch): Promise<void> {
    const harness = this.#harness;
    if (!harness) return;
    const G = harness.modules.G!;
    const grid = tf.tidy(() => sampleGrid(harness.samples(batch, { G })));
    try {
      await drawImage(this.#grid.canvas, grid);
    } finally {
      grid.dispose();
    }
  }

  /** The generator in PyTorch's layout and names (junyanz's `netG`), as safetensors. */
  async save(): Promise<Uint8Array | undefined> {
    const harness = this.#harness;
    const run = this.#run;
    if (!harness || !run) return undefined;
    const dict = harness.modules.G!.stateDict({ to: 'torch' });
    try {
      const bytes = await writeSafetensors(dict, {
        format: 'pt',
        'atelier.net': `unet_${run.size}`,
        'atelier.ngf': String(run.ngf),
      });
      download(bytes, `pix2pix-facades-${run.size}px-G.safetensors`);
      return bytes;
    } finally {
      tf.dispose(Object.values(dict));
    }
  }

  /** Loads a saved generator into the current one (strict: another net's weights are refused). */
  async load(file: File | undefined): Promise<void> {
    const status = this.#loadStatus;
    status.dataset.state = 'loading';
    try {
      if (!file) throw new Error('no file chosen');
      const harness = this.#harness;
      if (!harness || !this.#run)
        throw new Error(
          'train (or start training) first: the generator to load into is built by a run',
        );
      const { tensors } = readSafetensors(new Uint8Array(await file.arrayBuffer()));
      try {
        harness.modules.G!.loadStateDict(tensors, { from: 'torch' });
      } finally {
        tf.dispose(Object.values(tensors));
      }
      const samples = await sampleBatch(this.#run.size, this.#run.seed);
      try {
        await this.#drawSamples(samples);
      } finally {
        tf.dispose([samples.A, samples.B]);
      }
      status.textContent = `Loaded ${Object.keys(tensors).length} tensors from ${file.name}.`;
      status.dataset.tensors = String(Object.keys(tensors).length);
      status.dataset.state = 'loaded';
    } catch (error) {
      status.textContent =
        error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      status.dataset.state = 'error';
    }
  }
}
