import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, encodePng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { encodeFlo } from '@atelier/datasets';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  blendInit,
  closestFirstMasks,
  folderFrameStore,
  type RandomMultiScaleNetwork,
  randomNetwork,
  stylizeVideo,
  type VideoStep,
} from '../src/index.js';
import { movingScene } from '../src/results/moving-scene.js';
import { sample } from './helpers.js';

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

function expectClose(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0]!;
  d.dispose();
  return v;
}

it('closestFirstMasks: c_j <- max(0, c_j - sum_{k<j} c_k), the c_k already reduced (hand-computed)', async () => {
  // Five pixels, three reference frames nearest first.
  const c1 = tf.tensor4d([1, 0.5, 0, 0.2, 0], [1, 1, 5, 1]);
  const c2 = tf.tensor4d([1, 1, 1, 0.5, 0], [1, 1, 5, 1]);
  const c3 = tf.tensor4d([0.5, 1, 1, 1, 0.7], [1, 1, 5, 1]);
  const [r1, r2, r3] = closestFirstMasks([c1, c2, c3]);
  // c2' = max(0, c2 - c1)            = [0, 0.5, 1, 0.3, 0]
  // c3' = max(0, c3 - c1' - c2')     = [0, 0, 0, 0.5, 0.7]
  // (subtracting the unreduced c2 instead would give 0.3 at pixel 4.)
  expectClose(await values(r1!), [1, 0.5, 0, 0.2, 0]);
  expectClose(await values(r2!), [0, 0.5, 1, 0.3, 0]);
  expectClose(await values(r3!), [0, 0, 0, 0.5, 0.7]);
  tf.dispose([c1, c2, c3, r1!, r2!, r3!]);
});

it('blendInit: (x + w c warped) / (1 + w c)', async () => {
  const x = tf.fill([1, 1, 3, 3], 0.2) as tf.Tensor4D;
  const warped = tf.fill([1, 1, 3, 3], 0.8) as tf.Tensor4D;
  const c = tf.tensor4d([0, 0.5, 1], [1, 1, 3, 1]);
  const one = blendInit(x, warped, c, 1);
  const half = blendInit(x, warped, c, 0.5);
  // c = 0 keeps x; c = 0.5: (0.2 + 0.4) / 1.5 = 0.4; c = 1: (0.2 + 0.8) / 2 = 0.5.
  const px = async (t: tf.Tensor) => (await values(t)).filter((_, i) => i % 3 === 0);
  expectClose(await px(one), [0.2, 0.4, 0.5]);
  // w = 0.5: c = 0.5 gives (0.2 + 0.2) / 1.25 = 0.32, c = 1 (0.2 + 0.4) / 1.5 = 0.4.
  expectClose(await px(half), [0.2, 0.32, 0.4]);
  tf.dispose([x, warped, c, one, half]);
});

describeBackends(
  'stylizeVideo: long-term, multi-pass, flow sources, resume',
  () => {
    let style: tf.Tensor3D;
    let network: RandomMultiScaleNetwork;
    const scene = movingScene({ frames: 6, height: 16, width: 16, orbit: 0.4, radius: 0.2 });
    let frames: tf.Tensor3D[];
    const flow = (from: { index: number }, to: { index: number }) =>
      scene.flow(from.index, to.index);
    beforeAll(async () => {
      style = await sample('coffee');
      network = randomNetwork({ seed: 0, sizes: [3, 5], maps: 8 });
      frames = Array.from({ length: scene.frames }, (_, t) =>
        tf.tidy(() => tf.round(scene.frame(t))),
      );
    });
    afterAll(() => {
      tf.dispose([style, ...frames]);
      network.dispose();
    });
    const base = () => ({
      styles: [{ image: style }],
      network,
      size: 16,
      iterations: 2,
      firstIterations: 4,
    });

    it('a resumed run gives the uninterrupted run exactly; only the missing frames are computed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'atelier-video-resume-'));
      try {
        const options = { ...base(), flow, passes: 3, temporalFrom: 2, longTerm: [1, 2] };
        const before = tf.memory().numTensors;
        const whole = await stylizeVideo(frames, options);
        expect(tf.memory().numTensors).toBe(before + frames.length);
        // Interrupted in pass 2 after its third frame (an exception, as a killed process).
        let steps = 0;
        await expect(
          stylizeVideo(frames, {
            ...options,
            store: folderFrameStore(dir, { passes: 3 }),
            onStep: () => {
              if (++steps === 6 + 3) throw new Error('interrupted');
            },
          }),
        ).rejects.toThrow('interrupted');
        expect(readdirSync(join(dir, 'passes', '2')).length).toBe(3);
        expect(readdirSync(dir).filter((f) => f.endsWith('.png'))).toEqual([]);
        const seen: VideoStep[] = [];
        const resumed = await stylizeVideo(frames, {
          ...options,
          store: folderFrameStore(dir, { passes: 3 }),
          resume: true,
          keep: true,
          onStep: (s) => {
            seen.push(s);
          },
        });
        expect(seen.filter((s) => s.resumed).length).toBe(9);
        expect(seen.filter((s) => !s.resumed).length).toBe(9);
        expect(seen.map((s) => `${s.pass}:${s.index}`).slice(6, 12)).toEqual([
          '2:5',
          '2:4',
          '2:3',
          '2:2',
          '2:1',
          '2:0',
        ]);
        for (let t = 0; t < frames.length; t++) {
          expect(await maxAbsDiff(resumed.images[t]!, whole.images[t]!)).toBe(0);
        }
        // The last pass's frames are in the folder itself.
        expect(readdirSync(dir).filter((f) => f.endsWith('.png')).length).toBe(6);
        tf.dispose([...whole.images, ...resumed.images]);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('.flo files (direct long-range, or consecutive ones chained) give what a flow function gives', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'atelier-video-flo-'));
      try {
        const framesDir = join(dir, 'frames');
        const flowDir = join(dir, 'flow');
        const chainDir = join(dir, 'chain');
        for (const d of [framesDir, flowDir, chainDir]) mkdirSync(d);
        const floOf = async (a: number, b: number) => {
          const f = scene.flow(a, b);
          const bytes = encodeFlo({
            width: 16,
            height: 16,
            data: (await f.data()) as Float32Array,
          });
          f.dispose();
          return bytes;
        };
        for (let t = 0; t < frames.length; t++) {
          writeFileSync(join(framesDir, `frame_${t + 1}.png`), await encodePng(frames[t]!));
          for (const j of [1, 2]) {
            if (t - j < 0) continue;
            const names = [
              `backward_${t + 1}_${t + 1 - j}.flo`,
              `forward_${t + 1 - j}_${t + 1}.flo`,
            ];
            const data = [await floOf(t, t - j), await floOf(t - j, t)];
            for (let k = 0; k < 2; k++) {
              writeFileSync(join(flowDir, names[k]!), data[k]!);
              if (j === 1) writeFileSync(join(chainDir, names[k]!), data[k]!);
            }
          }
        }
        const options = { ...base(), longTerm: [1, 2] };
        const direct = await stylizeVideo(framesDir, { ...options, flowDir });
        const byFunction = await stylizeVideo(frames, { ...options, flow });
        const chained = await stylizeVideo(framesDir, { ...options, flowDir: chainDir });
        const consecutiveOnly = await stylizeVideo(frames, {
          ...options,
          flow: (a, b) => (Math.abs(a.index - b.index) === 1 ? flow(a, b) : undefined),
        });
        let chainVsDirect = 0;
        for (let t = 0; t < frames.length; t++) {
          expect(await maxAbsDiff(direct.images[t]!, byFunction.images[t]!)).toBe(0);
          expect(await maxAbsDiff(chained.images[t]!, consecutiveOnly.images[t]!)).toBe(0);
          chainVsDirect += await maxAbsDiff(chained.images[t]!, direct.images[t]!);
        }
        // Chaining is not the direct flow (bilinear composition near the disc's outline).
        expect(chainVsDirect).toBeGreaterThan(0);
        tf.dispose([
          ...direct.images,
          ...byFunction.images,
          ...chained.images,
          ...consecutiveOnly.images,
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a stream (generator) gives what an array gives, in one pass with long-term references and in several, and leaks nothing', async () => {
      function* stream() {
        for (const f of frames) yield f;
      }
      for (const extra of [{ longTerm: [1, 2, 4] }, { passes: 2, temporalFrom: 1 }]) {
        const options = { ...base(), flow, ...extra };
        const before = tf.memory().numTensors;
        const fromArray = await stylizeVideo(frames, options);
        const fromStream = await stylizeVideo(stream(), options);
        expect(tf.memory().numTensors).toBe(before + 2 * frames.length);
        expect(fromStream.frames).toBe(frames.length);
        for (let t = 0; t < frames.length; t++)
          expect(await maxAbsDiff(fromStream.images[t]!, fromArray.images[t]!)).toBe(0);
        tf.dispose([...fromArray.images, ...fromStream.images]);
      }
    });

    it('rejects bad long-term offsets, passes and stores with ArgumentErrors saying what came', async () => {
      const run = (extra: object) => stylizeVideo(frames, { ...base(), ...extra });
      await expect(run({ longTerm: [0, 10] })).rejects.toThrow(ArgumentError);
      await expect(run({ longTerm: [] })).rejects.toThrow(
        /longTerm must be a non-empty list of frame offsets >= 1/,
      );
      await expect(run({ passes: 0 })).rejects.toThrow(/passes must be an integer >= 1, got 0/);
      await expect(run({ store: {} })).rejects.toThrow(/store must have read\(pass, index\)/);
      await expect(run({ flow: 3 })).rejects.toThrow(/flow must be a function/);
      await expect(run({ resume: true })).rejects.toThrow(/resume needs a store/);
      const bad = () => tf.zeros([8, 8, 2]) as tf.Tensor3D;
      await expect(run({ flow: bad })).rejects.toThrow(
        /the flow from frame 1 to frame 0 must be a flow \[16, 16, 2\]/,
      );
    });
  },
  { only: ['cpu', 'wasm'] },
);
