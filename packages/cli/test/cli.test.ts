import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable } from '../src/table.js';
import { runAtelier } from './run-atelier.js';

const atelier = runAtelier(120_000);

describe('atelier bench', () => {
  it('runs a suite without PyTorch and writes its JSON and Markdown where asked', async () => {
    const out = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
    try {
      const { code, stdout, stderr } = await atelier(
        'bench',
        'ops',
        '--backend',
        'wasm',
        '--no-reference',
        '--runs',
        '1',
        '--out',
        out,
      );
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`ops: 12 results in ${join(out, 'ops')}.md`);
      const results = JSON.parse(readFileSync(join(out, 'ops.json'), 'utf8'));
      expect(results).toHaveLength(12);
      for (const r of results) {
        expect(r).toMatchObject({ suite: 'ops', backend: 'wasm', referenceMs: null });
        expect(r.ms).toBeGreaterThan(0);
      }
      expect(readFileSync(join(out, 'ops.md'), 'utf8')).toMatch(/^# Benchmark `ops`/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('names the suites when asked for one that does not exist, before running any', async () => {
    const { code, stderr } = await atelier('bench', 'ops', 'speed');
    expect(code).toBe(2);
    expect(stderr).toMatch(/no suite 'speed'; the suites are: .*ops/);
    const runs = await atelier('bench', '--runs', 'many');
    expect(runs.stderr).toMatch(/--runs: expected an integer >= 1, got 'many'/);
  });
});

describe('atelier doctor', () => {
  it('reports all three backends with adapter, timing and the auto choice', async () => {
    const { code, stdout } = await atelier('doctor', '--seconds', '0.2', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.rows.map((r: any) => r.backend)).toEqual(['webgpu', 'wasm', 'cpu']);
    for (const row of report.rows) {
      expect(row.ok, row.note).toBe(true);
      expect(row.convMs).toBeGreaterThan(0);
      expect(row.gflops).toBeGreaterThan(0);
    }
    expect(report.rows[0].adapter).toMatch(/\S/);
    // onnxruntime-node is installed here: the native path is timed on the same conv.
    expect(report.native.ok, report.native.note).toBe(true);
    expect(report.native.convMs).toBeGreaterThan(0);
    expect(['webgpu', 'wasm']).toContain(report.auto.name);
    expect(report.auto.reason).toMatch(/\S/);
  });

  it('prints a table', async () => {
    const { code, stdout } = await atelier('doctor', '--seconds', '0.1', '--backend', 'cpu,wasm');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^backend\s+status\s+adapter\s+conv 3x3 ms\s+GFLOP\/s\s+note/m);
    expect(stdout).toMatch(/^wasm\s+ok\s/m);
    expect(stdout).toMatch(/^onnxruntime\s+ok\s+native CPU\s+\d/m);
    expect(stdout).toMatch(/'auto' chooses (wasm|webgpu): /);
    expect(stdout).toMatch(/atelier train --engine auto runs on onnxruntime/);
  });

  it('answers bad flags with one line and exit code 2', async () => {
    const bad = await atelier('doctor', '--seconds', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--seconds: expected a finite number > 0, got 'soon'/);
    expect(bad.stderr).not.toMatch(/\bat .*\.js:\d+/);
    const unknown = await atelier('doctor', '--frobnicate');
    expect(unknown.code).toBe(2);
    const backend = await atelier('doctor', '--backend', 'tpu');
    expect(backend.stderr).toMatch(/--backend: expected webgpu, wasm, cpu/);
  });

  it('names an unknown command', async () => {
    const { code, stderr } = await atelier('paint');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command 'paint'/);
  });
});

describe('formatTable', () => {
  it('aligns columns to the widest cell', () => {
    expect(formatTable(['a', 'bb'], [['ccc', 'd']])).toBe('a    bb\n---  --\nccc  d');
  });
});
