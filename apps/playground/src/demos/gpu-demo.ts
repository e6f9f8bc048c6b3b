import type { BenchResult } from '@atelier/bench';
import { currentBackend, tf } from '@atelier/core';
import { type NetCase, netCases, prepareNet } from '../bench/net-cases.js';
import { type ConvCase, convCases, convFlops, prepareConv } from '../bench/op-cases.js';
import { timeRuns } from '../bench/time-case.js';
import { DemoPanel } from '../ui/demo-panel.js';
import { el, field, numberInput, readNumber, select } from '../ui/dom.js';

const SIZES = { 'as the suites': 1, 'quarter sides': 0.25, tiny: 0.125 } as const;
type SizeName = keyof typeof SIZES;

/** A case of either suite, as the page times it. */
type PageCase = { suite: 'ops'; c: ConvCase } | { suite: 'nets'; c: NetCase };

/**
 * "Your GPU": the convolution cases of @atelier/bench's ops suite and the networks of
 * its nets suite, timed on the visitor's backend, with milliseconds and GFLOP/s (images
 * per second for the networks), and the results as JSON in the bench's result format
 * (BenchResult[]) to copy.
 */
export class GpuDemo {
  readonly panel = new DemoPanel(
    'gpu',
    'Your GPU',
    "Convolutions of Atelier's ops benchmark and the networks of its nets benchmark, timed here on this page's backend (median of the timed runs, each until the GPU has finished).",
  );
  readonly #inputs = {
    sizes: select(Object.keys(SIZES), 'as the suites'),
    runs: numberInput(10, 1, 200),
  };
  readonly #start = el('button', { type: 'button' }, 'Run the cases');
  readonly #table = el('table', { class: 'results' });
  readonly #json = el('textarea', { rows: 8, readonly: true, class: 'json' });
  readonly #copy = el('button', { type: 'button', disabled: true }, 'Copy JSON');

  constructor(smoke: boolean) {
    if (smoke) {
      this.#inputs.sizes.value = 'tiny';
      this.#inputs.runs.value = '2';
    }
    this.panel.controls.append(
      field('sizes', this.#inputs.sizes),
      field('timed runs per case', this.#inputs.runs),
      this.#start,
    );
    this.panel.body.append(
      this.#table,
      field('results (BenchResult[] JSON)', this.#json),
      this.#copy,
    );
    this.#start.addEventListener('click', () => void this.run());
    this.#copy.addEventListener(
      'click',
      () => void navigator.clipboard.writeText(this.#json.value),
    );
  }

  async run(): Promise<void> {
    const panel = this.panel;
    if (panel.state === 'running') return;
    try {
      const runs = readNumber(this.#inputs.runs, 'runs');
      const sizeName = this.#inputs.sizes.value as SizeName;
      const backend = currentBackend();
      if (!backend) throw new Error('no backend has started');
      panel.state = 'running';
      panel.resetLoss();
      this.#start.disabled = true;
      const cases: PageCase[] = [
        ...convCases(SIZES[sizeName]).map((c) => ({ suite: 'ops' as const, c })),
        ...netCases(SIZES[sizeName]).map((c) => ({ suite: 'nets' as const, c })),
      ];
      const adapter = backend.adapter
        ? `${backend.adapter.vendor} ${backend.adapter.architecture}${backend.adapter.isSoftware ? ' (software)' : ''}`.trim()
        : undefined;
      const results: BenchResult[] = [];
      this.#table.replaceChildren(
        el(
          'tr',
          {},
          ...['suite', 'case', 'what', 'ms (median)', 'GFLOP/s or images/s', 'runs'].map((h) =>
            el('th', {}, h),
          ),
        ),
      );
      for (const [index, { suite, c }] of cases.entries()) {
        panel.status(`${suite} ${c.name} on ${backend.name} (${index + 1} of ${cases.length})`);
        panel.progress(index, cases.length);
        const step = suite === 'ops' ? prepareConv(c) : prepareNet(c);
        let timed: { ms: number; runs: number };
        try {
          timed = await timeRuns(step.run, { warmup: 1, runs, budgetMs: 10_000 });
        } finally {
          step.dispose();
        }
        // Convolutions have a closed-form count of operations; a network is reported per image.
        const rate =
          suite === 'ops'
            ? `${(convFlops(c) / (timed.ms * 1e6)).toFixed(2)} GFLOP/s`
            : `${(1000 / timed.ms).toFixed(2)} images/s`;
        const notes = [
          'browser playground',
          rate,
          ...(adapter ? [`adapter ${adapter}`] : []),
          ...(SIZES[sizeName] === 1 ? [] : [`sizes: ${sizeName} (${c.description})`]),
        ];
        results.push({
          suite,
          case: c.name,
          backend: backend.name,
          ms: timed.ms,
          referenceMs: null,
          ratio: null,
          runs: timed.runs,
          note: notes.join('; '),
        });
        this.#table.append(
          el(
            'tr',
            { 'data-case': c.name, 'data-suite': suite },
            el('td', {}, suite),
            el('td', {}, c.name),
            el('td', {}, c.description),
            el('td', {}, timed.ms.toFixed(2)),
            el('td', {}, rate),
            el('td', {}, String(timed.runs)),
          ),
        );
        this.#json.value = JSON.stringify(results, null, 2);
      }
      panel.progress(cases.length, cases.length);
      panel.status(
        `Done: ${cases.length} cases on ${backend.name}; ${tf.memory().numTensors} tensors held by the page.`,
      );
      this.#copy.disabled = false;
      panel.state = 'done';
    } catch (error) {
      panel.fail(error);
    } finally {
      this.#start.disabled = false;
    }
  }
}
