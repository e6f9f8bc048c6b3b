import { type ChartSeries, lineChart } from './loss-chart.js';
import type { MetricsLine } from './metrics-line.js';

export interface ReportInput {
  harness: string;
  status: 'running' | 'finished' | 'interrupted' | 'failed';
  step: number;
  totalSteps: number;
  /** Checkpointed step, if any. */
  checkpointStep: number | undefined;
  /** Term names by the optimizer whose update logged them (one chart each). */
  groups: Record<string, string[]>;
  metrics: MetricsLine[];
  /** Sample grid files relative to the report, newest last, with their steps. */
  samples: { step: number; file: string }[];
  config: unknown;
  /** What the grid columns show, e.g. ['input', 'output', 'target']. */
  columns: string[];
  updated: string;
  message?: string;
}

/**
 * Terms a progressive run logs about its schedule (the fade-in α and the resolution):
 * drawn as the phase curve and used to sort the samples by resolution, not as losses.
 */
const PHASE_TERMS = ['alpha', 'resolution'];

/** The α curve and the newest sample grid of each resolution, for runs that log them. */
function phaseSection(input: ReportInput): { chart?: string; samples: string } {
  const logged = input.metrics.filter((m) => typeof m.losses.resolution === 'number');
  if (logged.length === 0) return { samples: '' };
  const chart = lineChart(
    [
      {
        name: 'alpha',
        points: logged
          .filter((m) => typeof m.losses.alpha === 'number')
          .map((m) => [m.step, m.losses.alpha!]),
      },
    ],
    { title: 'fade-in α (resolution steps up where α restarts)', height: 180 },
  );
  // Each sample grid under the resolution logged at or before its step.
  const byResolution = new Map<number, { step: number; file: string }>();
  for (const sample of input.samples) {
    const line = logged.filter((m) => m.step <= sample.step).at(-1);
    if (line) byResolution.set(line.losses.resolution!, sample);
  }
  const figures = [...byResolution]
    .sort(([a], [b]) => a - b)
    .map(
      ([res, s]) =>
        `<figure><a href="${escapeHtml(s.file)}"><img src="${escapeHtml(s.file)}" alt="${res} px at step ${s.step}"></a><figcaption>${res}×${res} · step ${s.step}</figcaption></figure>`,
    );
  return {
    chart,
    samples:
      figures.length > 0
        ? `<h3>Per resolution</h3><div class="samples earlier">${figures.join('')}</div>`
        : '',
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The run's index.html: status, loss curves (inline SVG, one chart per optimizer plus
 * the learning rates), the newest sample grid large and earlier ones small, and the
 * configuration. Self-contained: no scripts; while the run is live the page reloads
 * itself every 15 s.
 */
export function renderReport(input: ReportInput): string {
  const charts: string[] = [];
  const grouped = new Set(Object.values(input.groups).flat());
  const allTerms = [...new Set(input.metrics.flatMap((m) => Object.keys(m.losses)))];
  const groups: Record<string, string[]> = {};
  for (const [group, terms] of Object.entries(input.groups)) {
    const losses = terms.filter((t) => !PHASE_TERMS.includes(t));
    if (losses.length > 0) groups[group] = losses;
  }
  const other = allTerms.filter((t) => !grouped.has(t) && !PHASE_TERMS.includes(t));
  if (other.length > 0) groups.other = other;
  for (const [group, terms] of Object.entries(groups)) {
    const series: ChartSeries[] = terms.map((name) => ({
      name,
      points: input.metrics
        .filter((m) => typeof m.losses[name] === 'number')
        .map((m) => [m.step, m.losses[name]!]),
    }));
    charts.push(lineChart(series, { title: `${group} losses` }));
  }
  const lrNames = [...new Set(input.metrics.flatMap((m) => Object.keys(m.lr ?? {})))];
  if (lrNames.length > 0) {
    charts.push(
      lineChart(
        lrNames.map((name) => ({
          name,
          points: input.metrics.map((m) => [m.step, m.lr?.[name] ?? Number.NaN]),
        })),
        { title: 'learning rate', height: 180 },
      ),
    );
  }
  const phases = phaseSection(input);
  if (phases.chart) charts.push(phases.chart);
  const latest = input.samples.at(-1);
  const earlier = input.samples.slice(0, -1).reverse().slice(0, 24);
  const percent = input.totalSteps > 0 ? Math.min(100, (100 * input.step) / input.totalSteps) : 0;
  const refresh = input.status === 'running' ? '<meta http-equiv="refresh" content="15">' : '';
  const columns =
    input.columns.length > 0 ? ` (columns: ${escapeHtml(input.columns.join(' | '))})` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}
<title>${escapeHtml(input.harness)} - step ${input.step}</title>
<style>
body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1400px}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.2em 0 .4em}
.status{color:#555}.bar{background:#eee;height:8px;width:320px;border-radius:4px;overflow:hidden;display:inline-block;vertical-align:middle}
.bar div{background:#4a8;height:8px}.charts svg{margin:0 1em 1em 0;border:1px solid #eee}
.samples img{image-rendering:pixelated;border:1px solid #ddd}.latest img{width:min(100%,${'768px'})}
.earlier figure{display:inline-block;margin:0 .6em .6em 0}.earlier img{width:192px}
figcaption{font-size:.8em;color:#555}pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:.8em}
</style></head><body>
<h1>${escapeHtml(input.harness)}</h1>
<p class="status">${escapeHtml(input.status)} · step ${input.step} of ${input.totalSteps} <span class="bar"><div style="width:${percent.toFixed(1)}%"></div></span>${
    input.checkpointStep !== undefined ? ` · checkpoint at step ${input.checkpointStep}` : ''
  } · updated ${escapeHtml(input.updated)}${input.message ? ` · ${escapeHtml(input.message)}` : ''}</p>
<h2>Losses</h2><div class="charts">${charts.join('\n')}</div>
<h2>Samples${columns}</h2>
${
  latest
    ? `<div class="samples latest"><figure><img src="${escapeHtml(latest.file)}" alt="samples at step ${latest.step}"><figcaption>step ${latest.step}</figcaption></figure></div>`
    : '<p>no samples yet</p>'
}
${phases.samples}<div class="samples earlier">${earlier
    .map(
      (s) =>
        `<figure><a href="${escapeHtml(s.file)}"><img src="${escapeHtml(s.file)}" alt="step ${s.step}"></a><figcaption>step ${s.step}</figcaption></figure>`,
    )
    .join('')}</div>
<h2>Configuration</h2><pre>${escapeHtml(JSON.stringify(input.config, null, 2))}</pre>
</body></html>
`;
}
