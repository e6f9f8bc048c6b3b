import { tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { movingScene } from '../src/results/moving-scene.js';
import { sceneError, warpedError } from '../src/results/video-metrics.js';
import { composeFlows } from '../src/video/flow.js';

describeBackends(
  'moving scene with exact flow',
  () => {
    const scene = movingScene({ frames: 24, height: 32, width: 32 });

    it('its exact flow carries one frame onto the next: the warped error is far below that of no motion', async () => {
      const frames = Array.from({ length: 24 }, (_, t) => scene.frame(t));
      const exact = await sceneError(frames, scene, 1);
      const far = await sceneError(frames, scene, 20);
      const zero = tf.zeros([32, 32, 2]) as tf.Tensor3D;
      const still = await warpedError(frames[5]!, frames[4]!, zero, scene.visible(5, 4));
      console.log(
        `scene: warped error 1 frame ${exact.toExponential(2)}, 20 frames ${far.toExponential(2)}, no motion ${still.toExponential(2)}`,
      );
      // What remains is bilinear resampling of a band-limited texture.
      expect(exact).toBeLessThan(2e-4);
      expect(far).toBeLessThan(2e-4);
      expect(still).toBeGreaterThan(8 * exact);
      tf.dispose([...frames, zero]);
    });

    it('visibility: the background the disc covers in the other frame and the image border are excluded', () => {
      const v = scene.visible(10, 9);
      const covered = v.reduce((a, b) => a + (1 - b), 0);
      expect(covered).toBeGreaterThan(0);
      expect(covered).toBeLessThan(32 * 32 * 0.5);
      // The same frame: everything but the outline band is visible.
      const self = scene.visible(3, 3, 0);
      expect(self.every((x) => x === 1)).toBe(true);
    });

    it('composeFlows chains consecutive flows into the direct one (on surfaces visible throughout)', async () => {
      let chain = scene.flow(12, 11);
      for (let s = 11; s > 8; s--) {
        const link = scene.flow(s, s - 1);
        const next = composeFlows(chain, link);
        tf.dispose([chain, link]);
        chain = next;
      }
      const direct = scene.flow(12, 8);
      const vis = scene.visible(12, 8, 2.5);
      const [d] = await tf
        .tidy(() => {
          const m = tf.tensor3d(vis, [32, 32, 1]);
          return tf.div(tf.sum(tf.mul(tf.abs(tf.sub(chain, direct)), m)), tf.mul(tf.sum(m), 2));
        })
        .data();
      expect(d).toBeLessThan(0.02); // pixels; the motion over 4 frames is about 2-3 pixels
      const moved = (await tf.tidy(() => tf.mean(tf.abs(direct))).data())[0]!;
      expect(moved).toBeGreaterThan(1);
      tf.dispose([chain, direct]);
    });
  },
  { only: ['cpu'] },
);
