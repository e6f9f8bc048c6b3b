import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@atelier/core';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetrics } from '../src/index.js';

// A killed training process, resumed, ends bit-identical to one never interrupted: the
// weights, the optimizer moments, the EMA, the batch-norm statistics, the dropout and
// data streams and the schedule all come back from the checkpoint.

const root = mkdtempSync(join(tmpdir(), 'atelier-resume-'));
// The child is bundled inside the package, so node resolves @atelier/* from its place.
const childDir = fileURLToPath(new URL('../.tmp/', import.meta.url));
const child = join(childDir, `train-child-${process.pid}.mjs`);

beforeAll(async () => {
  mkdirSync(childDir, { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL('./helpers/train-child.ts', import.meta.url))],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@atelier/*'],
    logLevel: 'silent',
  });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(child, { force: true });
});

const STEPS = 9;

/** Runs the child; `killAfter` kills it (SIGKILL) once it has printed that line. */
function runChild(out: string, backend: string, mode: 'fresh' | 'resume', killAfter?: string) {
  return new Promise<{ code: number | null; signal: string | null; lines: string[] }>(
    (resolve, reject) => {
      const proc: ChildProcess = spawn(
        process.execPath,
        [child, out, backend, String(STEPS), mode],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const lines: string[] = [];
      let stderr = '';
      let buffer = '';
      proc.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          if (line === killAfter) proc.kill('SIGKILL');
        }
      });
      proc.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      proc.on('error', reject);
      proc.on('exit', (code, signal) => {
        if (code !== 0 && signal === null)
          reject(new Error(`child exited with ${code}: ${stderr}`));
        else resolve({ code, signal, lines });
      });
    },
  );
}

function tensorBytes(path: string): Map<string, Buffer> {
  const { tensors } = readSafetensors(readFileSync(path));
  const out = new Map<string, Buffer>();
  for (const [k, t] of Object.entries(tensors)) {
    out.set(k, Buffer.from(t.dataSync().buffer.slice(0)));
    t.dispose();
  }
  return out;
}

describe('resume after SIGKILL', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`ends bit-identical to an uninterrupted run [${backend}]`, async () => {
      const whole = join(root, `${backend}-whole`);
      const parted = join(root, `${backend}-parted`);
      const [a, b] = await Promise.all([
        runChild(whole, backend, 'fresh'),
        // Killed two steps after the checkpoint at step 6: steps 7 and 8 are lost and redone.
        runChild(parted, backend, 'fresh', 'step 8'),
      ]);
      expect(a.lines.at(-1)).toBe('done');
      expect(b.signal).toBe('SIGKILL');
      expect(b.lines).toContain('checkpoint 6');
      expect(b.lines).not.toContain('done');
      const c = await runChild(parted, backend, 'resume');
      expect(c.lines[0]).toBe('step 7');
      expect(c.lines.at(-1)).toBe('done');

      const x = tensorBytes(join(whole, 'checkpoint.safetensors'));
      const y = tensorBytes(join(parted, 'checkpoint.safetensors'));
      expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
      // Every kind of state is in the comparison.
      for (const prefix of [
        'modules.G.',
        'modules.G_ema.',
        'modules.D.',
        'optimizers.G.',
        'optimizers.D.',
      ]) {
        expect(
          [...x.keys()].some((k) => k.startsWith(prefix)),
          prefix,
        ).toBe(true);
      }
      expect([...x.keys()].some((k) => k.endsWith('running_mean'))).toBe(true);
      const differ = [...x].filter(([k, bytes]) => !bytes.equals(y.get(k)!)).map(([k]) => k);
      expect(differ).toEqual([]);
      expect(
        readFileSync(join(parted, 'G.safetensors')).equals(
          readFileSync(join(whole, 'G.safetensors')),
        ),
      ).toBe(true);
      const strip = (dir: string) =>
        parseMetrics(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).map(
          ({ elapsed: _, ...m }) => m,
        );
      const metrics = strip(parted);
      expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      expect(metrics).toEqual(strip(whole));
    });
  }
});
