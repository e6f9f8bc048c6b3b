import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, init, tf } from '@atelier/core';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAtelier } from './run-atelier.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures/translate');
const root = mkdtempSync(join(tmpdir(), 'atelier-cli-export-'));

const atelier = runAtelier(150_000);

/** Runs an exported .onnx file on one NHWC float image with onnxruntime itself. */
async function runOnnx(path: string, x: tf.Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path);
  const result = await session.run({
    input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape),
  });
  await session.release();
  return result.output!.data as Float32Array;
}

describe('atelier export', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("junyanz's latest_net_G.pth as ONNX: the image translate --eval writes", async () => {
    const onnx = join(root, 'G.onnx');
    const r = await atelier(
      'export',
      '--net',
      'unet_32',
      '--ngf',
      '2',
      '--weights',
      join(fixtures, 'latest_net_G.pth'),
      '--out',
      onnx,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*G\.onnx .*NHWC input \[1, 32, 32, 3\]/);
    const t = await atelier(
      'translate',
      '--weights',
      join(fixtures, 'latest_net_G.pth'),
      '--net',
      'unet_32',
      '--ngf',
      '2',
      '--eval',
      '--backend',
      'cpu',
      '--out',
      root,
      join(fixtures, 'input.png'),
    );
    expect(t.code, t.stderr).toBe(0);
    const input = await decodeImage(readFileSync(join(fixtures, 'input.png')), { channels: 3 });
    const x = tf.tidy(() => tf.expandDims(tf.sub(tf.div(input, 127.5), 1), 0));
    const y = await runOnnx(onnx, x);
    const expected = await (await decodeImage(readFileSync(join(root, 'input_fake.png')))).data();
    let worst = 0;
    for (let i = 0; i < y.length; i++)
      worst = Math.max(worst, Math.abs((y[i]! + 1) * 127.5 - expected[i]!));
    // translate rounds to 8 bits.
    expect(worst).toBeLessThanOrEqual(1);
    tf.dispose([input, x]);
  });

  it("pytorch/examples' TransformerNet (.pth, torch 0.x format) at a chosen size, cropped and clamped", async () => {
    const onnx = join(root, 'candy.onnx');
    const weights = join(here, '../../style/test/fixtures/transformer-legacy-0x.pth');
    const r = await atelier(
      'export',
      '--net',
      'transformer',
      '--weights',
      weights,
      '--height',
      '18',
      '--width',
      '26',
      '--out',
      onnx,
    );
    expect(r.code, r.stderr).toBe(0);
    const x = tf.randomUniform([1, 18, 26, 3], 0, 255, 'float32', 1);
    const y = await runOnnx(onnx, x);
    expect(y.length).toBe(18 * 26 * 3);
    expect(Math.min(...y)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...y)).toBeLessThanOrEqual(255);
    x.dispose();
  });

  it('answers mistakes with one line and exit code 2', async () => {
    const none = await atelier('export', '--weights', 'w.pth', '--out', 'x.onnx');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--net is required/);
    const size = await atelier(
      'export',
      '--net',
      'transformer',
      '--weights',
      'w.pth',
      '--size',
      '0',
      '--out',
      'x.onnx',
    );
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/--size: expected an integer >= 1, got '0'/);
  });
});
