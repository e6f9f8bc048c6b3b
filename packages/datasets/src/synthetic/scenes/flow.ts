/**
 * Exact optical flow between two instants of a moving scene. The surface point seen
 * through a pixel's centre at `from` is followed in its object's own frame to where
 * that object is at `to`, and projected by the camera at `to`: the flow is that image
 * position minus the pixel centre, (u, v) in pixels, u to the right and v down (the
 * Middlebury .flo convention). The sky is a direction, moved by the camera's rotation
 * only. A pixel is occluded when its point leaves the image, goes behind the camera, or
 * is hidden at `to` (the ray from the eye towards it meets something else first).
 */

import { type Camera, project, rayThrough } from './camera.js';
import { closestHit, Hit, localToWorld, Ray } from './geometry.js';
import { poseScene, type SceneDescription } from './scene.js';

export interface FlowBuffers {
  /** [size, size, 2]: (u, v) per pixel. */
  flow: Float32Array;
  /** [size, size]: 1 where the point is not visible at `to`, 0 where the flow is valid. */
  occluded: Float32Array;
}

/** Relative slack on distances when deciding that the ray at `to` reached the same point. */
const SAME_POINT = 1e-5;

function outside(c: Camera, q: readonly number[]): boolean {
  return !(q[2]! > 0) || q[0]! < 0 || q[0]! > c.size || q[1]! < 0 || q[1]! > c.size;
}

export function exactFlow(
  d: SceneDescription,
  size: number,
  from: number,
  to: number,
): FlowBuffers {
  const a = poseScene(d, from, size);
  const b = poseScene(d, to, size);
  const flow = new Float32Array(size * size * 2);
  const occluded = new Float32Array(size * size);
  const hit = new Hit();
  const ray = new Ray();
  const dir: [number, number, number] = [0, 0, 0];
  const w: [number, number, number] = [0, 0, 0];
  const q: [number, number, number] = [0, 0, 0];
  const [ex, ey, ez] = a.camera.eye;
  const [fx, fy, fz] = b.camera.eye;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      rayThrough(a.camera, x + 0.5, y + 0.5, dir);
      let hidden: boolean;
      if (closestHit(a.prims, ray.set(ex, ey, ez, dir[0], dir[1], dir[2]), hit)) {
        const k = hit.index;
        localToWorld(b.prims[k]!, hit.lx, hit.ly, hit.lz, w);
        const vx = w[0] - fx;
        const vy = w[1] - fy;
        const vz = w[2] - fz;
        project(b.camera, vx, vy, vz, q);
        const dist = Math.hypot(vx, vy, vz);
        hidden =
          outside(b.camera, q) ||
          !closestHit(b.prims, ray.set(fx, fy, fz, vx / dist, vy / dist, vz / dist), hit) ||
          hit.index !== k ||
          Math.abs(hit.t - dist) > SAME_POINT * dist;
      } else {
        project(b.camera, dir[0], dir[1], dir[2], q);
        hidden =
          outside(b.camera, q) ||
          closestHit(b.prims, ray.set(fx, fy, fz, dir[0], dir[1], dir[2]), hit);
      }
      // Behind the camera there is no image position: such pixels keep zero flow.
      if (q[2] > 0) {
        flow[i * 2] = q[0] - (x + 0.5);
        flow[i * 2 + 1] = q[1] - (y + 0.5);
      }
      occluded[i] = hidden ? 1 : 0;
    }
  }
  return { flow, occluded };
}
