import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '@atelier/core';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, runAtelier } from './run-atelier.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures/translate');
const root = mkdtempSync(join(tmpdir(), 'atelier-cli-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const atelier = runAtelier(150_000);

/** Our own lines of stderr (Dawn may add its adapter warnings). */
const ours = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('atelier'));
const noStack = (text: string) => expect(text).not.toMatch(/\bat .*\.js:\d+/);

const TINY = ['--size', '32', '--count', '6', '--ngf', '4', '--ndf', '4', '--backend', 'wasm'];

function lines(dir: string): number[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).step);
}

describe('atelier train', () => {
  const out = join(root, 'p2p');

  it('trains pix2pix into a run folder and prints where the report is', async () => {
    const r = await atelier(
      'train',
      'pix2pix',
      ...TINY,
      '--steps',
      '4',
      '--checkpoint-every',
      '2',
      '--log-every',
      '1',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report: ${join(out, 'index.html')}`);
    expect(r.stderr).toMatch(/\[#+\] 4\/4 100%/);
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'index.html',
      'checkpoint.safetensors',
      'G.safetensors',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readdirSync(join(out, 'samples'))).toContain('step-4.png');
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.options).toMatchObject({ netG: 'unet_32', ngf: 4, inChannels: 3 });
    expect(lines(out)).toEqual([1, 2, 3, 4]);
  });

  it('resumes the run from its folder and goes on to more steps', async () => {
    const r = await atelier(
      'train',
      'pix2pix',
      '--out',
      out,
      '--resume',
      '--steps',
      '6',
      '--backend',
      'wasm',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(lines(out)).toEqual([1, 2, 3, 4, 5, 6]);
    const bad = await atelier('train', 'pix2pix', '--out', out, '--resume', '--ngf', '8');
    expect(bad.code).toBe(2);
    expect(ours(bad.stderr)[0]).toMatch(
      /--resume takes the run's options from .*config.json; drop --ngf/,
    );
  });

  it('stops on SIGINT with a checkpoint, and resumes', async () => {
    const dir = join(root, 'interrupted');
    const proc = spawn('node', [
      bin,
      'train',
      'pix2pix',
      ...TINY,
      '--steps',
      '400',
      '--checkpoint-every',
      '1000',
      '--out',
      dir,
    ]);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    proc.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    // Once the first sample grid is written the loop is running.
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(dir, 'samples', 'step-0.png')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500));
    proc.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/interrupted at step \d+; the checkpoint is saved/);
    expect(stdout).toContain('report:');
    const step = Number(/interrupted at step (\d+)/.exec(stderr)![1]);
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(400);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('interrupted');
    const r = await atelier(
      'train',
      'pix2pix',
      '--out',
      dir,
      '--resume',
      '--steps',
      String(step + 2),
      '--backend',
      'wasm',
    );
    expect(r.code, r.stderr).toBe(0);
  });

  it('answers mistakes with one line', async () => {
    const cases: [string[], number, RegExp][] = [
      [['train', 'stylegan', '--out', join(root, 'x')], 2, /unknown harness 'stylegan'/],
      [['train', 'pix2pix'], 2, /--out DIR is required/],
      [
        ['train', 'pix2pix', '--out', join(root, 'x'), '--steps', 'many'],
        2,
        /--steps: expected an integer/,
      ],
      [
        ['train', 'pix2pix', '--out', join(root, 'x'), '--steps', '1', '--epochs', '1'],
        2,
        /not both/,
      ],
      [
        ['train', 'pix2pix', '--out', join(root, 'x'), '--schedule', 'warp'],
        2,
        /--schedule: expected one of/,
      ],
      [['train', 'pix2pix', '--out', join(root, 'x'), '--frobnicate'], 2, /frobnicate/],
      [
        ['train', 'pix2pix', '--out', join(root, 'x'), '--engine', 'fast'],
        2,
        /--engine: expected tfjs, onnxruntime, auto, got 'fast'/,
      ],
      [
        [
          'train',
          'cgan',
          ...TINY,
          '--out',
          join(root, 'c'),
          '--batch',
          '4',
          '--steps',
          '1',
          '--engine',
          'onnxruntime',
        ],
        1,
        /OnnxTrainingError: train: harness 'cgan': the step draws random numbers on the host/,
      ],
      [['train', 'pix2pix', '--out', join(root, 'y'), '--resume'], 2, /nothing to resume/],
      [
        [
          'train',
          'pix2pix',
          ...TINY,
          '--out',
          join(root, 'x'),
          '--data',
          join(root, 'no-such-folder'),
        ],
        1,
        /ArgumentError: pix2pix data: .* is not a folder/,
      ],
      [
        ['train', 'pix2pix', ...TINY, '--out', join(root, 'x'), '--net-g', 'unet_100'],
        1,
        /netG must be one of/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const r = await atelier(...args);
      expect(r.code, args.join(' ')).toBe(code);
      const mine = ours(r.stderr);
      expect(mine.join('\n'), args.join(' ')).toMatch(message);
      noStack(r.stderr);
    }
  });
});

describe('atelier train --engine', () => {
  it('trains pix2pix on the onnxruntime engine', async () => {
    const out = join(root, 'p2p-onnx');
    const r = await atelier(
      'train',
      'pix2pix',
      ...TINY,
      '--steps',
      '2',
      '--engine',
      'onnxruntime',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(ours(r.stderr).join('\n')).toMatch(/backend wasm.*, engine onnxruntime/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.train.engine).toBe('onnxruntime');
    expect(existsSync(join(out, 'G.safetensors'))).toBe(true);
  });
});

describe('atelier translate', () => {
  it("runs junyanz's latest_net_G.pth as test.py does", async () => {
    const out = join(root, 'translated');
    const r = await atelier(
      'translate',
      '--weights',
      join(fixtures, 'latest_net_G.pth'),
      '--net',
      'unet_32',
      '--ngf',
      '2',
      '--backend',
      'cpu',
      '--out',
      out,
      join(fixtures, 'input.png'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(out, 'input_fake.png'));
    const actual = await decodeImage(readFileSync(join(out, 'input_fake.png')));
    const expected = await decodeImage(readFileSync(join(fixtures, 'expected.png')));
    expect(actual.shape).toEqual([32, 32, 3]);
    const a = await actual.data();
    const b = await expected.data();
    // PyTorch truncates to uint8, the PNG writer rounds: at most one level apart.
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    actual.dispose();
    expected.dispose();
  });

  it('--engine onnxruntime (with --eval) writes what tfjs writes, to a level', async () => {
    const args = [
      '--weights',
      join(fixtures, 'latest_net_G.pth'),
      '--net',
      'unet_32',
      '--ngf',
      '2',
      '--eval',
    ];
    const tfjs = await atelier(
      'translate',
      ...args,
      '--backend',
      'cpu',
      '--out',
      join(root, 'eval-tfjs'),
      join(fixtures, 'input.png'),
    );
    const native = await atelier(
      'translate',
      ...args,
      '--engine',
      'onnxruntime',
      '--backend',
      'cpu',
      '--out',
      join(root, 'eval-onnx'),
      join(fixtures, 'input.png'),
    );
    expect(tfjs.code, tfjs.stderr).toBe(0);
    expect(native.code, native.stderr).toBe(0);
    const a = await decodeImage(readFileSync(join(root, 'eval-tfjs', 'input_fake.png')));
    const b = await decodeImage(readFileSync(join(root, 'eval-onnx', 'input_fake.png')));
    const [x, y] = [await a.data(), await b.data()];
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    a.dispose();
    b.dispose();
    const noEval = await atelier(
      'translate',
      '--weights',
      join(fixtures, 'latest_net_G.pth'),
      '--net',
      'unet_32',
      '--ngf',
      '2',
      '--engine',
      'onnxruntime',
      join(fixtures, 'input.png'),
    );
    expect(noEval.code).toBe(2);
    expect(ours(noEval.stderr)[0]).toMatch(/--engine onnxruntime needs --eval/);
  });

  it('runs a generator atelier train wrote, its architecture read from the file', async () => {
    const weights = join(root, 'p2p', 'G.safetensors');
    const r = await atelier(
      'translate',
      '--weights',
      weights,
      '--backend',
      'wasm',
      '--out',
      join(root, 'own'),
      join(fixtures, 'input.png'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(root, 'own', 'input_fake.png'))).toBe(true);
  });

  it('refuses weights that do not fit, in one line', async () => {
    const r = await atelier(
      'translate',
      '--weights',
      join(fixtures, 'latest_net_G.pth'),
      '--net',
      'unet_32',
      '--backend',
      'cpu',
      join(fixtures, 'input.png'),
    );
    expect(r.code).toBe(1);
    expect(ours(r.stderr)[0]).toMatch(/StateDictError: .*does not fit/);
    const none = await atelier(
      'translate',
      '--weights',
      join(fixtures, 'latest_net_G.pth'),
      join(fixtures, 'input.png'),
    );
    expect(none.code).toBe(2);
    expect(ours(none.stderr)[0]).toMatch(/--net is required/);
  });
});

describe('atelier showcase', () => {
  it('trains for the time asked and prints where the report is', async () => {
    const out = join(root, 'showcase');
    const r = await atelier(
      'showcase',
      '--seconds',
      '4',
      '--size',
      '32',
      '--backend',
      'wasm',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trained \d+ steps/);
    expect(r.stdout).toContain(`report: ${join(out, 'index.html')}`);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('finished');
  });
});
