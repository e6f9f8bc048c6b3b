import { el } from './dom.js';

export type DemoState = 'idle' | 'running' | 'done' | 'error';

/**
 * One demo's section: its controls, a progress bar, a status line, and its state in
 * the DOM (`data-state`, `data-loss-first`, `data-loss-last`) for people and tests.
 */
export class DemoPanel {
  readonly section: HTMLElement;
  readonly controls: HTMLElement;
  readonly body: HTMLElement;
  readonly #progress = el('progress', { max: 1, value: 0 });
  readonly #status = el('p', { class: 'status' }, 'Ready.');

  constructor(id: string, title: string, intro: string) {
    this.controls = el('div', { class: 'controls' });
    this.body = el('div', { class: 'body' });
    this.section = el(
      'section',
      { id, 'data-demo': id, 'data-state': 'idle' },
      el('h2', {}, title),
      el('p', { class: 'intro' }, intro),
      this.controls,
      el('div', { class: 'progress' }, this.#progress, this.#status),
      this.body,
    );
  }

  get state(): DemoState {
    return this.section.dataset.state as DemoState;
  }

  set state(state: DemoState) {
    this.section.dataset.state = state;
  }

  status(text: string): void {
    this.#status.textContent = text;
    this.#status.classList.remove('error');
  }

  progress(done: number, total: number): void {
    this.#progress.max = Math.max(total, 1);
    this.#progress.value = Math.min(done, total);
  }

  /** Shows an error; the demo's state becomes 'error' with the message in data-error. */
  fail(error: unknown): void {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.state = 'error';
    this.section.dataset.error = message;
    this.#status.textContent = message;
    this.#status.classList.add('error');
    console.warn(`${this.section.id}:`, error);
  }

  /** Records the first and last value of the loss a demo watches. */
  recordLoss(value: number): void {
    if (this.section.dataset.lossFirst === undefined)
      this.section.dataset.lossFirst = String(value);
    this.section.dataset.lossLast = String(value);
  }

  resetLoss(): void {
    delete this.section.dataset.lossFirst;
    delete this.section.dataset.lossLast;
    delete this.section.dataset.error;
  }
}
