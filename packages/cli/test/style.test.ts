import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '@atelier/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAtelier } from './run-atelier.js';

const here = dirname(fileURLToPath(import.meta.url));
const samples = join(here, '../../style/samples');

const atelier = runAtelier(170_000);

async function imageShape(path: string): Promise<number[]> {
  const t = await decodeImage(new Uint8Array(readFileSync(path)));
  const shape = t.shape;
  t.dispose();
  return shape;
}

describe('atelier style', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'atelier-style-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stylises the shipped samples with the embedded network, a progress bar and intermediate images', async () => {
    const out = join(dir, 'out.png');
    const r = await atelier(
      'style',
      '--content',
      join(samples, 'chelsea.png'),
      '--style',
      join(samples, 'coffee.png'),
      '--size',
      '32',
      '--iterations',
      '4',
      '--save-every',
      '2',
      '--backend',
      'wasm',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/random-multiscale features/);
    expect(r.stderr).toMatch(/\[#+\] 4\/4 100% .* it\/s/);
    expect(await imageShape(out)).toEqual([21, 32, 3]);
    expect(existsSync(join(dir, 'out_2.png'))).toBe(true);
    expect(existsSync(join(dir, 'out_4.png'))).toBe(true);
  });

  it('two styles with blend weights, colour preservation and one region mask each', async () => {
    const left = join(dir, 'left.png');
    const right = join(dir, 'right.png');
    // Masks of any size: the command brings them to the content's.
    const { encodePng, tf } = await import('@atelier/core');
    const l = tf.concat([tf.fill([8, 4, 1], 255), tf.zeros([8, 4, 1])], 1) as any;
    const rr = tf.sub(255, l) as any;
    writeFileSync(left, await encodePng(l));
    writeFileSync(right, await encodePng(rr));
    const out = join(dir, 'masked.png');
    const r = await atelier(
      'style',
      '--content',
      join(samples, 'chelsea.png'),
      '--style',
      join(samples, 'coffee.png'),
      '--style',
      join(samples, 'chelsea.png'),
      '--blend',
      '0.7,0.3',
      '--mask',
      `${left},${right}`,
      '--preserve-colors',
      'luminance',
      '--size',
      '24',
      '--iterations',
      '2',
      '--backend',
      'cpu',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await imageShape(out)).toEqual([16, 24, 3]);
  });

  it('answers mistakes with one line and exit code 2', async () => {
    const missing = await atelier('style', '--style', 'b.png', '--out', 'o.png');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--content a.png is required/);
    const blend = await atelier(
      'style',
      '--content',
      'a.png',
      '--style',
      'b.png',
      '--blend',
      '0.5,0.5',
      '--out',
      'o.png',
    );
    expect(blend.stderr).toMatch(/--blend: expected 1 weights/);
    const opt = await atelier(
      'style',
      '--content',
      'a.png',
      '--style',
      'b.png',
      '--optimizer',
      'sgd',
      '--out',
      'o.png',
    );
    expect(opt.stderr).toMatch(/--optimizer: expected lbfgs, adam, got 'sgd'/);
    const file = await atelier(
      'style',
      '--content',
      join(dir, 'nope.png'),
      '--style',
      'b.png',
      '--out',
      'o.png',
      '--backend',
      'cpu',
    );
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/nope\.png/);
    expect(file.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('train (synthetic data), then run the model on an image of another size', async () => {
    const runDir = join(dir, 'run');
    const t = await atelier(
      'style',
      'train',
      '--style',
      join(samples, 'coffee.png'),
      '--data',
      'synthetic',
      '--synthetic-count',
      '4',
      '--steps',
      '2',
      '--batch',
      '2',
      '--size',
      '16',
      '--backend',
      'wasm',
      '--out',
      runDir,
    );
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/2 steps; wrote .*model\.safetensors/);
    expect(existsSync(join(runDir, 'checkpoint.safetensors'))).toBe(true);
    const out = join(dir, 'ff.png');
    const r = await atelier(
      'style',
      'run',
      '--model',
      join(runDir, 'model.safetensors'),
      join(samples, 'chelsea.png'),
      out,
      '--backend',
      'wasm',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await imageShape(out)).toEqual([85, 128, 3]);
    // The same model on onnxruntime: the same image, up to rounding to 8 bits.
    const native = join(dir, 'ff-native.png');
    const n = await atelier(
      'style',
      'run',
      '--model',
      join(runDir, 'model.safetensors'),
      join(samples, 'chelsea.png'),
      native,
      '--backend',
      'wasm',
      '--engine',
      'onnxruntime',
    );
    expect(n.code, n.stderr).toBe(0);
    const [a, b] = await Promise.all([
      decodeImage(new Uint8Array(readFileSync(out))),
      decodeImage(new Uint8Array(readFileSync(native))),
    ]);
    const [x, y] = [await a.data(), await b.data()];
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    a.dispose();
    b.dispose();
  });

  it('--engine onnxruntime: the Gatys loss and gradient run natively', async () => {
    const out = join(dir, 'native.png');
    const r = await atelier(
      'style',
      '--content',
      join(samples, 'chelsea.png'),
      '--style',
      join(samples, 'coffee.png'),
      '--size',
      '24',
      '--iterations',
      '3',
      '--backend',
      'wasm',
      '--engine',
      'onnxruntime',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wasm backend \(tracing; onnxruntime evaluates\)/);
    expect(await imageShape(out)).toEqual([16, 24, 3]);
    const bad = await atelier(
      'style',
      'run',
      '--model',
      'm.safetensors',
      'a.png',
      'b.png',
      '--engine',
      'torch',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--engine: expected tfjs, onnxruntime, got 'torch'/);
  });

  it('video: a folder of frames to a folder of stylised frames', async () => {
    const { encodePng, tf } = await import('@atelier/core');
    const frames = join(dir, 'frames');
    mkdirSync(frames);
    for (let i = 1; i <= 2; i++) {
      const f = tf.randomUniform([12, 12, 3], 0, 255, 'float32', i) as any;
      writeFileSync(join(frames, `f_${i}.png`), await encodePng(tf.round(f) as any));
    }
    const out = join(dir, 'styled');
    const r = await atelier(
      'style',
      'video',
      '--frames',
      frames,
      '--style',
      join(samples, 'coffee.png'),
      '--size',
      '12',
      '--iterations',
      '2',
      '--backend',
      'cpu',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote 2 frames/);
    expect(await imageShape(join(out, 'frame_0002.png'))).toEqual([12, 12, 3]);
  });

  it('video: multi-pass with long-term references, progress per pass and frame, and --resume', async () => {
    const { encodePng, tf } = await import('@atelier/core');
    const { encodeFlo } = await import('@atelier/datasets');
    const frames = join(dir, 'frames3');
    const flow = join(dir, 'flow3');
    mkdirSync(frames);
    mkdirSync(flow);
    const zero = encodeFlo({ width: 12, height: 12, data: new Float32Array(12 * 12 * 2) });
    for (let i = 1; i <= 3; i++) {
      const f = tf.randomUniform([12, 12, 3], 0, 255, 'float32', i) as any;
      writeFileSync(join(frames, `f_${i}.png`), await encodePng(tf.round(f) as any));
      for (let j = 1; j < i; j++) {
        writeFileSync(join(flow, `backward_${i}_${j}.flo`), zero);
        writeFileSync(join(flow, `forward_${j}_${i}.flo`), zero);
      }
    }
    const out = join(dir, 'styled3');
    const flags = [
      'style',
      'video',
      '--frames',
      frames,
      '--flow',
      flow,
      '--style',
      join(samples, 'coffee.png'),
      '--size',
      '12',
      '--iterations',
      '2',
      '--passes',
      '3',
      '--long-term',
      '1,2',
      '--backend',
      'cpu',
      '--out',
      out,
    ];
    const r = await atelier(...flags);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/pass 3\/3 frame 3 \[#+\] 9\/9 100% .* frame\/s/);
    expect(r.stderr).toMatch(/wrote 3 frames .*3 passes/);
    for (const pass of ['1', '2'])
      expect(existsSync(join(out, 'passes', pass, 'frame_0003.png'))).toBe(true);
    expect(await imageShape(join(out, 'frame_0001.png'))).toEqual([12, 12, 3]);
    // Everything is there: a resumed run computes nothing.
    const again = await atelier(...flags, '--resume');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/pass 3\/3 frame 3 \(resumed\)/);
    const other = await atelier(...flags.map((f) => (f === '3' ? '5' : f)), '--resume');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(
      /--resume: the run in .* was started with other settings \(passes\)/,
    );
  });
});
