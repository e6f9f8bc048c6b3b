import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@atelier/core';
import { build } from 'esbuild';

/**
 * A training script (a .ts file in test/helpers) bundled with esbuild into the package's
 * .tmp/ (so node resolves @atelier/* from there), run as a child process that a test
 * can SIGKILL once it prints a given line. Returns `run` and `dispose`.
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
  const run = (args: string[], killAfter?: string) =>
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
