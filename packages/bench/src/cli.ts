/**
 * `npm run bench -w @atelier/bench [-- suite... --backend cpu,wasm --no-reference --runs N --out dir
 * --smoke --reference-device cpu|cuda --python PATH]`:
 * runs suites (all by default), reports progress on stderr, writes results/<suite>.{json,md}.
 * `--smoke` runs each suite's tiny cases once (a setup check, not a measurement).
 */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendName } from '@atelier/core';
import { formatProgress, runSuite, suiteNames } from './index.js';
import type { BenchProgress } from './types.js';

function fail(text: string): never {
  process.stderr.write(`bench: ${text}\n`);
  process.exit(2);
}

function backendsFrom(value: string | undefined): BackendName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      fail(`--backend: expected ${BACKEND_NAMES.join(', ')} (comma separated), got '${name}'`);
    }
  }
  return names as BackendName[];
}

function progressLine(event: BenchProgress): void {
  process.stderr.write(`${formatProgress(event)}\n`);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        backend: { type: 'string' },
        'no-reference': { type: 'boolean' },
        runs: { type: 'string' },
        out: { type: 'string' },
        smoke: { type: 'boolean' },
        'reference-device': { type: 'string' },
        python: { type: 'string' },
      },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const names = positionals.length > 0 ? positionals : suiteNames();
  for (const name of names) {
    if (!suiteNames().includes(name))
      fail(`no suite '${name}'; the suites are: ${suiteNames().join(', ')}`);
  }
  let runs: number | undefined;
  if (values.runs !== undefined) {
    runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1)
      fail(`--runs: expected a positive integer, got '${values.runs}'`);
  }
  const backends = backendsFrom(values.backend as string | undefined);
  const device = values['reference-device'] as string | undefined;
  if (device !== undefined && device !== 'cpu' && device !== 'cuda')
    fail(`--reference-device: expected cpu or cuda, got '${device}'`);
  for (const name of names) {
    const report = await runSuite(name, {
      ...(backends ? { backends } : {}),
      ...(values['no-reference'] ? { reference: false } : {}),
      ...(runs !== undefined ? { protocol: { runs } } : {}),
      ...(values.out ? { outDir: values.out as string } : {}),
      ...(values.smoke ? { smoke: true } : {}),
      ...(device ? { referenceDevice: device as 'cpu' | 'cuda' } : {}),
      ...(values.python ? { python: values.python as string } : {}),
      onProgress: progressLine,
    });
    process.stdout.write(`${name}: ${report.results.length} results written\n`);
  }
}

main().catch((error) => {
  process.stderr.write(
    `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
