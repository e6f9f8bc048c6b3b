/**
 * Inputs per fuzz target, and where a long run writes its numbers. `npm test` runs a few
 * hundred inputs per target; ATELIER_FUZZ_INPUTS=100000 makes the long run, which also
 * writes results/<name>.json and .md in the package (with the machine it ran on).
 * Node only (the fuzz tests run in Node).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { FuzzReport } from './fuzz.js';

export function fuzzInputs(quick: number): number {
  const text = process.env.ATELIER_FUZZ_INPUTS;
  return text ? Number(text) : quick;
}

export function isLongRun(): boolean {
  return process.env.ATELIER_FUZZ_INPUTS !== undefined;
}

/** Writes the reports of a long run as JSON and a Markdown table into `results`. */
export function writeFuzzResults(results: URL, name: string, reports: FuzzReport[]): void {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  mkdirSync(results, { recursive: true });
  const when = new Date().toISOString();
  writeFileSync(
    new URL(`${name}.json`, results),
    `${JSON.stringify({ when, machine, reports }, null, 1)}\n`,
  );
  const rows = reports.map((r) => {
    const crashes = r.crashes.length === 0 ? '0' : `${r.crashes.length}: ${r.crashes[0]!.why}`;
    return `| ${r.target} | ${r.inputs} | ${r.typed} | ${r.accepted} | ${crashes} | ${r.maxMs} | ${r.maxRssMiB} | ${r.seconds} |`;
  });
  const table = [
    `# Fuzzing: ${name}`,
    '',
    `Seeded mutations of valid files (bit flips, edge values, insertions, deletions,`,
    `splices, truncation), run with \`ATELIER_FUZZ_INPUTS=${reports[0]?.inputs ?? 0}\` on ${machine}, ${when}.`,
    'Typed: refused with a one-line AtelierError naming the file. Crashes: anything else',
    '(an untyped error, several lines, no file name, over 2 s). Max RSS is of the whole test process,',
    'garbage not yet collected included (Node frees the zlib context of a failed inflate a few',
    'collections later).',
    '',
    '| target | inputs | typed errors | accepted | crashes | max ms | max RSS MiB | seconds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  writeFileSync(new URL(`${name}.md`, results), table);
}
