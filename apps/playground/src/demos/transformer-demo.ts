import type { TransformerNet } from '@atelier/blocks';
import { tf } from '@atelier/core';
import { loadTransformer, runTransformer } from '@atelier/style';
import { DemoPanel } from '../ui/demo-panel.js';
import { el, field, numberInput, readNumber } from '../ui/dom.js';
import { drawImage, figure, readImageFile } from '../ui/tensor-canvas.js';
import { defaultContent } from './default-images.js';

/** Resizes an image [H, W, 3] so its longer side is `side` (bilinear). */
function fit(image: tf.Tensor3D, side: number): tf.Tensor3D {
  const [h, w] = image.shape;
  const s = side / Math.max(h, w);
  const size: [number, number] = [Math.max(4, Math.round(h * s)), Math.max(4, Math.round(w * s))];
  return tf.tidy(() => tf.image.resizeBilinear(image, size, true));
}

/**
 * A feed-forward TransformerNet (Johnson et al.) from weights the visitor drops in:
 * pytorch/examples fast_neural_style's .pth files (candy, mosaic, ...) or safetensors.
 * Runs on an image or the webcam and reports frames per second.
 */
export class TransformerDemo {
  readonly panel = new DemoPanel(
    'transformer',
    'Style transfer: feed-forward TransformerNet',
    'Drop in trained weights (.pth as pytorch/examples publishes them, or .safetensors from atelier convert / train); one forward pass stylises a frame.',
  );
  readonly #input = figure('input');
  readonly #output = figure('output');
  readonly #inputs = {
    weights: el('input', { type: 'file', accept: '.pth,.pt,.safetensors', 'data-role': 'weights' }),
    image: el('input', { type: 'file', accept: 'image/*' }),
    side: numberInput(512, 16, 2048),
    frames: numberInput(10, 1, 1000),
  };
  readonly #run = el('button', { type: 'button', disabled: true }, 'Run on the image');
  readonly #webcam = el('button', { type: 'button', disabled: true }, 'Webcam');
  readonly #weightsStatus = el('span', { class: 'load-status' }, 'no weights yet');
  #net: TransformerNet | undefined;
  #camera: MediaStream | undefined;

  constructor(smoke: boolean) {
    if (smoke) {
      this.#inputs.side.value = '32';
      this.#inputs.frames.value = '2';
    }
    const i = this.#inputs;
    this.panel.controls.append(
      field('weights', i.weights),
      this.#weightsStatus,
      field('image', i.image, 'default: a synthetic facade'),
      field('size (longer side)', i.side),
      field('frames to time', i.frames),
      this.#run,
      this.#webcam,
    );
    this.panel.body.append(
      el('div', { class: 'pictures' }, this.#input.figure, this.#output.figure),
    );
    i.weights.addEventListener('change', () => void this.loadWeights(i.weights.files?.[0]));
    this.#run.addEventListener('click', () => void this.run());
    this.#webcam.addEventListener('click', () => void this.toggleWebcam());
  }

  async loadWeights(file: File | undefined): Promise<void> {
    if (!file) return;
    const status = this.#weightsStatus;
    status.textContent = `reading ${file.name}...`;
    try {
      const net = await loadTransformer(new Uint8Array(await file.arrayBuffer()));
      this.#net?.dispose();
      this.#net = net;
      status.textContent = `${file.name}: ${net.parameters().length} tensors loaded`;
      status.dataset.state = 'loaded';
      this.#run.disabled = false;
      this.#webcam.disabled = false;
    } catch (error) {
      status.textContent =
        error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      status.dataset.state = 'error';
    }
  }

  /** Stylises the image `frames` times (first one a warm-up) and reports frames per second. */
  async run(): Promise<void> {
    const panel = this.panel;
    const net = this.#net;
    if (!net || panel.state === 'running') return;
    const held: tf.Tensor[] = [];
    try {
      const side = readNumber(this.#inputs.side, 'size');
      const frames = readNumber(this.#inputs.frames, 'frames');
      panel.state = 'running';
      panel.resetLoss();
      this.#run.disabled = true;
      const file = this.#inputs.image.files?.[0];
      const source = file ? await readImageFile(file) : await defaultContent(256);
      const image = fit(source, side);
      source.dispose();
      held.push(image);
      await drawImage(this.#input.canvas, image);
      const first = runTransformer(net, image);
      await drawImage(this.#output.canvas, first);
      first.dispose();
      const started = performance.now();
      for (let f = 1; f <= frames; f++) {
        const out = runTransformer(net, image);
        await drawImage(this.#output.canvas, out);
        out.dispose();
        panel.progress(f, frames);
      }
      const fps = frames / ((performance.now() - started) / 1000);
      const [h, w] = image.shape;
      const out = runTransformer(net, image);
      held.push(out);
      const range = tf.tidy(() => [tf.min(out), tf.max(out), tf.any(tf.isNaN(out))]);
      held.push(...range);
      const [min, max, nan] = await Promise.all(range.map((t) => t.data()));
      if (nan![0] || !Number.isFinite(min![0]!) || !Number.isFinite(max![0]!)) {
        throw new Error('the network produced NaN or infinite values');
      }
      this.panel.section.dataset.fps = fps.toFixed(3);
      panel.status(
        `${w}x${h}: ${fps.toFixed(2)} frames/s over ${frames} frames (forward pass and drawing).`,
      );
      panel.state = 'done';
    } catch (error) {
      panel.fail(error);
    } finally {
      tf.dispose(held);
      this.#run.disabled = this.#net === undefined;
    }
  }

  /** Stylises the webcam's frames as fast as they come, with the rate shown. */
  async toggleWebcam(): Promise<void> {
    if (this.#camera) {
      for (const track of this.#camera.getTracks()) track.stop();
      this.#camera = undefined;
      return;
    }
    try {
      const side = readNumber(this.#inputs.side, 'size');
      const camera = (this.#camera = await navigator.mediaDevices.getUserMedia({ video: true }));
      const video = el('video', { muted: true, playsinline: true });
      video.srcObject = camera;
      await video.play();
      let shown = 0;
      const started = performance.now();
      while (this.#camera === camera && this.#net) {
        const frame = tf.tidy(() =>
          fit(tf.cast(tf.browser.fromPixels(video), 'float32') as tf.Tensor3D, side),
        );
        const out = runTransformer(this.#net, frame);
        frame.dispose();
        await drawImage(this.#output.canvas, out);
        out.dispose();
        shown++;
        const fps = shown / ((performance.now() - started) / 1000);
        this.panel.status(`webcam: ${fps.toFixed(2)} frames/s (press Webcam again to stop)`);
      }
    } catch (error) {
      this.panel.fail(error);
      this.#camera = undefined;
    }
  }
}
