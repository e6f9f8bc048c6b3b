import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@atelier/core';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseMetrics } from '../../src/index.js';

/**
 * A training script (a .ts file in test/helpers) bundled with esbuild into the package's
 * .tmp/ (so node resolves @atelier/* from there), run as a child process that a test
 * can SIGKILL once it prints a given line (exactly, or matching a pattern). Returns `run`
 * and `dispose`.
 */
export async function killableChild(entry: string) {
  const dir = fileURLToPath(new URL('../../.tmp/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${entry.replace(/\W/g, '-')}-${process.pid}.mjs`);
  await build({
    entryPoints: [fileURLToPath(new URL(`./${entry}`, import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@atelier/*'],
    logLevel: 'silent',
  });
  const run = (args: string[], killAfter?: string | RegExp) =>
    new Promise<{ signal: string | null; lines: string[] }>((resolve, reject) => {
      const proc: ChildProcess = spawn(process.execPath, [outfile, ...args], {
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
          const hit = typeof killAfter === 'string' ? line === killAfter : killAfter?.test(line);
          if (hit) proc.kill('SIGKILL');
        }
      });
      proc.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      proc.on('error', reject);
      proc.on('exit', (code, signal) => {
        if (code !== 0 && signal === null)
          reject(new Error(`child exited with ${code}: ${stderr}`));
        else resolve({ signal, lines });
      });
    });
  return { run, dispose: () => rmSync(outfile, { force: true }) };
}

/** Each tensor of a safetensors file as its raw bytes, by name. */
export function tensorBytes(path: string): Map<string, Buffer> {
  const { tensors } = readSafetensors(readFileSync(path));
  const out = new Map<string, Buffer>();
  for (const [k, t] of Object.entries(tensors)) {
    out.set(k, Buffer.from(t.dataSync().buffer.slice(0)));
    t.dispose();
  }
  return out;
}

/**
 * The resumed run's checkpoint holds the uninterrupted run's tensors byte for byte (each
 * of `prefixes` present, so an empty checkpoint cannot pass), and its metrics are the same
 * but for wall time.
 */
export function expectSameRun(whole: string, parted: string, prefixes: string[]): void {
  const x = tensorBytes(join(whole, 'checkpoint.safetensors'));
  const y = tensorBytes(join(parted, 'checkpoint.safetensors'));
  expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
  for (const prefix of prefixes) {
    expect(
      [...x.keys()].some((k) => k.startsWith(prefix)),
      prefix,
    ).toBe(true);
  }
  expect([...x.keys()].filter((k) => !y.get(k)!.equals(x.get(k)!))).toEqual([]);
  const metrics = (dir: string) =>
    parseMetrics(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).map(({ elapsed: _, ...m }) => m);
  expect(metrics(parted)).toEqual(metrics(whole));
}

/**
 * The kill-and-resume test every harness shares: one run of `steps` uninterrupted, one
 * killed (SIGKILL) when it prints `step killAt`, after writing `checkpoint checkpoint`,
 * then resumed from it at `step resumesAt`; both must end with the same tensors under
 * the `modules` prefixes, the same state and the same metrics.
 */
export function killAndResumeTest(options: {
  title: string;
  entry: string;
  steps: number;
  killAt: number;
  checkpoint: number;
  resumesAt: number;
  modules: string[];
}): void {
  const { title, entry, steps, killAt, checkpoint, resumesAt, modules } = options;
  const root = mkdtempSync(join(tmpdir(), `atelier-${entry.replace(/\W/g, '-')}-`));
  let child: Awaited<ReturnType<typeof killableChild>>;
  beforeAll(async () => {
    child = await killableChild(entry);
  });
  afterAll(() => {
    child?.dispose();
    rmSync(root, { recursive: true, force: true });
  });
  it(title, async () => {
    const whole = join(root, 'whole');
    const parted = join(root, 'parted');
    const [a, b] = await Promise.all([
      child.run([whole, String(steps), 'fresh']),
      child.run([parted, String(steps), 'fresh'], `step ${killAt}`),
    ]);
    expect(a.lines.at(-1)).toBe('done');
    expect(b.signal).toBe('SIGKILL');
    expect(b.lines).toContain(`checkpoint ${checkpoint}`);
    const c = await child.run([parted, String(steps), 'resume']);
    expect(c.lines[0]).toBe(`step ${resumesAt}`);
    expect(c.lines.at(-1)).toBe('done');
    expectSameRun(whole, parted, modules);
  });
}
