import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Protocol } from './types.js';

/** Debian's Python, which has PyTorch (`python3-torch`); the `python3` on PATH may not. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** Where PyTorch runs the cases: the CPU, or a CUDA GPU (each timed run then synchronizes). */
export type ReferenceDevice = 'cpu' | 'cuda';

export type ReferenceOutcome =
  | {
      ok: true;
      torch: string;
      threads: number;
      /** 'cpu', or the CUDA GPU's name. */
      device: string;
      ms: Record<string, number>;
    }
  | { ok: false; reason: string };

/** packages/bench/python/<script>, from the sources and from dist alike. */
export function pythonScript(script: string): string {
  return fileURLToPath(new URL(`../python/${script}`, import.meta.url));
}

/**
 * Whether `python -c "import torch"` works (with a CUDA device, for 'cuda'); the reason
 * when it does not.
 */
export function torchAvailable(
  python = DEFAULT_PYTHON,
  device: ReferenceDevice = 'cpu',
): { ok: true } | { ok: false; reason: string } {
  const code =
    device === 'cuda'
      ? 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)'
      : 'import torch';
  const probe = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error)
    return { ok: false, reason: `${python} could not be run (${probe.error.message})` };
  if (probe.status === 3) return { ok: false, reason: `${python}'s torch has no CUDA device` };
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').pop() ?? '';
    return { ok: false, reason: `${python} has no torch (${last})` };
  }
  return { ok: true };
}

/**
 * Times the cases with PyTorch: runs `script` with the cases and the protocol as JSON
 * on stdin; the script answers `{ torch, threads, ms: { case: median } }` on stdout and
 * reports each finished case on stderr as `done <case>`. PyTorch uses as many threads
 * as the machine has cores.
 */
export async function runReference(
  script: string,
  cases: { name: string; spec: Record<string, unknown> }[],
  protocol: Protocol,
  options: { python?: string; device?: ReferenceDevice; onCase?: (name: string) => void } = {},
): Promise<ReferenceOutcome> {
  const python = options.python ?? DEFAULT_PYTHON;
  const device = options.device ?? 'cpu';
  const available = torchAvailable(python, device);
  if (!available.ok) return available;
  const path = pythonScript(script);
  if (!existsSync(path)) return { ok: false, reason: `reference script ${path} is missing` };
  const input = JSON.stringify({ cases, protocol, threads: availableParallelism() });
  return new Promise((resolve) => {
    const child = spawn(python, [path, '--device', device], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('done ')) options.onCase?.(line.slice(5).trim());
      }
    });
    child.on('error', (error) =>
      resolve({ ok: false, reason: `${python} failed: ${error.message}` }),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        resolve({ ok: false, reason: `PyTorch reference exited with code ${code}: ${tail}` });
        return;
      }
      try {
        const parsed = JSON.parse(stdout) as {
          torch: string;
          threads: number;
          device?: string;
          ms: Record<string, number>;
        };
        resolve({
          ok: true,
          torch: parsed.torch,
          threads: parsed.threads,
          device: parsed.device ?? 'cpu',
          ms: parsed.ms,
        });
      } catch {
        resolve({
          ok: false,
          reason: `PyTorch reference printed no JSON: ${stdout.slice(0, 200)}`,
        });
      }
    });
    child.stdin.end(input);
  });
}
