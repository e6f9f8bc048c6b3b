import { el } from './dom.js';

const COLOURS = ['#d1495b', '#2e86ab', '#edae49', '#3a7d44', '#8e5572', '#555'];

/** Loss curves of named terms on a canvas, redrawn as values arrive (log scale for spread). */
export class LossChart {
  readonly canvas = el('canvas', { width: 420, height: 180, class: 'chart' });
  readonly #series = new Map<string, [number, number][]>();

  clear(): void {
    this.#series.clear();
    this.draw();
  }

  add(step: number, values: Record<string, number>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!Number.isFinite(value)) continue;
      let list = this.#series.get(name);
      if (!list) this.#series.set(name, (list = []));
      list.push([step, value]);
    }
    this.draw();
  }

  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const { width, height } = this.canvas;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    const all = [...this.#series.values()].flat();
    if (all.length === 0) return;
    const positive = all.every(([, v]) => v > 0);
    const y = (v: number) => (positive ? Math.log10(v) : v);
    const xs = all.map(([s]) => s);
    const ys = all.map(([, v]) => y(v));
    const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
    let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
    const pad = { left: 8, right: 110, top: 8, bottom: 16 };
    const px = (s: number) => pad.left + ((s - x0) / (x1 - x0)) * (width - pad.left - pad.right);
    const py = (v: number) =>
      pad.top + (1 - (y(v) - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
    ctx.font = '11px sans-serif';
    [...this.#series.entries()].forEach(([name, points], i) => {
      ctx.strokeStyle = ctx.fillStyle = COLOURS[i % COLOURS.length]!;
      ctx.beginPath();
      for (const [j, [s, v]] of points.entries()) {
        if (j === 0) ctx.moveTo(px(s), py(v));
        else ctx.lineTo(px(s), py(v));
      }
      ctx.stroke();
      const last = points[points.length - 1]![1];
      ctx.fillText(`${name} ${last.toPrecision(3)}`, width - pad.right + 6, 14 + i * 14);
    });
    ctx.fillStyle = '#777';
    ctx.fillText(`step ${x1}${positive ? ' (log scale)' : ''}`, pad.left, height - 3);
  }
}
