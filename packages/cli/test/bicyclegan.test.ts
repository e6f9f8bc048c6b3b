import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, fromSigned, tf, writeImage } from '@atelier/core';
import { synthetic } from '@atelier/datasets';
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

  it('trains frankengan as one run; translate writes every stage, --style pins all of them', async () => {
    const franken = join(root, 'franken');
    const r = await atelier(
      'train',
      'frankengan',
      ...['--size', '32', '--count', '2', '--ngf', '2', '--ndf', '2', '--nef', '2'],
      ...['--steps', '1', '--backend', 'wasm', '--out', franken],
    );
    expect(r.code, r.stderr).toBe(0);
    // A mask, and an exemplar facade: its label map and photo side by side.
    const facade = (await synthetic.facades({ size: 32, count: 1, seed: 9 }).get(0))!;
    const mask = join(root, 'mask.png');
    const exemplar = join(root, 'exemplar.png');
    const unit = (t: tf.Tensor) => tf.tidy(() => fromSigned(t) as tf.Tensor3D);
    const building = tf.tidy(() =>
      tf.tile(tf.expandDims(tf.sign(tf.sub(tf.cast(facade.labels, 'float32'), 0.5)), 2), [1, 1, 3]),
    );
    await writeImage(mask, unit(building));
    await writeImage(exemplar, unit(tf.concat([facade.A, facade.B], 1)));
    const translate = async (name: string, ...extra: string[]) => {
      const out = join(root, `franken-${name}`);
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
      return t.stdout.trim().split('\n');
    };
    const stages = ['shape', 'labels', 'details'];
    expect(await translate('plain')).toEqual(
      stages.map((s) => join(root, 'franken-plain', `mask_${s}.png`)),
    );
    const bytes = (paths: string[]) => paths.map((p) => readFileSync(p));
    const pinned1 = bytes(
      await translate('pinned1', '--samples', '1', '--seed', '1', '--style', exemplar),
    );
    const pinned2 = bytes(
      await translate('pinned2', '--samples', '1', '--seed', '2', '--style', exemplar),
    );
    const free1 = bytes(await translate('free1', '--samples', '1', '--seed', '1'));
    const free2 = bytes(await translate('free2', '--samples', '1', '--seed', '2'));
    for (const i of [0, 1, 2]) {
      // Pinned: the seed draws nothing any stage uses. Unpinned: each stage's z differs.
      expect(pinned1[i]!.equals(pinned2[i]!), stages[i]).toBe(true);
      expect(free1[i]!.equals(free2[i]!), stages[i]).toBe(false);
      expect(pinned1[i]!.equals(free1[i]!), stages[i]).toBe(false);
    }
    const details = await decodeImage(new Uint8Array(pinned1[2]!));
    expect(details.shape).toEqual([128, 128, 3]);
    const square = await atelier('translate', '--weights', franken, '--style', mask, mask);
    expect(square.code).toBe(2);
    expect(square.stderr).toMatch(/label map and photo side by side/);
    tf.dispose([facade.A, facade.B, facade.labels, building, details]);
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
