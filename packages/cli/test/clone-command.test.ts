import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `npx atelier` in a clone: npm links a workspace's command at install time, when
// dist/ is not built yet, and skips a command whose file is missing. The command is a
// committed shim that runs dist/bin.js, or says to build first.

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..');
const shim = join(cli, 'bin/atelier.js');
const root = mkdtempSync(join(tmpdir(), 'atelier-clone-command-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function exec(file: string, args: string[], cwd?: string) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error: any) {
    return {
      code: error.code as number,
      stdout: error.stdout as string,
      stderr: error.stderr as string,
    };
  }
}

describe('the atelier command in a clone', () => {
  it('is a committed file, shipped, and the lockfile npm ci reads names it', () => {
    const pkg = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ atelier: './bin/atelier.js' });
    expect(pkg.files).toContain('bin');
    const lock = JSON.parse(readFileSync(join(cli, '../../package-lock.json'), 'utf8'));
    expect(lock.packages['packages/cli'].bin).toEqual({ atelier: 'bin/atelier.js' });
  });

  it('runs the built CLI', async () => {
    const r = await exec(process.execPath, [shim, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: atelier <command>/);
  });

  it('without dist/, says to build instead of failing with a stack trace', async () => {
    const bare = join(root, 'bare/bin');
    mkdirSync(bare, { recursive: true });
    copyFileSync(shim, join(bare, 'atelier.js'));
    const r = await exec(process.execPath, [join(bare, 'atelier.js'), 'doctor']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^atelier: the command is not built yet .*run 'npm run build'/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('npm links it in a fresh install of the workspace, before any build', async () => {
    // The package as the clone has it (its own dependencies left out: no registry).
    const ws = join(root, 'clone');
    mkdirSync(join(ws, 'packages/cli/bin'), { recursive: true });
    writeFileSync(
      join(ws, 'package.json'),
      JSON.stringify({ name: 'clone', private: true, workspaces: ['packages/*'] }),
    );
    const pkg = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8'));
    for (const key of ['dependencies', 'devDependencies', 'optionalDependencies']) delete pkg[key];
    writeFileSync(join(ws, 'packages/cli/package.json'), JSON.stringify(pkg));
    copyFileSync(shim, join(ws, 'packages/cli/bin/atelier.js'));
    const install = await exec(
      'npm',
      ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
      ws,
    );
    expect(install.code, install.stderr).toBe(0);
    expect(realpathSync(join(ws, 'node_modules/.bin/atelier'))).toBe(
      realpathSync(join(ws, 'packages/cli/bin/atelier.js')),
    );
    const r = await exec(join(ws, 'node_modules/.bin/atelier'), ['doctor']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/npm run build/);
  });
});
