import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskResults } from './result-row.js';

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(4);
}

/** The Markdown table of a task's rows, baselines marked, best per metric in bold. */
export function resultsMarkdown(results: TaskResults): string {
  const best = new Map<string, number>();
  for (const r of results.rows) {
    const b = best.get(r.metric);
    if (b === undefined || (r.higherIsBetter ? r.value > b : r.value < b))
      best.set(r.metric, r.value);
  }
  const lines = [
    `### ${results.task}`,
    '',
    results.setting,
    '',
    '| method | metric | value | budget |',
    '| --- | --- | --- | --- |',
    ...results.rows.map((r) => {
      const v = format(r.value);
      const shown = best.get(r.metric) === r.value ? `**${v}**` : v;
      const arrow = r.higherIsBetter ? '↑' : '↓';
      return `| ${r.method}${r.baseline ? ' (baseline)' : ''} | ${r.metric} ${arrow} | ${shown} | ${r.budget} |`;
    }),
  ];
  if (results.notes) lines.push('', results.notes);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `results/<task>.json` (the rows) and `.md` (the table) under `dir`, and
 * replaces the task's block between `<!-- results:<task> -->` and
 * `<!-- /results:<task> -->` in the README beside `dir`, when it has one.
 */
export async function writeResults(dir: string, results: TaskResults): Promise<void> {
  await mkdir(dir, { recursive: true });
  const md = resultsMarkdown(results);
  await writeFile(join(dir, `${results.task}.json`), `${JSON.stringify(results.rows, null, 2)}\n`);
  await writeFile(join(dir, `${results.task}.md`), md);
  const readme = join(dir, '..', 'README.md');
  const text = await readFile(readme, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const open = `<!-- results:${results.task} -->`;
  const close = `<!-- /results:${results.task} -->`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a < 0 || b < a) return;
  await writeFile(readme, `${text.slice(0, a + open.length)}\n${md}${text.slice(b)}`);
}
