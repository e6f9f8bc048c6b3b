import type { tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RandomMultiScaleNetwork, randomNetwork } from '../src/index.js';
import { movingScene } from '../src/results/moving-scene.js';
import { measureVideo, type VideoMeasurement } from '../src/results/video-results.js';
import { sample } from './helpers.js';

// The claim of Ruder et al. on a small sequence with exact flow: the temporal loss
// lowers the error between consecutive frames; long-term references and multiple
// passes lower the error between distant frames, long-term ones most on the surfaces
// that reappear after being hidden.
describeBackends(
  'video temporal consistency on a moving scene (ordering)',
  (backend) => {
    let style: tf.Tensor3D;
    let network: RandomMultiScaleNetwork;
    const scene = movingScene({ frames: 14, height: 20, width: 20, orbit: 0.35, radius: 0.2 });
    const gap = 6;
    beforeAll(async () => {
      style = await sample('coffee');
      network = randomNetwork({ seed: 0, sizes: [3, 5, 7], maps: 8 });
    });
    afterAll(() => {
      style.dispose();
      network.dispose();
    });

    it('per frame > short-term (consecutive); short-term > long-term and multi-pass (distant, reappearing)', async () => {
      const bench = { scene, style, network, gap, seed: 0 };
      const single = { size: 20, iterations: 4, firstIterations: 30 };
      const rows: Record<string, VideoMeasurement> = {};
      for (const m of [
        { name: 'perFrame', kind: 'independent' as const, iterations: 4 },
        { name: 'short', options: single, iterations: 4 },
        { name: 'long', options: { ...single, longTerm: [1, 3, 6] }, iterations: 4 },
        { name: 'multi', options: { size: 20, passes: 5, iterations: 1 }, iterations: 5 },
      ]) {
        rows[m.name] = await measureVideo(bench, m);
      }
      const line = (r: VideoMeasurement) =>
        `${r.temporalError.toExponential(2)} / ${r.longRangeError.toExponential(2)} / ${r.reappearingError.toExponential(2)}`;
      console.log(
        `[${backend}] temporal / long-range / reappearing: ${Object.entries(rows)
          .map(([k, r]) => `${k} ${line(r)}`)
          .join('; ')}`,
      );
      const { perFrame, short, long, multi } = rows as Record<string, VideoMeasurement>;
      expect(short!.temporalError).toBeLessThan(perFrame!.temporalError / 5);
      expect(long!.reappearingError).toBeLessThan(short!.reappearingError / 2);
      expect(long!.longRangeError).toBeLessThan(short!.longRangeError);
      expect(multi!.longRangeError).toBeLessThan(short!.longRangeError / 2);
    });
  },
  { only: ['cpu', 'wasm'] },
);
