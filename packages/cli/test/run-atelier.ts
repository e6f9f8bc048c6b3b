import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The built command, as a user runs it. */
export const bin = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');

const run = promisify(execFile);

export interface AtelierRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `atelier ...args` in a child process: its exit code and output, whichever way it ends. */
export function runAtelier(timeoutMs: number): (...args: string[]) => Promise<AtelierRun> {
  return async (...args) => {
    try {
      const { stdout, stderr } = await run('node', [bin, ...args], { timeout: timeoutMs });
      return { code: 0, stdout, stderr };
    } catch (error: any) {
      return {
        code: error.code as number,
        stdout: error.stdout as string,
        stderr: error.stderr as string,
      };
    }
  };
}
