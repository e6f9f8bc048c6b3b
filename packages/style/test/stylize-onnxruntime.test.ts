import { readFileSync } from 'node:fs';
import type { TransformerNet } from '@atelier/blocks';
import { readSafetensors, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTransformerSession,
  loadTransformer,
  runTransformer,
  type StylizeOptions,
  stylize,
  vggNetwork,
} from '../src/index.js';
import { converges } from './convergence.js';
import { relativeError, sample } from './helpers.js';

// engine 'onnxruntime': the loss and gradient traced into ONNX (forward and backward
// of VGG-19) and run by onnxruntime. The trace runs on the backend; wasm here.
describeBackends(
  "stylize with engine 'onnxruntime'",
  (backend) => {
    let content: tf.Tensor3D;
    let style: tf.Tensor3D;
    beforeAll(async () => {
      content = await sample('chelsea', true);
      style = await sample('coffee', true);
    });
    afterAll(() => tf.dispose([content, style]));

    // Adam's steps follow the gradients continuously: with the same loss terms and
    // gradients (max pooling's scatter, a Gram per layer, TV), the same iterates. (An
    // L-BFGS line search can branch on a loss's last digits, so its path may not.)
    for (const [name, extra] of [
      ['max pooling', {}],
      ['average pooling, normalised gradients', { pooling: 'avg', normalizeGradients: true }],
    ] as [string, Partial<StylizeOptions>][]) {
      it(`evaluates as tfjs does: ${name}`, async () => {
        const network = await vggNetwork({ depth: 19, seed: 0 });
        const run = (engine: 'tfjs' | 'onnxruntime') =>
          stylize({
            content,
            styles: [{ image: style }],
            network,
            size: 24,
            iterations: 3,
            optimizer: 'adam',
            engine,
            ...extra,
          });
        const before = tf.memory().numTensors;
        const [a, b] = [await run('tfjs'), await run('onnxruntime')];
        expect(tf.memory().numTensors).toBe(before + 2);
        expect(b.history.length).toBe(3);
        for (const [i, step] of a.history.entries()) {
          for (const key of ['content', 'style', 'tv', 'total'] as const) {
            const [x, y] = [step[key], b.history[i]![key]];
            expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-4 * Math.abs(x) + 1e-9);
          }
        }
        // [0, 255] images: a thousandth of a level.
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.image, b.image))).dataSync()[0]!);
        expect(diff).toBeLessThan(1e-3);
        tf.dispose([a.image, b.image]);
        network.dispose();
      });
    }

    it('converges: the style loss falls 10x, the content loss stays bounded (VGG-19)', async () => {
      const network = await vggNetwork({ depth: 19, seed: 0 });
      const r = await converges(backend, network, content, style, 'onnxruntime');
      network.dispose();
      expect(r.after).toBeLessThan(r.before / 10);
      expect(r.content).toBeLessThan(r.styleContent);
    });

    it("createTransformerSession: pytorch/examples' 2017 weights match PyTorch through onnxruntime", async () => {
      const net = await loadTransformer(
        new URL('./fixtures/transformer-legacy-0x.pth', import.meta.url).pathname,
      );
      const { tensors } = readSafetensors(
        new Uint8Array(
          readFileSync(
            new URL('./fixtures/transformer-legacy-output.safetensors', import.meta.url),
          ),
        ),
      );
      const x = tf.transpose(tensors.input!, [0, 2, 3, 1]) as tf.Tensor4D;
      // runTransformer clamps to [0, 255]; so does the session.
      const expected = tf.clipByValue(tf.transpose(tensors.output!, [0, 2, 3, 1]), 0, 255);
      const session = await createTransformerSession(net);
      const y = await session.run(x);
      expect(await relativeError(y, expected)).toBeLessThan(1e-4);
      // [H, W, 3] of any size, as runTransformer, cropped and clamped the same way.
      const image = tf.randomUniform([13, 17, 3], 0, 255, 'float32', 4) as tf.Tensor3D;
      const before = tf.memory().numTensors;
      const native = await session.run(image);
      expect(tf.memory().numTensors).toBe(before + 1);
      const reference = runTransformer(net, image);
      expect(native.shape).toEqual([13, 17, 3]);
      expect(await relativeError(native, reference)).toBeLessThan(1e-4);
      await expect(session.run(tf.zeros([4, 4, 1]) as tf.Tensor3D)).rejects.toThrow(/RGB/);
      tf.dispose([...Object.values(tensors), x, expected, y, image, native, reference]);
      await session.dispose();
      net.dispose();
      await expect(createTransformerSession({} as TransformerNet)).rejects.toThrow(
        /expected a TransformerNet/,
      );
    });

    it('refuses an unknown engine', async () => {
      await expect(
        stylize({ content, styles: [{ image: style }], engine: 'torch' as never }),
      ).rejects.toThrow(/engine/);
    });
  },
  { only: ['wasm'] },
);
