import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@atelier/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runAtelier } from './run-atelier.js';

// What the commands write never replaces what they were given or what they wrote a
// moment before, and a damaged run folder is a one-line error naming the file.

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures/translate');
const torch = join(here, '../../core/test/fixtures/torch');
const root = mkdtempSync(join(tmpdir(), 'atelier-cli-output-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const atelier = runAtelier(150_000);
const noStack = (text: string) => expect(text).not.toMatch(/\bat .*\.js:\d+/);
const TINY = ['--size', '32', '--count', '4', '--ngf', '4', '--ndf', '4', '--backend', 'cpu'];
const WEIGHTS = ['--weights', join(fixtures, 'latest_net_G.pth'), '--net', 'unet_32', '--ngf', '2'];

describe('atelier translate: one file per output', () => {
  it('refuses two inputs of one name into one folder, before writing anything', async () => {
    const dir = join(root, 'same-name');
    for (const sub of ['a', 'b']) {
      mkdirSync(join(dir, sub), { recursive: true });
      copyFileSync(join(fixtures, 'input.png'), join(dir, sub, 'x.png'));
    }
    const out = join(dir, 'out');
    const r = await atelier(
      'translate',
      ...WEIGHTS,
      '--backend',
      'cpu',
      '--out',
      out,
      join(dir, 'a/x.png'),
      join(dir, 'b/x.png'),
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`would both be written to '${join(out, 'x_fake.png')}'`);
    noStack(r.stderr);
    expect(readdirSync(dir).sort()).toEqual(['a', 'b']);
    // One input at a time is fine.
    const one = await atelier(
      'translate',
      ...WEIGHTS,
      '--backend',
      'cpu',
      '--out',
      out,
      join(dir, 'a/x.png'),
    );
    expect(one.code, one.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['x_fake.png']);
  });

  it('refuses a result that would replace an input (x.png and x_fake.png, or a symlinked --out)', async () => {
    const dir = join(root, 'replace-input');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(fixtures, 'input.png'), join(dir, 'x.png'));
    copyFileSync(join(fixtures, 'input.png'), join(dir, 'x_fake.png'));
    const before = readFileSync(join(dir, 'x_fake.png'));
    const r = await atelier(
      'translate',
      ...WEIGHTS,
      '--backend',
      'cpu',
      join(dir, 'x_fake.png'),
      join(dir, 'x.png'),
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/would replace the input/);
    symlinkSync(dir, join(root, 'link-to-replace-input'));
    const linked = await atelier(
      'translate',
      ...WEIGHTS,
      '--backend',
      'cpu',
      '--out',
      join(root, 'link-to-replace-input'),
      join(dir, 'x.png'),
      join(dir, 'x_fake.png'),
    );
    expect(linked.code, linked.stderr).toBe(2);
    expect(readFileSync(join(dir, 'x_fake.png')).equals(before)).toBe(true);
  });
});

describe('atelier convert: never over its input', () => {
  it('refuses the input as output: the same path, a symlink to it, a hard link to it', async () => {
    const dir = join(root, 'convert');
    mkdirSync(dir, { recursive: true });
    const input = join(dir, 'in.pth');
    copyFileSync(join(torch, 'sequential.pth'), input);
    const bytes = readFileSync(input);
    symlinkSync(input, join(dir, 'sym.safetensors'));
    linkSync(input, join(dir, 'hard.safetensors'));
    for (const output of [
      input,
      join(dir, '.', 'in.pth'),
      join(dir, 'sym.safetensors'),
      join(dir, 'hard.safetensors'),
    ]) {
      const r = await atelier('convert', input, output);
      expect(r.code, `${output}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/is the input/);
      noStack(r.stderr);
      expect(readFileSync(input).equals(bytes)).toBe(true);
    }
    const ok = await atelier('convert', input, join(dir, 'out.safetensors'));
    expect(ok.code, ok.stderr).toBe(0);
    // Written through a temporary file that is gone.
    expect(readdirSync(dir).sort()).toEqual([
      'hard.safetensors',
      'in.pth',
      'out.safetensors',
      'sym.safetensors',
    ]);
  });
});

describe('atelier train: the run folder', () => {
  it('refuses a folder of other files without --force, and with it trains', async () => {
    const out = join(root, 'user-folder');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'index.html'), 'my page');
    const args = ['train', 'pix2pix', ...TINY, '--steps', '1', '--out', out];
    const refused = await atelier(...args);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/ArgumentError: .*not empty \(index\.html\).*--force/);
    noStack(refused.stderr);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('my page');
    const forced = await atelier(...args, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('pix2pix');
  });

  it('--lr 1e9 stops with a DivergenceError naming the step, and saves no NaN weights', async () => {
    const out = join(root, 'lr-1e9');
    const r = await atelier(
      'train',
      'pix2pix',
      ...TINY,
      '--lr',
      '1e9',
      '--steps',
      '6',
      '--log-every',
      '100',
      '--checkpoint-every',
      '1',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.startsWith('atelier train:'));
    expect(line).toMatch(/DivergenceError: train: the run diverged at step \d+/);
    noStack(r.stderr);
    expect(readdirSync(out)).not.toContain('G.safetensors');
    if (readdirSync(out).includes('checkpoint.safetensors')) {
      const { tensors } = readSafetensors(readFileSync(join(out, 'checkpoint.safetensors')));
      for (const [key, t] of Object.entries(tensors)) {
        if (t.dtype === 'float32')
          expect((t.dataSync() as Float32Array).every(Number.isFinite), key).toBe(true);
        t.dispose();
      }
    }
  });

  it('--resume with a damaged config.json: a FormatError naming the file and the field', async () => {
    const out = join(root, 'damaged');
    mkdirSync(out, { recursive: true });
    const file = join(out, 'config.json');
    const cases: [string, RegExp][] = [
      ['{"harness": "pix2pix", "opt', /not JSON/],
      ['[1, 2]', /the file should be an object/],
      ['{"harness": "pix2pix", "options": {}}', /train should be an object, got undefined/],
      [
        '{"harness": "pix2pix", "options": {}, "train": {"steps": 4, "seed": 0}, "data": {"options": {"size": 32}}}',
        /train\.batch should be an integer >= 1, got undefined/,
      ],
      [
        '{"harness": "pix2pix", "options": {}, "train": {"batch": 1, "steps": 4, "seed": 0, "checkpointEvery": 0, "logEvery": 1, "sampleEvery": 1}, "data": null}',
        /data\.options should be the data options, got null/,
      ],
    ];
    for (const [text, message] of cases) {
      writeFileSync(file, text);
      const r = await atelier('train', 'pix2pix', '--out', out, '--resume', '--backend', 'cpu');
      expect(r.code, r.stderr).toBe(1);
      const line = r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('atelier'));
      expect(line).toHaveLength(1);
      expect(line[0]).toContain(`FormatError: ${file} is damaged`);
      expect(line[0]).toMatch(message);
      noStack(r.stderr);
    }
  });
});
