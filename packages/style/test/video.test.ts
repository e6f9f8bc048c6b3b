import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransformerNet } from '@atelier/blocks';
import { encodePng, rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { encodeFlo } from '@atelier/datasets';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RandomMultiScaleNetwork, randomNetwork, stylizeVideo } from '../src/index.js';
import { sample } from './helpers.js';

async function meanAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0]!;
  d.dispose();
  return v;
}

describeBackends(
  'stylizeVideo',
  (backend) => {
    let content: tf.Tensor3D;
    let style: tf.Tensor3D;
    let network: RandomMultiScaleNetwork;
    beforeAll(async () => {
      const full = await sample('chelsea', true);
      content = tf.tidy(() => tf.image.resizeBilinear(full, [16, 16], false, true)) as tf.Tensor3D;
      full.dispose();
      style = await sample('coffee');
      network = randomNetwork({ seed: 0, sizes: [3, 5, 7], maps: 16 });
    });
    afterAll(() => {
      tf.dispose([content, style]);
      network.dispose();
    });

    it('a static scene with zero flow gives identical consecutive frames (mean |Δ| < 0.25 of 255)', async () => {
      const zero = tf.zeros([16, 16, 2]) as tf.Tensor3D;
      const frames = [0, 1, 2].map(() => ({
        frame: content,
        flowBackward: zero,
        flowForward: zero,
      }));
      const before = tf.memory().numTensors;
      const r = await stylizeVideo(frames, {
        styles: [{ image: style }],
        network,
        size: 16,
        iterations: 6,
        firstIterations: 15,
      });
      expect(r.frames).toBe(3);
      expect(tf.memory().numTensors).toBe(before + 3);
      const d01 = await meanAbsDiff(r.images[0]!, r.images[1]!);
      const d12 = await meanAbsDiff(r.images[1]!, r.images[2]!);
      // The stylisation itself moved far from the content.
      const moved = await meanAbsDiff(r.images[0]!, content);
      console.log(
        `[${backend}] static scene: |f1 - f0| ${d01.toFixed(3)}, |f2 - f1| ${d12.toFixed(3)}, |f0 - content| ${moved.toFixed(2)} (0-255)`,
      );
      expect(d01).toBeLessThan(0.25);
      expect(d12).toBeLessThan(0.25);
      expect(moved).toBeGreaterThan(5);
      tf.dispose([...r.images, zero]);
    });

    it('the temporal loss holds flickering frames together', async () => {
      // The same scene under independent noise per frame: without the temporal term the
      // outputs follow the noise; with it they stay near the previous output.
      const r = rng(3);
      const noisy = [0, 1, 2].map(() =>
        tf.tidy(
          () =>
            tf.clipByValue(tf.add(content, r.normal([16, 16, 3], 0, 12)), 0, 255) as tf.Tensor3D,
        ),
      );
      const run = async (temporalWeight: number) => {
        const out = await stylizeVideo(noisy, {
          styles: [{ image: style }],
          network,
          size: 16,
          iterations: 8,
          temporalWeight,
        });
        const d =
          (await meanAbsDiff(out.images[0]!, out.images[1]!)) +
          (await meanAbsDiff(out.images[1]!, out.images[2]!));
        tf.dispose(out.images);
        return d / 2;
      };
      const free = await run(0);
      const held = await run(1e4);
      console.log(
        `[${backend}] flicker (mean |Δ| between frames): temporal weight 0: ${free.toFixed(2)}, 1e4: ${held.toFixed(2)}`,
      );
      expect(held).toBeLessThan(free / 2);
      tf.dispose(noisy);
    });

    it('feed-forward: frame by frame, with smoothing y <- (1 - a c) y + a c w(y_prev)', async () => {
      const net = new TransformerNet({ seed: 5 });
      const other = tf.tidy(() => tf.reverse(content, 1)) as tf.Tensor3D;
      const zero = tf.zeros([16, 16, 2]) as tf.Tensor3D;
      const frames = [
        { frame: content, flowBackward: zero },
        { frame: other, flowBackward: zero },
      ];
      const plain = await stylizeVideo(frames, { styles: [], model: net });
      const smooth = await stylizeVideo(frames, { styles: [], model: net, smoothing: 0.5 });
      // Frame 0 has no predecessor; frame 1 is the average of its own output and frame 0's
      // (zero flow, mask of ones).
      expect(await meanAbsDiff(smooth.images[0]!, plain.images[0]!)).toBe(0);
      const expected = tf.tidy(() => tf.mul(tf.add(plain.images[0]!, plain.images[1]!), 0.5));
      expect(await meanAbsDiff(smooth.images[1]!, expected)).toBeLessThan(1e-3);
      tf.dispose([...plain.images, ...smooth.images, expected, other, zero]);
      net.dispose();
    });

    it('reads a frames folder with .flo flows, streams frames through onFrame, and leaks nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'atelier-video-'));
      try {
        const frames = join(dir, 'frames');
        const flows = join(dir, 'flow');
        for (const d of [frames, flows]) (await import('node:fs')).mkdirSync(d);
        for (let t = 1; t <= 3; t++)
          writeFileSync(
            join(frames, `frame_${String(t).padStart(4, '0')}.png`),
            await encodePng(content),
          );
        const zeroFlow = { width: 16, height: 16, data: new Float32Array(16 * 16 * 2) };
        for (let t = 2; t <= 3; t++) {
          writeFileSync(join(flows, `backward_${t}_${t - 1}.flo`), encodeFlo(zeroFlow));
          writeFileSync(join(flows, `forward_${t - 1}_${t}.flo`), encodeFlo(zeroFlow));
        }
        const before = tf.memory().numTensors;
        const seen: number[] = [];
        const r = await stylizeVideo(frames, {
          flowDir: flows,
          styles: [{ image: style }],
          network,
          size: 16,
          iterations: 3,
          onFrame: ({ index, image }) => {
            seen.push(index);
            expect(image.shape).toEqual([16, 16, 3]);
          },
        });
        expect(seen).toEqual([0, 1, 2]);
        expect(r.images).toEqual([]);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a flow of the wrong size is a ShapeError naming the frame', async () => {
      const bad = tf.zeros([8, 8, 2]) as tf.Tensor3D;
      await expect(
        stylizeVideo([{ frame: content }, { frame: content, flowBackward: bad }], {
          styles: [{ image: style }],
          network,
          size: 16,
          iterations: 1,
        }),
      ).rejects.toThrow(/frame 1's flowBackward must be a flow \[16, 16, 2\]/);
      bad.dispose();
    });
  },
  { only: ['cpu', 'wasm'] },
);
