import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@atelier/core';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseMetrics } from '../src/index.js';

// A progressive run killed (SIGKILL) in the middle of a fade-in resumes at the same
// image count and α and ends bit-identical to a run never interrupted: weights, both
// optimizers (reset at each phase change), the EMA, the schedule and the metrics.

const root = mkdtempSync(join(tmpdir(), 'atelier-progan-resume-'));
const childDir = fileURLToPath(new URL('../.tmp/', import.meta.url));
const child = join(childDir, `train-progan-child-${process.pid}.mjs`);
const STEPS = 10;

beforeAll(async () => {
  mkdirSync(childDir, { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL('./helpers/train-progan-child.ts', import.meta.url))],
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

function runChild(out: string, mode: 'fresh' | 'resume', killAfter?: RegExp) {
  return new Promise<{ signal: string | null; lines: string[] }>((resolve, reject) => {
    const proc: ChildProcess = spawn(process.execPath, [child, out, 'cpu', String(STEPS), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    let buffer = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (killAfter?.test(line)) proc.kill('SIGKILL');
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve({ signal, lines });
    });
  });
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

it('resumes mid-fade at the same α and image count, bit-identical to an uninterrupted run', async () => {
  const whole = join(root, 'whole');
  const parted = join(root, 'parted');
  const [a, b] = await Promise.all([
    runChild(whole, 'fresh'),
    runChild(parted, 'fresh', /^step 8 /),
  ]);
  expect(a.lines.at(-1)).toBe('done');
  expect(b.signal).toBe('SIGKILL');
  // The checkpoint at step 7: 28 images shown, the 16 px layers half faded in.
  expect(b.lines).toContain('checkpoint 7 images 28 alpha 0.5');
  expect(b.lines).not.toContain('done');
  const c = await runChild(parted, 'resume');
  // Step 8 is redone at the checkpoint's α, then the fade ends and 16 px is stable.
  expect(c.lines[0]).toBe('step 8 alpha 0.5 res 16');
  expect(c.lines).toContain('step 9 alpha 1 res 16');
  expect(c.lines.at(-1)).toBe('done');
  expect(a.lines.filter((l) => l.startsWith('step'))).toEqual([
    ...b.lines.filter((l) => l.startsWith('step')).slice(0, 7),
    ...c.lines.filter((l) => l.startsWith('step')),
  ]);

  const x = tensorBytes(join(whole, 'checkpoint.safetensors'));
  const y = tensorBytes(join(parted, 'checkpoint.safetensors'));
  expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
  for (const prefix of [
    'modules.G.',
    'modules.G_ema.',
    'modules.D.',
    'optimizers.G.',
    'optimizers.D.',
  ])
    expect(
      [...x.keys()].some((k) => k.startsWith(prefix)),
      prefix,
    ).toBe(true);
  const differ = [...x].filter(([k, bytes]) => !bytes.equals(y.get(k)!)).map(([k]) => k);
  expect(differ).toEqual([]);
  expect(
    readFileSync(join(parted, 'G.safetensors')).equals(readFileSync(join(whole, 'G.safetensors'))),
  ).toBe(true);
  const strip = (dir: string) =>
    parseMetrics(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).map(({ elapsed: _, ...m }) => m);
  expect(strip(parted)).toEqual(strip(whole));
});
