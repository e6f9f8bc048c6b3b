/**
 * A line chart as inline SVG (no scripts, no external files), for the run report: one
 * polyline per series over the steps, with axes, ticks and a legend. Long series are
 * averaged into at most `maxPoints` buckets so the page stays small.
 */
export interface ChartSeries {
  name: string;
  points: [number, number][];
}

export interface ChartOptions {
  title: string;
  width?: number;
  height?: number;
  maxPoints?: number;
  /** A logarithmic y axis (for losses spanning decades); only used when every value is > 0. */
  logY?: boolean;
}

const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Bucket means: at most `max` points, each the mean of consecutive ones. */
export function downsample(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const out: [number, number][] = [];
  const per = points.length / max;
  for (let b = 0; b < max; b++) {
    const from = Math.floor(b * per);
    const to = Math.max(from + 1, Math.floor((b + 1) * per));
    let sx = 0;
    let sy = 0;
    for (let i = from; i < to; i++) {
      sx += points[i]![0];
      sy += points[i]![1];
    }
    out.push([sx / (to - from), sy / (to - from)]);
  }
  return out;
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

export function lineChart(series: ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 260;
  const maxPoints = options.maxPoints ?? 600;
  const margin = { left: 56, right: 12, top: 26, bottom: 34 };
  const shown = series
    .map((s) => ({
      name: s.name,
      points: downsample(
        s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
        maxPoints,
      ),
    }))
    .filter((s) => s.points.length > 0);
  const title = `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(options.title)}</text>`;
  if (shown.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12" fill="#888">no values yet</text></svg>`;
  }
  const all = shown.flatMap((s) => s.points);
  const log = options.logY === true && all.every(([, y]) => y > 0);
  const fy = (y: number) => (log ? Math.log10(y) : y);
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => fy(p[1]))), Math.max(...all.map((p) => fy(p[1])))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  // A flat series (a constant learning rate) gets a band around its value, not [-1, 1].
  if (y1 === y0) {
    const half = Math.abs(y0) > 0 ? Math.abs(y0) * 0.5 : 1;
    [y0, y1] = [y0 - half, y1 + half];
  }
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => margin.top + (1 - (fy(y) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [title];
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ccc"/>`,
  );
  for (const t of niceTicks(x0, x1)) {
    const x = sx(t).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${margin.top + plotH}" x2="${x}" y2="${margin.top + plotH + 4}" stroke="#666"/>`,
    );
    parts.push(
      `<text x="${x}" y="${margin.top + plotH + 16}" text-anchor="middle" font-size="10">${formatTick(t)}</text>`,
    );
  }
  const yTicks = log
    ? niceTicks(Math.ceil(y0), Math.floor(y1), Math.max(1, Math.floor(y1) - Math.ceil(y0)))
        .filter(Number.isInteger)
        .map((e) => 10 ** e)
    : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = sy(t);
    if (y < margin.top - 0.5 || y > margin.top + plotH + 0.5) continue;
    parts.push(
      `<line x1="${margin.left}" y1="${y.toFixed(1)}" x2="${margin.left + plotW}" y2="${y.toFixed(1)}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${margin.left - 4}" y="${(y + 3).toFixed(1)}" text-anchor="end" font-size="10">${formatTick(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 4}" text-anchor="middle" font-size="10" fill="#555">step</text>`,
  );
  shown.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const d = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.3" points="${d}"/>`);
    const lx = margin.left + 8 + (i % 4) * Math.floor(plotW / 4);
    const ly = margin.top + 12 + Math.floor(i / 4) * 13;
    parts.push(`<rect x="${lx}" y="${ly - 7}" width="10" height="3" fill="${colour}"/>`);
    parts.push(`<text x="${lx + 14}" y="${ly - 3}" font-size="10">${escapeXml(s.name)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}
