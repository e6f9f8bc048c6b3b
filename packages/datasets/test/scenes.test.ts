import { ArgumentError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { describe, expect, it } from 'vitest';
import { synthetic } from '../src/index.js';
import type { Vec3 } from '../src/synthetic/scenes/camera.js';
import { exactFlow } from '../src/synthetic/scenes/flow.js';
import { body } from '../src/synthetic/scenes/layout.js';
import type { Material } from '../src/synthetic/scenes/materials.js';
import { renderScene } from '../src/synthetic/scenes/render.js';
import { poseScene, type SceneDescription } from '../src/synthetic/scenes/scene.js';

const FIELDS3 = ['reference', 'noisy', 'albedo', 'shading', 'specular', 'normals'];
const FIELDS1 = ['depth', 'ids', 'edges'];

/** The tensors of a sample as typed arrays, and the sample disposed. */
async function arrays(sample: unknown): Promise<Record<string, Float32Array | Int32Array>> {
  const out: Record<string, Float32Array | Int32Array> = {};
  for (const [k, v] of Object.entries(sample as Record<string, unknown>)) {
    if (v instanceof tf.Tensor) {
      out[k] = (await v.data()) as Float32Array | Int32Array;
      v.dispose();
    }
  }
  return out;
}

// ---- An independent pinhole camera and hand-built scenes with closed-form answers ----

type V = [number, number, number];
const sub = (a: readonly number[], b: readonly number[]): V => [
  a[0]! - b[0]!,
  a[1]! - b[1]!,
  a[2]! - b[2]!,
];
const dot = (a: readonly number[], b: readonly number[]) =>
  a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const unit = (a: V): V => {
  const l = Math.hypot(...a);
  return [a[0] / l, a[1] / l, a[2] / l];
};
const cross = (a: V, b: V): V => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

/** The ray through pixel (x, y)'s centre and the camera's focal length and view axis. */
function pinhole(eye: Vec3, target: Vec3, fov: number, S: number) {
  const forward = unit(sub(target, eye));
  const right = unit(cross(forward, [0, 1, 0]));
  const up = cross(right, forward);
  const f = S / 2 / Math.tan(fov / 2);
  const ray = (x: number, y: number): V => {
    const a = x + 0.5 - S / 2;
    const b = S / 2 - y - 0.5;
    return unit([0, 1, 2].map((k) => f * forward[k]! + a * right[k]! + b * up[k]!) as V);
  };
  return { forward, f, ray };
}

/** Within a relative `tolerance` (the renderer lifts shading points 1e-4 off the surface). */
function expectNear(actual: number, expected: number, tolerance = 3e-4): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.abs(expected) + 1e-9);
}

/** Distance along a unit ray to a sphere, or Infinity. */
function sphereHit(o: readonly number[], d: V, c: readonly number[], r: number): number {
  const q = sub(o, c);
  const b = dot(q, d);
  const disc = b * b - (dot(q, q) - r * r);
  if (disc < 0) return Number.POSITIVE_INFINITY;
  const t = -b - Math.sqrt(disc);
  return t > 0 ? t : Number.POSITIVE_INFINITY;
}

const MATTE: Material = { albedo: [0.5, 0.5, 0.5], specular: [0, 0, 0], exponent: 1 };
const FOV = Math.PI / 3;

/** A ground plane alone under a sky, with the given lights, seen from (0, 2, 4). */
function groundScene(o: {
  ground?: Material;
  point?: { position: Vec3; intensity: Vec3 };
  light?: { centre: Vec3; half: number; emission: number };
  sky?: Vec3;
}): SceneDescription {
  const light = o.light ?? { centre: [0, 50, 0], half: 0.01, emission: 0 };
  return {
    bodies: [
      body('plane', 1, 0, { position: [0, 0, 0], normal: [0, 1, 0] }),
      body('light', 5, 0, { position: light.centre, half: [light.half, 0, light.half] }),
    ],
    materials: [o.ground ?? MATTE],
    emission: [light.emission, light.emission, light.emission],
    pointLight: o.point ?? { position: [0, 3, 0], intensity: [0, 0, 0] },
    sky: o.sky ?? [0, 0, 0],
    camera: {
      eye: [0, 2, 4],
      target: [0, 0, 0],
      fov: FOV,
      eyeVelocity: [0, 0, 0],
      targetVelocity: [0, 0, 0],
    },
  };
}

/** Each pixel's ground point (x, z) and its ray, by the independent camera. */
function groundPoints(S: number) {
  const cam = pinhole([0, 2, 4], [0, 0, 0], FOV, S);
  const out: { i: number; d: V; p: V }[] = [];
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const d = cam.ray(x, y);
      if (d[1] >= 0) continue;
      const t = -2 / d[1];
      out.push({ i: y * S + x, d, p: [d[0] * t, 2 + d[1] * t, 4 + d[2] * t] });
    }
  }
  return out;
}

/** View factor from a point to a parallel a x b rectangle at height h with a corner above it (odd in a and b). */
function cornerFactor(a: number, b: number, h: number): number {
  const A = a / h;
  const B = b / h;
  const sa = Math.sqrt(1 + A * A);
  const sb = Math.sqrt(1 + B * B);
  return ((A / sa) * Math.atan(B / sa) + (B / sb) * Math.atan(A / sb)) / (2 * Math.PI);
}

describe('synthetic.scenes: the estimator against closed forms', () => {
  const S = 12;

  it('a point light on a matte plane: shading = I cos / (π r²), nothing specular', () => {
    const I = 3;
    const L: Vec3 = [0.5, 2, -0.5];
    const b = renderScene(
      poseScene(groundScene({ point: { position: L, intensity: [I, I, I] } }), 0, S),
      S,
      { referenceSpp: 4, noisySpp: 1, seed: 1 },
    );
    const points = groundPoints(S);
    expect(points.length).toBeGreaterThan(S * S * 0.6);
    for (const { i, p } of points) {
      const l = sub(L, p);
      const r = Math.hypot(...l);
      const expected = (I * (l[1] / r)) / (Math.PI * r * r);
      expectNear(b.shading[i * 3]!, expected);
      expect(b.specular[i * 3]).toBe(0);
      expectNear(b.reference[i * 3]!, 0.5 * expected);
      expectNear(b.noisy[i * 3]!, 0.5 * expected);
    }
  });

  it('a point light on a glossy plane: specular = ks (e + 2)/2π (r·l)^e I cos / r²', () => {
    const I = 2;
    const L: Vec3 = [0, 1.5, -1];
    const ks = 0.3;
    const e = 20;
    const ground: Material = { albedo: [0.4, 0.4, 0.4], specular: [ks, ks, ks], exponent: e };
    const b = renderScene(
      poseScene(groundScene({ ground, point: { position: L, intensity: [I, I, I] } }), 0, S),
      S,
      { referenceSpp: 4, noisySpp: 1, seed: 1 },
    );
    let lit = 0;
    for (const { i, p, d } of groundPoints(S)) {
      const l = sub(L, p);
      const r = Math.hypot(...l);
      const mirror: V = [d[0], -d[1], d[2]];
      const rl = Math.max(0, dot(mirror, l) / r);
      const expected = ((ks * (e + 2)) / (2 * Math.PI)) * rl ** e * ((I * l[1]) / r / (r * r));
      if (expected > 1e-3) lit++;
      // The lobe's power e multiplies the offset's relative effect.
      expectNear(b.specular[i * 3]!, expected, 3e-4 * e);
    }
    expect(lit).toBeGreaterThan(3);
  });

  it('a uniform sky over a matte plane: shading = the sky radiance, sample by sample', () => {
    const sky: Vec3 = [0.2, 0.3, 0.4];
    const b = renderScene(poseScene(groundScene({ sky }), 0, S), S, {
      referenceSpp: 3,
      noisySpp: 1,
      seed: 2,
    });
    for (const { i } of groundPoints(S)) {
      for (let c = 0; c < 3; c++) {
        expect(b.shading[i * 3 + c]).toBeCloseTo(sky[c]!, 6);
        expect(b.noisy[i * 3 + c]).toBeCloseTo(0.5 * sky[c]!, 6);
      }
    }
  });

  it('a glossy wall under a uniform sky: specular converges to ks times the sky times r·n', () => {
    // The lobe's cosine-weighted integral is r·n (r the mirror direction), when the
    // lobe stays above the horizon (it does, within 0.3 rad of the normal at e = 20).
    const ks = 0.4;
    const sky: Vec3 = [0.5, 0.25, 1];
    const scene: SceneDescription = {
      bodies: [
        body('plane', 2, 0, { position: [0, 0, -2], normal: [0, 0, 1] }),
        body('light', 5, 0, { position: [0, 50, 0], half: [0.01, 0, 0.01] }),
      ],
      materials: [{ albedo: [0.3, 0.3, 0.3], specular: [ks, ks, ks], exponent: 20 }],
      emission: [0, 0, 0],
      pointLight: { position: [0, 0, 1], intensity: [0, 0, 0] },
      sky,
      camera: {
        eye: [0, 0, 2],
        target: [0, 0, 0],
        fov: 0.5,
        eyeVelocity: [0, 0, 0],
        targetVelocity: [0, 0, 0],
      },
    };
    const b = renderScene(poseScene(scene, 0, 5), 5, { referenceSpp: 8192, noisySpp: 1, seed: 4 });
    const cam = pinhole([0, 0, 2], [0, 0, 0], 0.5, 5);
    // Each pixel within 6% (about 5 standard deviations), their mean within 1%. The
    // diffuse lobe is sampled on a share of the samples only: D converges too.
    let specular = 0;
    let shading = 0;
    for (let i = 0; i < 25; i++) {
      const rn = -cam.ray(i % 5, Math.floor(i / 5))[2];
      for (let c = 0; c < 3; c++) {
        const s = b.specular[i * 3 + c]! / (ks * sky[c]! * rn);
        const d = b.shading[i * 3 + c]! / sky[c]!;
        expect(Math.abs(s - 1)).toBeLessThan(0.06);
        expect(Math.abs(d - 1)).toBeLessThan(0.06);
        specular += s / 75;
        shading += d / 75;
      }
    }
    expect(Math.abs(specular - 1)).toBeLessThan(0.01);
    expect(Math.abs(shading - 1)).toBeLessThan(0.01);
  });

  it('an area light over a plane: shading converges to Le times the view factor', () => {
    const h = 2;
    const half = 0.5;
    const Le = 4;
    const scene = groundScene({ light: { centre: [0, h, 0], half, emission: Le } });
    const b = renderScene(poseScene(scene, 0, S), S, { referenceSpp: 2048, noisySpp: 1, seed: 3 });
    let checked = 0;
    for (const { i, p } of groundPoints(S)) {
      if (Math.abs(p[0]) > 1.5 || Math.abs(p[2]) > 1.5) continue;
      const x0 = -half - p[0];
      const x1 = half - p[0];
      const z0 = -half - p[2];
      const z1 = half - p[2];
      const F =
        cornerFactor(x1, z1, h) -
        cornerFactor(x0, z1, h) -
        cornerFactor(x1, z0, h) +
        cornerFactor(x0, z0, h);
      expect(Math.abs(b.shading[i * 3]! / (Le * F) - 1)).toBeLessThan(0.03);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe('synthetic.scenes: exact optical flow', () => {
  const S = 32;
  const fov = (50 * Math.PI) / 180;
  const eye: Vec3 = [0, 1, 5];
  const centre: Vec3 = [0, 1, 0];
  const radius = 0.8;

  function wallAndSphere(sphereVelocity: Vec3, eyeVelocity: Vec3): SceneDescription {
    return {
      bodies: [
        body('plane', 2, 0, { position: [0, 0, -2], normal: [0, 0, 1] }),
        body('light', 5, 0, { position: [0, 10, 0], half: [0.1, 0, 0.1] }),
        body('sphere', 6, 0, { position: centre, radius, velocity: sphereVelocity }),
      ],
      materials: [MATTE],
      emission: [1, 1, 1],
      pointLight: { position: [0, 3, 3], intensity: [1, 1, 1] },
      sky: [0, 0, 0],
      camera: { eye, target: [0, 1, 0], fov, eyeVelocity, targetVelocity: eyeVelocity },
    };
  }

  it('a sphere translating sideways: u = f dx / z on it, 0 on the wall, occlusions where it arrives', () => {
    const dx = 0.4;
    const { flow, occluded } = exactFlow(wallAndSphere([dx, 0, 0], [0, 0, 0]), S, 0, 1);
    const cam = pinhole(eye, [0, 1, 0], fov, S);
    const moved: V = [centre[0] + dx, centre[1], centre[2]];
    let onSphere = 0;
    let covered = 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const i = y * S + x;
        const d = cam.ray(x, y);
        const t = sphereHit(eye, d, centre, radius);
        if (Number.isFinite(t)) {
          onSphere++;
          const z = t * dot(d, cam.forward);
          expect(flow[i * 2]).toBeCloseTo((cam.f * dx) / z, 4);
          expect(flow[i * 2 + 1]).toBeCloseTo(0, 4);
          // Still visible where the moved point's normal faces the eye.
          const p: V = [eye[0] + t * d[0] + dx, eye[1] + t * d[1], eye[2] + t * d[2]];
          const visible = dot(sub(p, moved), sub(eye, p)) > 0;
          expect(occluded[i], `pixel ${x}, ${y}`).toBe(visible ? 0 : 1);
        } else {
          expect(flow[i * 2]).toBeCloseTo(0, 5);
          expect(flow[i * 2 + 1]).toBeCloseTo(0, 5);
          const hidden = Number.isFinite(sphereHit(eye, d, moved, radius));
          if (hidden) covered++;
          expect(occluded[i], `pixel ${x}, ${y}`).toBe(hidden ? 1 : 0);
        }
      }
    }
    expect(onSphere).toBeGreaterThan(50);
    expect(covered).toBeGreaterThan(3);
  });

  it('a camera translating sideways: the wall moves by -f dx / depth, the flow of time -1 is the opposite', () => {
    const dx = 0.1;
    const scene = wallAndSphere([0, 0, 0], [dx, 0, 0]);
    const forward = exactFlow(scene, S, 0, 1);
    const backward = exactFlow(scene, S, 0, -1);
    const cam = pinhole(eye, [0, 1, 0], fov, S);
    let wall = 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const i = y * S + x;
        if (Number.isFinite(sphereHit(eye, cam.ray(x, y), centre, radius))) continue;
        wall++;
        expect(forward.flow[i * 2]).toBeCloseTo((-cam.f * dx) / 7, 4);
        expect(forward.flow[i * 2 + 1]).toBeCloseTo(0, 4);
        expect(backward.flow[i * 2]).toBeCloseTo((cam.f * dx) / 7, 4);
      }
    }
    expect(wall).toBeGreaterThan(S * S * 0.5);
  });
  it('after a long camera move, points turn away, leave the image or hide behind the sphere', () => {
    // Finer pixels, so that the band of the sphere turning away holds some.
    const W = 96;
    const shift = 1.5;
    const scene = wallAndSphere([0, 0, 0], [0.1, 0, 0]);
    const { flow, occluded } = exactFlow(scene, W, 0, shift / 0.1);
    const cam = pinhole(eye, [0, 1, 0], fov, W);
    const eye1: V = [eye[0] + shift, eye[1], eye[2]];
    const counts = { turned: 0, outside: 0, behind: 0 };
    for (let y = 0; y < W; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const d = cam.ray(x, y);
        const ts = sphereHit(eye, d, centre, radius);
        const onSphere = Number.isFinite(ts);
        const t = onSphere ? ts : (-2 - eye[2]) / d[2];
        const p: V = [eye[0] + t * d[0], eye[1] + t * d[1], eye[2] + t * d[2]];
        const v = sub(p, eye1);
        // The view axis is -z and right +x throughout: the image x of p seen from eye1.
        const x1 = W / 2 + (cam.f * v[0]) / -v[2];
        const outside = x1 < 0 || x1 > W;
        const turned = onSphere && dot(sub(p, centre), sub(eye1, p)) <= 0;
        const behind = !onSphere && sphereHit(eye1, unit(v), centre, radius) < Math.hypot(...v);
        if (outside) counts.outside++;
        else if (turned) counts.turned++;
        else if (behind) counts.behind++;
        expect(occluded[i], `pixel ${x}, ${y}`).toBe(outside || turned || behind ? 1 : 0);
        expect(flow[i * 2]).toBeCloseTo(x1 - (x + 0.5), 3);
      }
    }
    expect(counts.turned).toBeGreaterThan(3);
    expect(counts.outside).toBeGreaterThan(3);
    expect(counts.behind).toBeGreaterThan(3);
  });
});

describe('synthetic.scenes: convergence', () => {
  it("the noisy render's error to the reference falls as 1/sqrt(k), with no bias", async () => {
    const S = 20;
    const reference = await arrays(
      await synthetic
        .scenes({ seed: 11, size: S, count: 1, range: 'unit', referenceSpp: 2048, noisySpp: 1 })
        .get(0),
    );
    const errors: number[] = [];
    for (const k of [1, 4, 16, 64]) {
      const { noisy } = await arrays(
        await synthetic
          .scenes({ seed: 11, size: S, count: 1, range: 'unit', referenceSpp: 1, noisySpp: k })
          .get(0),
      );
      let se = 0;
      let bias = 0;
      for (let i = 0; i < noisy!.length; i++) {
        const d = noisy![i]! - reference.reference![i]!;
        se += d * d;
        bias += d;
      }
      errors.push(Math.sqrt(se / noisy!.length));
      // The mean error over the image has a standard deviation of about RMSE / 35 here.
      expect(Math.abs(bias / noisy!.length)).toBeLessThan(0.15 * errors.at(-1)!);
    }
    // Each fourfold increase of k halves the RMSE (the reference's own noise adds ~1.5% at k = 64).
    for (let j = 1; j < errors.length; j++) {
      expect(errors[j - 1]! / errors[j]!).toBeGreaterThan(1.6);
      expect(errors[j - 1]! / errors[j]!).toBeLessThan(2.5);
    }
  });
});

describeBackends(
  'synthetic.scenes',
  () => {
    it('are deterministic: same seed, same bytes, in any order; another seed differs', async () => {
      const make = (seed: number) =>
        synthetic.scenes({ seed, size: 16, count: 3, referenceSpp: 8 });
      const a = make(5);
      const b = make(5);
      const later = await arrays(await b.get(2));
      const first = await arrays(await b.get(0));
      expect(await arrays(await a.get(0))).toEqual(first);
      expect(await arrays(await a.get(2))).toEqual(later);
      expect(await arrays(await make(6).get(0))).not.toEqual(first);
      const video = (seed: number) =>
        synthetic.sceneVideo({ seed, size: 16, count: 3, referenceSpp: 8 });
      const v = await arrays(await video(2).get(1));
      expect(await arrays(await video(2).get(1))).toEqual(v);
      expect(await arrays(await video(3).get(1))).not.toEqual(v);
    });

    it('give every buffer with its shape, type and range, and leak nothing', async () => {
      const S = 16;
      const before = tf.memory().numTensors;
      const unit = await arrays(
        await synthetic
          .scenes({ seed: 1, size: S, count: 1, range: 'unit', referenceSpp: 8 })
          .get(0),
      );
      const signed = await synthetic.scenes({ seed: 1, size: S, count: 1, referenceSpp: 8 }).get(0);
      for (const k of FIELDS3) expect(signed![k as 'albedo'].shape, k).toEqual([S, S, 3]);
      for (const k of FIELDS1) expect(signed![k as 'depth'].shape, k).toEqual([S, S, 1]);
      expect(signed!.ids.dtype).toBe('int32');
      const s = await arrays(signed);
      // 'signed' maps [0, 1] to [-1, 1]; normals and ids stay as they are.
      for (let i = 0; i < S * S * 3; i++)
        expect(s.albedo![i]).toBeCloseTo(2 * unit.albedo![i]! - 1, 5);
      expect(s.normals).toEqual(unit.normals);
      expect(s.ids).toEqual(unit.ids);
      for (let i = 0; i < S * S; i++) {
        const n = Math.hypot(
          unit.normals![i * 3]!,
          unit.normals![i * 3 + 1]!,
          unit.normals![i * 3 + 2]!,
        );
        const sky = unit.ids![i] === 0;
        expect(n).toBeCloseTo(sky ? 0 : 1, 5);
        if (!sky) expect(unit.normals![i * 3 + 2]).toBeGreaterThanOrEqual(-1e-6); // facing the camera
        expect(unit.depth![i]).toBeGreaterThan(0);
        expect(unit.depth![i]).toBeLessThanOrEqual(1);
        expect([0, 1]).toContain(unit.edges![i]);
        for (let c = 0; c < 3; c++) {
          expect(unit.albedo![i * 3 + c]).toBeGreaterThanOrEqual(0);
          expect(unit.albedo![i * 3 + c]).toBeLessThanOrEqual(1);
          expect(unit.shading![i * 3 + c]).toBeGreaterThanOrEqual(0);
          expect(unit.specular![i * 3 + c]).toBeGreaterThanOrEqual(0);
        }
      }
      // The ground and at least one object are in view, and edges separate them.
      expect(new Set(unit.ids)).toContain(1);
      expect([...unit.ids!].some((id) => id >= 6)).toBe(true);
      expect(unit.edges!.some((e) => e === 0)).toBe(true);
      let batches = 0;
      for await (const batch of synthetic
        .scenes({ seed: 2, size: 8, count: 3, referenceSpp: 2 })
        .batch(2)) {
        expect(batch.reference.shape.slice(1)).toEqual([8, 8, 3]);
        batches++;
      }
      expect(batches).toBe(2);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('reference = albedo x shading + specular per pixel, and every term matters', async () => {
      const S = 24;
      const ds = synthetic.scenes({ seed: 7, size: S, count: 4, range: 'unit', referenceSpp: 16 });
      let glossy = 0;
      for (let s = 0; s < 4; s++) {
        const { reference, albedo, shading, specular } = await arrays(await ds.get(s));
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < S * S * 3; i++) {
          const recomposed = albedo![i]! * shading![i]! + specular![i]!;
          worst = Math.max(worst, Math.abs(reference![i]! - recomposed));
          scale = Math.max(scale, reference![i]!);
        }
        expect(worst).toBeLessThan(1e-6 * Math.max(1, scale));
        // Shading varies (shadows, falloff) and is not the image itself.
        const values = new Set(Array.from(shading!, (v) => Math.round(v * 100)));
        expect(values.size).toBeGreaterThan(10);
        if (specular!.some((v) => v > 0.01)) glossy++;
      }
      expect(glossy).toBeGreaterThan(0);
    });

    it('sceneVideo: flows carry ids from frame to frame; flowBetween agrees with the frames', async () => {
      const S = 24;
      const video = synthetic.sceneVideo({ seed: 1, size: S, count: 2, referenceSpp: 2, speed: 3 });
      const f0 = await arrays(await video.get(0));
      const f1 = await arrays(await video.get(1));
      const between = video.flowBetween(0, 1);
      expect(await arrays(between)).toEqual({ flow: f0.flow, occluded: f0.occluded });
      let moving = 0;
      let agree = 0;
      let checked = 0;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const i = y * S + x;
          const u = f0.flow![i * 2]!;
          const v = f0.flow![i * 2 + 1]!;
          if (Math.hypot(u, v) > 0.3) moving++;
          if (f0.occluded![i] === 1) continue;
          const tx = Math.round(x + u);
          const ty = Math.round(y + v);
          const j = ty * S + tx;
          checked++;
          if (f1.ids![j] === f0.ids![i]) agree++;
          // The backward flow of frame 1 at the target leads back (nearest sample).
          if (f1.occludedBackward![j] === 0 && f0.ids![i]! >= 6) {
            expect(Math.abs(u + f1.flowBackward![j * 2]!)).toBeLessThan(0.5);
            expect(Math.abs(v + f1.flowBackward![j * 2 + 1]!)).toBeLessThan(0.5);
          }
        }
      }
      expect(moving).toBeGreaterThan(S * S * 0.2);
      expect(agree / checked).toBeGreaterThan(0.95);
    });

    it('refuse bad options with ArgumentError', () => {
      expect(() => synthetic.scenes({ referenceSpp: 0 })).toThrow(ArgumentError);
      expect(() => synthetic.scenes({ noisySpp: 2.5 })).toThrow(
        /noisySpp must be an integer in \[1, 65536\], got 2.5/,
      );
      expect(() => synthetic.scenes({ size: 4 })).toThrow(/size must be an integer in \[8, 4096\]/);
      expect(() => synthetic.scenes({ seed: Number.NaN })).toThrow(ArgumentError);
      expect(() => synthetic.sceneVideo({ motion: 'spin' as 'camera' })).toThrow(
        /motion must be one of none, camera, objects, both/,
      );
      expect(() => synthetic.sceneVideo({ speed: -1 })).toThrow(
        /speed must be a finite number >= 0/,
      );
      expect(() => synthetic.sceneVideo({}).flowBetween(0, Number.NaN)).toThrow(ArgumentError);
    });
  },
  { only: ['cpu'] },
);
