import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '@atelier/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runAtelier } from './run-atelier.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-cli-bicyclegan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const atelier = runAtelier(150_000);
const run = join(root, 'run');
const input = join(root, 'in');

describe('atelier train bicyclegan, atelier translate --samples/--style/--strip', () => {
  it('trains a run whose networks fit the data, then samples it', async () => {
    const r = await atelier(
      'train',
      'bicyclegan',
      '--size',
      '32',
      '--count',
      '4',
      '--ngf',
      '4',
      '--ndf',
      '4',
      '--nef',
      '4',
      '--steps',
      '2',
      '--backend',
      'wasm',
      '--out',
      run,
    );
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(config.options).toMatchObject({
      netG: 'unet_32',
      netE: 'resnet_32',
      netD: 'basic_128_multi',
      variant: 'bicyclegan',
    });
    const shape = async (path: string) => {
      const image = await decodeImage(readFileSync(path));
      image.dispose();
      return image.shape;
    };

    const t = (...args: string[]) =>
      atelier('translate', '--weights', run, '--backend', 'wasm', '--out', input, ...args);
    const label = join(run, 'samples', 'step-2.png');
    const a = await t('--samples', '3', '--seed', '5', label);
    expect(a.code, a.stderr).toBe(0);
    const files = a.stdout.trim().split('\n');
    expect(files.map((f) => f.slice(input.length + 1))).toEqual([
      'step-2_sample0.png',
      'step-2_sample1.png',
      'step-2_sample2.png',
    ]);
    const first = readFileSync(files[0]!);
    expect(await shape(files[0]!)).toEqual([32, 32, 3]);
    // The same seed draws the same z.
    const again = await t('--samples', '1', '--seed', '5', label);
    expect(readFileSync(again.stdout.trim())).toEqual(first);

    const styled = await t('--style', label, '--strip', '4', join(run, 'samples', 'step-2.png'));
    expect(styled.code, styled.stderr).toBe(0);
    const [style, strip] = styled.stdout.trim().split('\n');
    expect(style).toMatch(/_style\.png$/);
    expect(await shape(strip!)).toEqual([32, 128, 3]);
    // Without --samples, a bicyclegan run draws one z.
    const plain = await t(label);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.trim()).toBe(join(input, 'step-2_sample0.png'));
  });

  it('trains frankengan as one run and translates a mask through its three stages', async () => {
    const franken = join(root, 'franken');
    const r = await atelier(
      'train',
      'frankengan',
      ...['--size', '32', '--count', '2', '--ngf', '2', '--ndf', '2', '--nef', '2'],
      ...['--steps', '1', '--backend', 'wasm', '--out', franken],
    );
    expect(r.code, r.stderr).toBe(0);
    const mask = join(franken, 'samples', 'step-1.png');
    for (const extra of [[], ['--style', mask]]) {
      const out = join(root, `franken-out-${extra.length}`);
      const t = await atelier(
        'translate',
        '--weights',
        franken,
        '--backend',
        'wasm',
        '--out',
        out,
        ...extra,
        mask,
      );
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout.trim().split('\n')).toEqual(
        ['shape', 'labels', 'details'].map((s) => join(out, `step-1_${s}.png`)),
      );
    }
  });

  it('refuses --samples for weights that are not a bicyclegan generator', async () => {
    const r = await atelier(
      'translate',
      '--weights',
      join(root, 'absent.safetensors'),
      '--samples',
      '2',
      join(root, 'x.png'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read --weights/);
  });
});
