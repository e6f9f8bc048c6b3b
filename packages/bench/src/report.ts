import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName } from '@atelier/core';
import type { BenchProgress, BenchResult, Protocol } from './types.js';

/** Everything a run of one suite found; the JSON file holds `results`, the table all of it. */
export interface SuiteReport {
  suite: string;
  description: string;
  date: string;
  machine: {
    cpu: string;
    cores: number;
    platform: string;
    node: string;
    tfjs: string;
    /** One-minute load averages when the run started and ended: other work skews timings. */
    load: [number, number];
  };
  reference:
    | { available: true; torch: string; threads: number; device?: string }
    | { available: false; reason: string };
  backends: { name: BackendName; ok: boolean; detail: string }[];
  protocols: Partial<Record<BackendName | 'reference', Protocol>>;
  cases: { name: string; description: string }[];
  results: BenchResult[];
  notes: string[];
}

export function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

export function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

function protocolText(name: string, p: Protocol | undefined): string {
  return p ? `${name} ${p.warmup}+${p.runs}` : `${name} —`;
}

/** The Markdown table of a report: a row per case, a column per backend. */
export function formatMarkdown(report: SuiteReport): string {
  const backends = report.backends.map((b) => b.name);
  const footnotes: string[] = [];
  const footnote = (text: string): string => {
    let i = footnotes.indexOf(text);
    if (i < 0) i = footnotes.push(text) - 1;
    return `[${i + 1}]`;
  };
  const m = report.machine;
  const lines: string[] = [`# Benchmark \`${report.suite}\``, '', report.description, ''];
  lines.push(
    `Measured ${report.date} on ${m.cpu} (${m.cores} cores), ${m.platform}, Node ${m.node}, TensorFlow.js ${m.tfjs}; load average ${m.load[0].toFixed(1)} at the start, ${m.load[1].toFixed(1)} at the end${
      Math.max(...m.load) > m.cores
        ? ' (the machine was shared with other work: times are inflated)'
        : ''
    }.`,
  );
  lines.push(
    report.reference.available
      ? `Reference: PyTorch ${report.reference.torch} on the same machine in the same run, ${
          report.reference.device && report.reference.device !== 'cpu'
            ? `on the GPU (${report.reference.device}, CUDA, eager)`
            : `${report.reference.threads} threads`
        }.`
      : `Reference: PyTorch missing (${report.reference.reason}).`,
  );
  const order: (BackendName | 'reference')[] = ['reference', ...backends];
  lines.push(
    `Protocol: median of the timed runs after warm-up runs (warm-up+timed: ${order
      .map((k) => protocolText(k === 'reference' ? 'PyTorch' : k, report.protocols[k]))
      .join(
        ', ',
      )}; fewer timed runs where a case would overrun its time budget, more for fast cases until their timed runs fill ${report.protocols.wasm?.minTimeMs ?? report.protocols.cpu?.minTimeMs ?? 0} ms). Each run ends when its outputs are computed (one element is read back, so WebGPU work is counted).`,
  );
  lines.push('');
  const head = ['case', 'what', 'PyTorch ms', ...backends.map((b) => `${b} ms (× PyTorch)`)];
  lines.push(`| ${head.join(' | ')} |`);
  lines.push(`| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`);
  for (const c of report.cases) {
    const row = report.results.filter((r) => r.case === c.name);
    const ref = row.find((r) => r.referenceMs !== null)?.referenceMs ?? null;
    const refText =
      ref !== null ? formatMs(ref) : report.reference.available ? 'n/a' : 'PyTorch missing';
    const cells = backends.map((b) => {
      const r = row.find((x) => x.backend === b);
      if (!r) return '—';
      const mark = r.note ? ` ${footnote(r.note)}` : '';
      if (r.ms === null) return `skipped${mark}`;
      const ratio = r.ratio !== null ? ` (${formatRatio(r.ratio)})` : '';
      return `${formatMs(r.ms)}${ratio}${mark}`;
    });
    lines.push(`| ${c.name} | ${c.description} | ${refText} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const b of report.backends) lines.push(`- ${b.name}: ${b.detail}`);
  if (footnotes.length > 0) {
    lines.push('');
    for (const [i, text] of footnotes.entries()) lines.push(`[${i + 1}] ${text}`);
  }
  if (report.notes.length > 0) {
    lines.push('');
    for (const note of report.notes) lines.push(note);
  }
  lines.push('');
  return lines.join('\n');
}

/** Writes `<suite>.json` (the results) and `<suite>.md` (the table) into `dir`. */
export function writeReport(report: SuiteReport, dir: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${report.suite}.json`);
  const markdown = join(dir, `${report.suite}.md`);
  // Written beside and renamed, so an interrupted run leaves the last report whole.
  const write = (path: string, text: string) => {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  };
  write(json, `${JSON.stringify(report.results, null, 2)}\n`);
  write(markdown, formatMarkdown(report));
  return { json, markdown };
}

/** One line of progress, as the bench and `atelier bench` commands print it. */
export function formatProgress(event: BenchProgress): string {
  const whole =
    event.phase === 'backend' ||
    (event.phase === 'reference' && event.case === undefined && event.done === 0);
  return whole
    ? `[${event.suite}] ${event.message}`
    : `[${event.suite} ${event.done}/${event.total}] ${event.message}`;
}
