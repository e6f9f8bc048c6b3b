import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAtelier } from './run-atelier.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-cli-progan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const atelier = runAtelier(150_000);
const tiny = ['--fmap-base', '32', '--fmap-max', '8', '--latent-dim', '8', '--count', '8'];

describe('atelier train progan', () => {
  it('grows through its phases from the descriptor flags, keeps G’s EMA, reports the α curve', async () => {
    const run = join(root, 'run');
    const r = await atelier(
      'train',
      'progan',
      '--data',
      'synthetic:shapes',
      '--size',
      '16',
      ...tiny,
      '--stable-images',
      '4',
      '--fade-images',
      '4',
      '--batch',
      '4',
      '--steps',
      '5',
      '--backend',
      'wasm',
      '--out',
      run,
    );
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(config.harness).toBe('progan');
    expect(config.options).toMatchObject({
      size: 16,
      fmapBase: 32,
      stableImages: 4,
      fadeImages: 4,
    });
    expect(config.train.ema).toBe(0.999);
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const last = JSON.parse(lines.at(-1)!);
    expect(last.losses.resolution).toBe(16);
    expect(readFileSync(join(run, 'index.html'), 'utf8')).toContain('fade-in α');
  });

  it('refuses a size that is not 4·2^k with one line naming it', async () => {
    const r = await atelier(
      'train',
      'progan',
      '--size',
      '24',
      ...tiny,
      '--steps',
      '1',
      '--backend',
      'cpu',
      '--out',
      join(root, 'bad'),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/4·2\^k/);
  });
});
