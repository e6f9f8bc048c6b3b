import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  ArgumentError,
  BACKEND_NAMES,
  type BackendName,
  currentBackend,
  init,
  shutdown,
  tf,
} from '@atelier/core';
import { measure } from './harness.js';
import { type ReferenceDevice, runReference } from './reference.js';
import { getSuite } from './registry.js';
import { type SuiteReport, writeReport } from './report.js';
import type { BenchProgress, BenchResult, Protocol, Suite } from './types.js';

export interface RunSuiteOptions {
  /** Backends to time on, in order; all three by default. */
  backends?: BackendName[];
  /** Called as the suite runs: at the start of each backend and after every step. */
  onProgress?: (event: BenchProgress) => void;
  /** Where `<suite>.json` and `<suite>.md` go; packages/bench/results by default. */
  outDir?: string;
  /** false: leave the results unwritten (the report is still returned). */
  write?: boolean;
  /** false: skip PyTorch (referenceMs stays null and the table says why). */
  reference?: boolean;
  /** The Python with PyTorch; /usr/bin/python3 by default. */
  python?: string;
  /** Where PyTorch runs the cases: 'cpu' (default) or 'cuda'. */
  referenceDevice?: ReferenceDevice;
  /** Run the suite's tiny `smokeCases` (one untimed-warm-up run each) instead of its cases. */
  smoke?: boolean;
  /** Replaces parts of every backend's protocol (say, fewer runs for a quick look). */
  protocol?: Partial<Protocol>;
}

export const DEFAULT_PROTOCOLS: Record<BackendName | 'reference', Protocol> = {
  cpu: { warmup: 1, runs: 3, budgetMs: 20_000, minTimeMs: 1000 },
  wasm: { warmup: 2, runs: 10, budgetMs: 20_000, minTimeMs: 1000 },
  webgpu: { warmup: 1, runs: 3, budgetMs: 20_000, minTimeMs: 1000 },
  reference: { warmup: 2, runs: 10, budgetMs: 20_000, minTimeMs: 1000 },
};

/** A smoke run proves the setup: one run per case, no warm-up, no minimum time. */
export const SMOKE_PROTOCOL: Protocol = { warmup: 0, runs: 1, budgetMs: 60_000, minTimeMs: 0 };

export function resultsDir(): string {
  return fileURLToPath(new URL('../results/', import.meta.url));
}

function protocolFor(
  suite: Suite,
  key: BackendName | 'reference',
  override: Partial<Protocol> | undefined,
): Protocol {
  return { ...DEFAULT_PROTOCOLS[key], ...suite.protocol?.[key], ...override };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs a registered suite: PyTorch first (when installed), then every case on every
 * backend, and writes `results/<suite>.json` and `results/<suite>.md`.
 * A backend that cannot start, or a case that is skipped or fails on one, is reported
 * in the table rather than ending the run.
 */
export async function runSuite(name: string, options: RunSuiteOptions = {}): Promise<SuiteReport> {
  const suite = smokeOf(getSuite(name), options.smoke === true);
  if (options.smoke) options = { ...options, protocol: { ...SMOKE_PROTOCOL, ...options.protocol } };
  const loadAtStart = loadavg()[0]!;
  const backends = options.backends ?? [...BACKEND_NAMES];
  const total = suite.cases.length * backends.length + 1;
  let done = 0;
  const progress = (event: Omit<BenchProgress, 'suite' | 'done' | 'total'>) =>
    options.onProgress?.({ suite: suite.name, done, total, ...event });

  // PyTorch first, alone on the machine.
  await suite.prepare?.();
  const referenceProtocol = protocolFor(suite, 'reference', options.protocol);
  const specs = suite.cases.flatMap((c) =>
    c.reference ? [{ name: c.name, spec: c.reference }] : [],
  );
  let reference: SuiteReport['reference'];
  let referenceMs: Record<string, number> = {};
  if (options.reference === false) {
    reference = { available: false, reason: 'not requested' };
  } else if (!suite.python || specs.length === 0) {
    reference = { available: false, reason: 'this suite has no PyTorch counterpart' };
  } else {
    progress({ phase: 'reference', message: 'timing PyTorch' });
    const outcome = await runReference(suite.python, specs, referenceProtocol, {
      ...(options.python ? { python: options.python } : {}),
      ...(options.referenceDevice ? { device: options.referenceDevice } : {}),
      onCase: (caseName) =>
        progress({ phase: 'reference', case: caseName, message: `PyTorch ${caseName}` }),
    });
    if (outcome.ok) {
      reference = {
        available: true,
        torch: outcome.torch,
        threads: outcome.threads,
        device: outcome.device,
      };
      referenceMs = outcome.ms;
    } else {
      reference = { available: false, reason: outcome.reason };
    }
  }
  done++;
  progress({
    phase: 'reference',
    message: reference.available
      ? `PyTorch ${reference.torch} timed`
      : `PyTorch missing: ${reference.reason}`,
  });

  const results: BenchResult[] = [];
  const backendRows: SuiteReport['backends'] = [];
  const protocols: SuiteReport['protocols'] = reference.available
    ? { reference: referenceProtocol }
    : {};
  for (const backend of backends) {
    const protocol = protocolFor(suite, backend, options.protocol);
    protocols[backend] = protocol;
    progress({ phase: 'backend', backend, message: `starting ${backend}` });
    let failure: string | undefined;
    try {
      const info = await init({ backend });
      const adapter = info.adapter
        ? `, adapter ${[info.adapter.vendor, info.adapter.architecture, info.adapter.description].filter(Boolean).join(' ')}${info.adapter.isSoftware ? ' (software)' : ''}`
        : '';
      backendRows.push({ name: backend, ok: true, detail: `started${adapter}` });
    } catch (error) {
      failure = `backend unavailable: ${message(error)}`;
      backendRows.push({ name: backend, ok: false, detail: failure });
    }
    for (const c of suite.cases) {
      const ref = referenceMs[c.referenceCase ?? c.name] ?? null;
      const base = { suite: suite.name, case: c.name, backend, referenceMs: ref };
      let result: BenchResult;
      const skip = failure ?? c.skip?.(backend);
      if (skip !== undefined) {
        result = { ...base, ms: null, ratio: null, runs: 0, note: skip };
      } else {
        const before = tf.memory().numTensors;
        let step: Awaited<ReturnType<typeof c.setup>> | undefined;
        try {
          step = await c.setup(backend);
          const m = await measure(() => step!.run(), protocol);
          result = {
            ...base,
            ms: m.ms,
            ratio: ref !== null ? m.ms / ref : null,
            runs: m.samples.length,
            ...(m.warmUpOnly
              ? {
                  note: `one run: it alone took longer than the ${protocol.budgetMs / 1000} s budget`,
                }
              : step.note
                ? { note: step.note }
                : {}),
          };
        } catch (error) {
          result = { ...base, ms: null, ratio: null, runs: 0, note: `failed: ${message(error)}` };
        } finally {
          step?.dispose();
        }
        // tfjs keeps the tape's tensors when a gradient throws: count leaks of clean runs only.
        const leaked = tf.memory().numTensors - before;
        if (leaked > 0 && result.ms !== null) {
          result.note = [result.note, `${leaked} tensors leaked`].filter(Boolean).join('; ');
        }
      }
      results.push(result);
      done++;
      progress({ phase: 'case', backend, case: c.name, result, message: describeResult(result) });
    }
    if (currentBackend()?.name === 'webgpu') await shutdown();
  }
  await shutdown();

  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const report: SuiteReport = {
    suite: suite.name,
    description: suite.description,
    date: new Date().toISOString().slice(0, 10),
    machine: {
      cpu,
      cores: availableParallelism(),
      platform: `${platform()} ${release()}`,
      node: process.versions.node,
      tfjs: tf.version_core,
      load: [loadAtStart, loadavg()[0]!],
    },
    reference,
    backends: backendRows,
    protocols,
    cases: suite.cases.map((c) => ({ name: c.name, description: c.description })),
    results,
    notes: suite.notes?.(results) ?? [],
  };
  if (options.write !== false) writeReport(report, options.outDir ?? resultsDir());
  progress({ phase: 'done', message: `${suite.name}: ${results.length} results` });
  return report;
}

/** The suite as a smoke run sees it: its tiny cases, or an error when it has none. */
function smokeOf(suite: Suite, smoke: boolean): Suite {
  if (!smoke) return suite;
  if (!suite.smokeCases) {
    throw new ArgumentError(`runSuite: suite '${suite.name}' has no smoke cases`);
  }
  return {
    ...suite,
    description: `Smoke run (tiny sizes, one run each: proves the setup, measures nothing). ${suite.description}`,
    cases: suite.smokeCases,
  };
}

function describeResult(r: BenchResult): string {
  const head = `${r.backend} ${r.case}`;
  if (r.ms === null) return `${head}: skipped (${r.note ?? ''})`;
  const ratio = r.ratio !== null ? `, ${r.ratio.toFixed(2)}× PyTorch` : '';
  return `${head}: ${r.ms.toFixed(2)} ms${ratio}`;
}
