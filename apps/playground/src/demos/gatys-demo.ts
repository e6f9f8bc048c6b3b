import { tf } from '@atelier/core';
import {
  PRESERVE_COLORS,
  type PreserveColors,
  type RandomMultiScaleNetwork,
  randomNetwork,
  stylize,
} from '@atelier/style';
import { DemoPanel } from '../ui/demo-panel.js';
import { el, field, numberInput, readNumber, select } from '../ui/dom.js';
import { LossChart } from '../ui/loss-chart.js';
import { drawImage, figure, readImageFile } from '../ui/tensor-canvas.js';
import { defaultContent, defaultStyle } from './default-images.js';

const NO_PRESERVE = 'none';
/** Filter sizes of the random feature network: the package's default, or fewer (faster). */
const FILTER_SIZES = ['3,5,7,11,15,23', '3,5,7,11', '3,5'];

/**
 * Gatys et al.'s optimisation on a content and a style image (uploaded, or the
 * synthetic defaults), with the image redrawn as it forms. The feature network is the
 * package's embedded random multi-scale one (no VGG download in a page).
 */
export class GatysDemo {
  readonly panel = new DemoPanel(
    'gatys',
    'Style transfer: Gatys optimisation',
    'The output image is optimised (L-BFGS) until its features match the content image and its Gram matrices match the style image.',
  );
  readonly #chart = new LossChart();
  readonly #content = figure('content');
  readonly #style = figure('style');
  readonly #output = figure('output');
  readonly #inputs = {
    content: el('input', { type: 'file', accept: 'image/*' }),
    style: el('input', { type: 'file', accept: 'image/*' }),
    size: numberInput(256, 16, 1024),
    iterations: numberInput(100, 1, 2000),
    styleWeight: numberInput(100, 0, 1e6, 0.1),
    preserve: select([NO_PRESERVE, ...PRESERVE_COLORS], NO_PRESERVE),
    filters: select(FILTER_SIZES, FILTER_SIZES[0]!),
    maps: numberInput(64, 1, 256),
  };
  readonly #start = el('button', { type: 'button' }, 'Stylize');
  readonly #stop = el('button', { type: 'button', disabled: true }, 'Stop');
  #abort: AbortController | undefined;

  constructor(smoke: boolean) {
    if (smoke) {
      this.#inputs.size.value = '32';
      this.#inputs.iterations.value = '4';
      this.#inputs.filters.value = '3,5';
      this.#inputs.maps.value = '16';
    }
    const i = this.#inputs;
    this.panel.controls.append(
      field('content image', i.content, 'default: a synthetic facade'),
      field('style image', i.style, 'default: a synthetic texture'),
      field('size (longer side)', i.size),
      field('iterations', i.iterations),
      field('style weight', i.styleWeight),
      field('preserve colours', i.preserve),
      field('feature filter sizes', i.filters),
      field('feature maps per size', i.maps),
      this.#start,
      this.#stop,
    );
    this.panel.body.append(
      el(
        'div',
        { class: 'pictures' },
        this.#chart.canvas,
        this.#content.figure,
        this.#style.figure,
        this.#output.figure,
      ),
    );
    this.#start.addEventListener('click', () => void this.run());
    this.#stop.addEventListener('click', () => this.#abort?.abort());
  }

  async #image(input: HTMLInputElement, fallback: () => Promise<tf.Tensor3D>) {
    const file = input.files?.[0];
    return file ? readImageFile(file) : fallback();
  }

  async run(): Promise<void> {
    const panel = this.panel;
    if (panel.state === 'running') return;
    const held: tf.Tensor[] = [];
    let network: RandomMultiScaleNetwork | undefined;
    try {
      const i = this.#inputs;
      const size = readNumber(i.size, 'size');
      const iterations = readNumber(i.iterations, 'iterations');
      const styleWeight = readNumber(i.styleWeight, 'style weight');
      const maps = readNumber(i.maps, 'feature maps');
      panel.state = 'running';
      panel.resetLoss();
      this.#chart.clear();
      this.#start.disabled = true;
      this.#stop.disabled = false;
      const content = await this.#image(i.content, () => defaultContent(size));
      held.push(content);
      const style = await this.#image(i.style, () => defaultStyle(size));
      held.push(style);
      await drawImage(this.#content.canvas, content);
      await drawImage(this.#style.canvas, style);
      this.#abort = new AbortController();
      const started = performance.now();
      const preserve = i.preserve.value;
      network = randomNetwork({ sizes: i.filters.value.split(',').map(Number), maps });
      const result = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size,
        iterations,
        styleWeight,
        ...(preserve === NO_PRESERVE ? {} : { preserveColors: preserve as PreserveColors }),
        imageEvery: Math.max(1, Math.round(iterations / 20)),
        signal: this.#abort.signal,
        onProgress: async (p) => {
          panel.progress(p.iteration, p.total);
          panel.status(
            `iteration ${p.iteration} of ${p.total}, loss ${p.losses.total.toPrecision(4)}`,
          );
          panel.recordLoss(p.losses.total);
          this.#chart.add(p.iteration, {
            total: p.losses.total,
            content: p.losses.content,
            style: p.losses.style,
          });
          // Drawing reads the image back, which also hands the page a turn.
          if (p.image) await drawImage(this.#output.canvas, p.image);
          else await new Promise((r) => setTimeout(r, 0));
        },
      });
      held.push(result.image);
      await drawImage(this.#output.canvas, result.image);
      panel.recordLoss(result.losses.total);
      const seconds = (performance.now() - started) / 1000;
      panel.status(
        `${result.stopped ? 'Stopped' : 'Finished'}: ${result.iterations} iterations in ${seconds.toFixed(1)} s, loss ${result.losses.total.toPrecision(4)} (content ${result.losses.content.toPrecision(3)}, style ${result.losses.style.toPrecision(3)}).`,
      );
      panel.state = 'done';
    } catch (error) {
      panel.fail(error);
    } finally {
      tf.dispose(held);
      network?.dispose();
      this.#start.disabled = false;
      this.#stop.disabled = true;
    }
  }
}
