import { join } from 'node:path';
import type { BackendName } from '@atelier/core';
import { UsageError } from '../errors.js';

/** The part of @atelier/bench this command uses. */
interface BenchPackage {
  suiteNames(): string[];
  runSuite(
    name: string,
    options: {
      backends?: BackendName[];
      reference?: boolean;
      protocol?: { runs: number };
      outDir?: string;
      onProgress?: (event: BenchEvent) => void;
    },
  ): Promise<{ results: unknown[] }>;
  resultsDir(): string;
  formatProgress(event: BenchEvent): string;
}

interface BenchEvent {
  suite: string;
  phase: string;
  case?: string;
  done: number;
  total: number;
  message: string;
}

// The benchmarks and their PyTorch scripts live in the monorepo's private
// @atelier/bench package, not in the published command: import it only when asked.
const BENCH_PACKAGE = '@atelier/bench';

async function loadBench(): Promise<BenchPackage> {
  try {
    return (await import(BENCH_PACKAGE)) as BenchPackage;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UsageError(
        'the benchmarks are in the repository (packages/bench), not in this install: run `atelier bench` or `npm run bench` from a clone of the monorepo',
      );
    }
    throw error;
  }
}

export interface BenchOptions {
  suites: string[];
  backends?: BackendName[];
  reference?: boolean;
  runs?: number;
  outDir?: string;
}

/**
 * Runs benchmark suites (all when none is named) and writes each one's
 * results/<suite>.json and .md; returns the files written. Unknown suites are refused
 * before anything runs.
 */
export async function bench(options: BenchOptions): Promise<string[]> {
  const pkg = await loadBench();
  const known = pkg.suiteNames();
  const names = options.suites.length > 0 ? options.suites : known;
  for (const name of names) {
    if (!known.includes(name)) {
      throw new UsageError(`no suite '${name}'; the suites are: ${known.join(', ')}`);
    }
  }
  const written: string[] = [];
  for (const name of names) {
    const report = await pkg.runSuite(name, {
      ...(options.backends ? { backends: options.backends } : {}),
      ...(options.reference === false ? { reference: false } : {}),
      ...(options.runs !== undefined ? { protocol: { runs: options.runs } } : {}),
      ...(options.outDir ? { outDir: options.outDir } : {}),
      onProgress: (event) => process.stderr.write(`${pkg.formatProgress(event)}\n`),
    });
    const dir = join(options.outDir ?? pkg.resultsDir(), name);
    written.push(`${dir}.json`, `${dir}.md`);
    process.stdout.write(`${name}: ${report.results.length} results in ${dir}.md\n`);
  }
  return written;
}
