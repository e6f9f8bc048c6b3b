/**
 * Renders a posed scene into every buffer: one camera ray per pixel (through its
 * centre) fixes the surface point, then the integrator estimates its shading twice,
 * at the reference and at the noisy sample count, with independent random streams.
 */

import { allocateBuffers, DEPTH_FAR, fillEdges, type SceneBuffers } from './buffers.js';
import { rayThrough } from './camera.js';
import { closestHit, Hit, Ray } from './geometry.js';
import { Integrator } from './integrator.js';
import { Sampler } from './sampler.js';
import { LIGHT_ID, type PosedScene, SKY_ID } from './scene.js';

export interface RenderSettings {
  /** Samples per pixel of the reference image. */
  referenceSpp: number;
  /** Samples per pixel of the noisy render. */
  noisySpp: number;
  /** Seeds the per-pixel random streams (an unsigned 32-bit integer). */
  seed: number;
}

/** Writes the pixel's sky or light values: albedo 1, shading the radiance seen, no specular. */
function emitter(b: SceneBuffers, i: number, radiance: readonly number[]): void {
  for (let c = 0; c < 3; c++) {
    b.albedo[i * 3 + c] = 1;
    b.shading[i * 3 + c] = radiance[c]!;
    b.reference[i * 3 + c] = radiance[c]!;
    b.noisy[i * 3 + c] = radiance[c]!;
  }
}

export function renderScene(
  scene: PosedScene,
  size: number,
  settings: RenderSettings,
): SceneBuffers {
  const b = allocateBuffers(size);
  const cam = scene.camera;
  const [ex, ey, ez] = cam.eye;
  const hit = new Hit();
  const ray = new Ray();
  const dir: [number, number, number] = [0, 0, 0];
  const integrator = new Integrator(scene);
  const sampler = new Sampler();
  const reference = new Float64Array(6);
  const noisy = new Float64Array(6);
  const albedo: [number, number, number] = [0, 0, 0];
  const dark = [0, 0, 0];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      rayThrough(cam, x + 0.5, y + 0.5, dir);
      const dx = dir[0];
      const dy = dir[1];
      const dz = dir[2];
      if (!closestHit(scene.prims, ray.set(ex, ey, ez, dx, dy, dz), hit)) {
        b.ids[i] = SKY_ID;
        b.depth[i] = 1;
        emitter(b, i, scene.sky);
        continue;
      }
      const p = scene.prims[hit.index]!;
      b.ids[i] = p.id;
      // Normals face the camera, in its frame.
      const flip = hit.nx * dx + hit.ny * dy + hit.nz * dz > 0 ? -1 : 1;
      const nx = hit.nx * flip;
      const ny = hit.ny * flip;
      const nz = hit.nz * flip;
      b.normals[i * 3] = nx * cam.right[0] + ny * cam.right[1] + nz * cam.right[2];
      b.normals[i * 3 + 1] = nx * cam.up[0] + ny * cam.up[1] + nz * cam.up[2];
      b.normals[i * 3 + 2] = -(nx * cam.forward[0] + ny * cam.forward[1] + nz * cam.forward[2]);
      const z = hit.t * (dx * cam.forward[0] + dy * cam.forward[1] + dz * cam.forward[2]);
      b.depth[i] = Math.min(1, z / DEPTH_FAR);
      if (p.id === LIGHT_ID) {
        // The light emits downwards only: seen from below it shows its emission.
        emitter(b, i, dy > 0 ? scene.emission : dark);
        continue;
      }
      sampler.reset(settings.seed, i, 0);
      integrator.estimate(hit, ray, settings.referenceSpp, sampler, reference, albedo);
      sampler.reset(settings.seed, i, 1);
      integrator.estimate(hit, ray, settings.noisySpp, sampler, noisy, albedo);
      for (let c = 0; c < 3; c++) {
        const k = i * 3 + c;
        b.albedo[k] = albedo[c]!;
        b.shading[k] = reference[c]!;
        b.specular[k] = reference[3 + c]!;
        b.reference[k] = albedo[c]! * reference[c]! + reference[3 + c]!;
        b.noisy[k] = albedo[c]! * noisy[c]! + noisy[3 + c]!;
      }
    }
  }
  fillEdges(b);
  return b;
}
