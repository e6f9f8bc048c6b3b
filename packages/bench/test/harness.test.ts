import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, tf } from '@atelier/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BenchProgress,
  type BenchResult,
  getSuite,
  measure,
  median,
  registerSuite,
  runSuite,
} from '../src/index.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin: a step that takes a known time
  }
}

// A tiny suite: one case with a known duration, one skipped on wasm.
registerSuite({
  name: 'test-tiny',
  description: 'A suite for the harness tests.',
  python: 'ops.py',
  protocol: { cpu: { warmup: 1, runs: 3, minTimeMs: 0 } },
  cases: [
    {
      name: 'sleep/forward',
      description: 'busy for 20 ms',
      reference: { any: 'thing' },
      setup: () => ({
        run: () => {
          busy(20);
          return tf.scalar(1);
        },
        dispose: () => {},
      }),
    },
    {
      name: 'skipped/forward',
      description: 'never runs on wasm',
      skip: (backend) => (backend === 'wasm' ? 'too slow there' : undefined),
      setup: () => ({ run: () => tf.scalar(2), dispose: () => {} }),
    },
  ],
  smokeCases: [
    {
      name: 'sleep/forward',
      description: 'busy for 5 ms (smoke)',
      reference: { any: 'small' },
      setup: () => ({
        run: () => {
          busy(5);
          return tf.scalar(1);
        },
        dispose: () => {},
      }),
    },
  ],
});

/**
 * A stand-in Python that "has torch" (with CUDA unless `cuda` is false), logs its
 * arguments to `args.log`, and answers every case with 4 ms on the device it was given.
 */
function fakePython(dir: string, cuda = true): string {
  const python = join(dir, 'python');
  writeFileSync(
    python,
    [
      '#!/bin/sh',
      `if [ "$1" = "-c" ]; then case "$2" in *cuda*) exit ${cuda ? 0 : 3};; esac; exit 0; fi`,
      `echo "$@" >> ${join(dir, 'args.log')}`,
      'cat >/dev/null',
      'device=cpu; [ "$3" = "cuda" ] && device="Test GPU 80GB"',
      "echo 'done sleep/forward' >&2",
      'echo "{\\"torch\\":\\"9.9\\",\\"threads\\":2,\\"device\\":\\"$device\\",\\"ms\\":{\\"sleep/forward\\":4}}"',
      '',
    ].join('\n'),
  );
  chmodSync(python, 0o755);
  return python;
}

describe('harness', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('times runs after the warm-up, fewer when the budget is short', async () => {
    const calls: number[] = [];
    const step = () => {
      calls.push(1);
      busy(15);
      return tf.scalar(0);
    };
    const full = await measure(step, { warmup: 2, runs: 5, budgetMs: 10_000 });
    expect(calls.length).toBe(7);
    expect(full.samples.length).toBe(5);
    expect(full.ms).toBeGreaterThanOrEqual(15);
    expect(full.ms).toBeLessThan(200);
    const short = await measure(step, { warmup: 1, runs: 5, budgetMs: 40 });
    expect(short.samples.length).toBeLessThanOrEqual(2);
    expect(short.samples.length).toBeGreaterThanOrEqual(1);
    expect(short.warmUpOnly).toBeUndefined();
    calls.length = 0;
    calls.length = 0;
    const filled = await measure(step, { warmup: 1, runs: 2, budgetMs: 10_000, minTimeMs: 100 });
    // 15 ms or more a run: 2 runs do not fill 100 ms; timing stops once they do.
    const total = filled.samples.reduce((a, b) => a + b, 0);
    expect(filled.samples.length).toBeGreaterThan(2);
    expect(total).toBeGreaterThanOrEqual(100);
    expect(total - filled.samples.at(-1)!).toBeLessThan(100);
    calls.length = 0;
    const over = await measure(step, { warmup: 2, runs: 5, budgetMs: 5 });
    expect(calls.length).toBe(1);
    expect(over.warmUpOnly).toBe(true);
    expect(over.samples).toEqual([over.ms]);
  });
});

describe('runSuite', () => {
  it('writes JSON and Markdown, with PyTorch marked missing when it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
    const events: BenchProgress[] = [];
    await init({ backend: 'cpu' });
    const before = tf.memory().numTensors;
    const report = await runSuite('test-tiny', {
      backends: ['cpu', 'wasm'],
      outDir: dir,
      python: join(dir, 'no-such-python'),
      onProgress: (e) => events.push(e),
    });
    expect(tf.memory().numTensors).toBe(before);
    const results = JSON.parse(readFileSync(join(dir, 'test-tiny.json'), 'utf8')) as BenchResult[];
    expect(results).toEqual(report.results);
    expect(results).toHaveLength(4);
    for (const r of results) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(['suite', 'case', 'backend', 'ms', 'referenceMs', 'ratio']),
      );
      expect(r.referenceMs).toBeNull();
      expect(r.ratio).toBeNull();
    }
    const sleep = results.find((r) => r.case === 'sleep/forward' && r.backend === 'cpu')!;
    expect(sleep.ms).toBeGreaterThanOrEqual(20);
    expect(sleep.runs).toBe(3);
    const skipped = results.find((r) => r.case === 'skipped/forward' && r.backend === 'wasm')!;
    expect(skipped.ms).toBeNull();
    expect(skipped.note).toBe('too slow there');
    const markdown = readFileSync(join(dir, 'test-tiny.md'), 'utf8');
    expect(markdown).toContain('PyTorch missing');
    expect(markdown).toMatch(
      /\| sleep\/forward \| busy for 20 ms \| PyTorch missing \| \d+\.\d+ \|/,
    );
    expect(markdown).toContain('too slow there');
    // Progress: one event per step (PyTorch, then 2 cases × 2 backends), ending at the total.
    const last = events.filter((e) => e.phase === 'case').at(-1)!;
    expect(last.done).toBe(5);
    expect(last.total).toBe(5);
    expect(events.at(-1)!.phase).toBe('done');
  });

  it('divides by the PyTorch time measured in the same run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
    // A stand-in Python: "imports torch" and answers every case with 4 ms.
    const python = join(dir, 'python');
    writeFileSync(
      python,
      `#!/bin/sh\nif [ "$1" = "-c" ]; then exit 0; fi\ncat >/dev/null\necho 'done sleep/forward' >&2\necho '{"torch":"9.9","threads":2,"ms":{"sleep/forward":4}}'\n`,
    );
    chmodSync(python, 0o755);
    const report = await runSuite('test-tiny', { backends: ['cpu'], outDir: dir, python });
    const sleep = report.results.find((r) => r.case === 'sleep/forward')!;
    expect(sleep.referenceMs).toBe(4);
    expect(sleep.ratio).toBeCloseTo(sleep.ms! / 4, 10);
    expect(report.reference).toEqual({ available: true, torch: '9.9', threads: 2, device: 'cpu' });
    const markdown = readFileSync(join(dir, 'test-tiny.md'), 'utf8');
    expect(markdown).toContain('PyTorch 9.9');
    expect(markdown).toMatch(
      /\| sleep\/forward \| busy for 20 ms \| 4\.00 \| \d+\.\d+ \(\d+\.\d+×\) \|/,
    );
  });

  it('times PyTorch on CUDA when asked, and says when there is no CUDA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
    const python = fakePython(dir);
    const report = await runSuite('test-tiny', {
      backends: ['cpu'],
      outDir: dir,
      python,
      referenceDevice: 'cuda',
    });
    expect(readFileSync(join(dir, 'args.log'), 'utf8')).toMatch(/ops\.py --device cuda/);
    expect(report.reference).toMatchObject({ available: true, device: 'Test GPU 80GB' });
    expect(report.results.find((r) => r.case === 'sleep/forward')!.referenceMs).toBe(4);
    expect(readFileSync(join(dir, 'test-tiny.md'), 'utf8')).toContain(
      'on the GPU (Test GPU 80GB, CUDA, eager)',
    );
    const without = await runSuite('test-tiny', {
      backends: ['cpu'],
      write: false,
      python: fakePython(mkdtempSync(join(tmpdir(), 'atelier-bench-')), false),
      referenceDevice: 'cuda',
    });
    expect(without.reference).toEqual({
      available: false,
      reason: expect.stringContaining('has no CUDA device'),
    });
  });

  it('runs the smoke cases once each, with their reference specs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
    const report = await runSuite('test-tiny', {
      backends: ['cpu'],
      write: false,
      python: fakePython(dir),
      smoke: true,
    });
    expect(report.cases).toEqual([{ name: 'sleep/forward', description: 'busy for 5 ms (smoke)' }]);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]!.runs).toBe(1);
    expect(report.protocols.cpu).toMatchObject({ warmup: 0, runs: 1, minTimeMs: 0 });
    expect(report.description).toMatch(/^Smoke run/);
    // The bundle's suites each have smoke cases of their full cases' computations, with PyTorch specs.
    const key = (name: string) => name.split('/')[0];
    for (const name of ['ops', 'nets', 'gan', 'style']) {
      const suite = getSuite(name);
      const full = suite.cases.map((c) => key(c.name));
      expect(suite.smokeCases?.length).toBeGreaterThan(0);
      for (const c of suite.smokeCases!) {
        expect(full).toContain(key(c.name));
        // The reference script reads a smoke spec as it reads the full case's: same fields.
        const twin = suite.cases.find((f) => key(f.name) === key(c.name) && f.reference);
        expect(Object.keys(c.reference ?? {}).sort(), c.name).toEqual(
          Object.keys(twin!.reference!).sort(),
        );
      }
    }
  });
});
