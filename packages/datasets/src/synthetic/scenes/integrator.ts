/**
 * The light transport estimator: direct light from both lights, plus one bounce of
 * indirect light (the bounce reaches the sky, or a surface lit directly by both
 * lights). At the surface a camera ray hits, it estimates two quantities separately:
 *
 * - diffuse shading D = (1/π) ∫ L_in cos θ dω: the diffuse radiance is albedo · D;
 * - specular S = ∫ f_glossy L_in cos θ dω, the glossy lobe's radiance;
 *
 * and the pixel is albedo · D + S. The albedo is fixed per pixel (one surface point
 * per pixel), so the image equals albedo · D + S at any number of samples, exactly up
 * to rounding: the decomposition holds by construction. Each sample draws a point on
 * the area light and one bounce direction, from the diffuse or the glossy lobe.
 *
 * Vectors travel in rays and typed arrays, not as separate numbers: numbers passed to a
 * call the engine does not inline are boxed, and a 64² reference makes millions of calls.
 */

import { blocked, closestHit, Hit, type Primitive, Ray } from './geometry.js';
import { albedoAt, isGlossy, type Material, phongLobe, sampleAround } from './materials.js';
import type { Sampler } from './sampler.js';
import type { PosedScene } from './scene.js';

/** Rays leave a surface this far along its normal, clear of it. */
const OFFSET = 1e-4;

/** Accumulators: D (red, green, blue) then S (red, green, blue). */
export type Radiance = Float64Array;

/** The shading point: position (already offset), facing normal, mirror direction, material. */
class Surface {
  x = 0;
  y = 0;
  z = 0;
  readonly normal = new Float64Array(3);
  readonly mirror = new Float64Array(3);
  material: Material | undefined;
  readonly albedo: [number, number, number] = [0.5, 0.5, 0.5];
}

/**
 * Sets `s` to the hit seen along `ray`: the normal turned to face the ray, the origin
 * lifted off the surface, the mirror direction and the albedo there.
 */
function shadingPoint(scene: PosedScene, hit: Hit, ray: Ray, s: Surface): void {
  const p = scene.prims[hit.index]!;
  const flip = hit.nx * ray.dx + hit.ny * ray.dy + hit.nz * ray.dz > 0 ? -1 : 1;
  const n = s.normal;
  n[0] = hit.nx * flip;
  n[1] = hit.ny * flip;
  n[2] = hit.nz * flip;
  s.x = hit.px + n[0] * OFFSET;
  s.y = hit.py + n[1] * OFFSET;
  s.z = hit.pz + n[2] * OFFSET;
  const dn = 2 * (ray.dx * n[0] + ray.dy * n[1] + ray.dz * n[2]);
  s.mirror[0] = ray.dx - dn * n[0];
  s.mirror[1] = ray.dy - dn * n[1];
  s.mirror[2] = ray.dz - dn * n[2];
  s.material = scene.materials[p.material]!;
  albedoAt(s.material, hit, s.albedo);
}

function luminance(c: readonly number[]): number {
  return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
}

/** Scratch state of one estimator, reused across pixels (no allocation per ray). */
export class Integrator {
  private readonly hit = new Hit();
  private readonly bounce = new Ray();
  private readonly shadow = new Ray();
  private readonly primary = new Surface();
  private readonly secondary = new Surface();
  private readonly acc2: Radiance = new Float64Array(6);

  constructor(private readonly scene: PosedScene) {}

  /**
   * Mean D and S over `samples` samples at the surface `hit` seen along `ray`, into
   * out[0..2] (D) and out[3..5] (S); the pixel's albedo into `albedo`.
   */
  estimate(
    hit: Hit,
    ray: Ray,
    samples: number,
    sampler: Sampler,
    out: Radiance,
    albedo: [number, number, number],
  ): void {
    const { primary: s, bounce } = this;
    shadingPoint(this.scene, hit, ray, s);
    albedo[0] = s.albedo[0];
    albedo[1] = s.albedo[1];
    albedo[2] = s.albedo[2];
    out.fill(0);
    this.pointLight(s, samples, out);
    const m = s.material!;
    // The probability of bouncing off the diffuse lobe, by the lobes' brightness.
    const glossy = isGlossy(m);
    const a = luminance(s.albedo);
    const pd = glossy ? Math.min(0.9, Math.max(0.1, a / (a + luminance(m.specular)))) : 1;
    const n = s.normal;
    for (let k = 0; k < samples; k++) {
      this.areaLight(s, sampler, out);
      if (sampler.next() < pd) {
        // Cosine-weighted: the estimator of D is the incoming radiance itself.
        sampleAround(n, 1, sampler, bounce);
        this.incoming(sampler, 1 / pd, out, 0);
      } else {
        sampleAround(s.mirror, m.exponent, sampler, bounce);
        const cos = n[0]! * bounce.dx + n[1]! * bounce.dy + n[2]! * bounce.dz;
        // Lobe · cos / pdf of the lobe's own sampling: (e + 2) / (e + 1) · cos.
        if (cos > 0)
          this.incoming(sampler, (((m.exponent + 2) / (m.exponent + 1)) * cos) / (1 - pd), out, 3);
      }
    }
    for (let c = 0; c < 6; c++) out[c]! /= samples;
  }

  /**
   * Adds weight · (radiance arriving at the primary point along the bounce ray's
   * direction) into out[at..at+2] (for S, times the lobe's reflectance).
   */
  private incoming(sampler: Sampler, weight: number, out: Radiance, at: number): void {
    const { scene, primary: s, secondary: s2, hit, acc2, bounce } = this;
    const spec = at === 3 ? s.material!.specular : undefined;
    bounce.ox = s.x;
    bounce.oy = s.y;
    bounce.oz = s.z;
    if (!closestHit(scene.prims, bounce, hit)) {
      for (let c = 0; c < 3; c++) out[at + c]! += weight * scene.sky[c]! * (spec ? spec[c]! : 1);
      sampler.next();
      sampler.next();
      return;
    }
    // The area light's own emission is counted by light sampling, not here.
    if (scene.prims[hit.index]!.kind === 'light') {
      sampler.next();
      sampler.next();
      return;
    }
    shadingPoint(scene, hit, bounce, s2);
    acc2.fill(0);
    this.pointLight(s2, 1, acc2);
    this.areaLight(s2, sampler, acc2);
    for (let c = 0; c < 3; c++) {
      const radiance = s2.albedo[c]! * acc2[c]! + acc2[3 + c]!;
      out[at + c]! += weight * radiance * (spec ? spec[c]! : 1);
    }
  }

  /** Adds `weight` times the point light's D and S at `s` (a shadow ray, no randomness). */
  private pointLight(s: Surface, weight: number, acc: Radiance): void {
    const { scene, shadow } = this;
    const position = scene.pointLight.position;
    const lx = position[0] - s.x;
    const ly = position[1] - s.y;
    const lz = position[2] - s.z;
    const r2 = lx * lx + ly * ly + lz * lz;
    const r = Math.sqrt(r2);
    shadow.set(s.x, s.y, s.z, lx / r, ly / r, lz / r);
    const n = s.normal;
    const cos = n[0]! * shadow.dx + n[1]! * shadow.dy + n[2]! * shadow.dz;
    shadow.tMax = r;
    if (cos <= 0 || blocked(scene.occluders, shadow)) return;
    this.addLight(scene.pointLight.intensity, (weight * cos) / r2, s, acc);
  }

  /** Adds a one-sample estimate of the area light's D and S at `s` (two random numbers). */
  private areaLight(s: Surface, sampler: Sampler, acc: Radiance): void {
    const { scene, shadow } = this;
    const light: Primitive = scene.light;
    const lx = light.cx + (2 * sampler.next() - 1) * light.hx - s.x;
    const ly = light.cy - s.y;
    const lz = light.cz + (2 * sampler.next() - 1) * light.hz - s.z;
    const r2 = lx * lx + ly * ly + lz * lz;
    const r = Math.sqrt(r2);
    shadow.set(s.x, s.y, s.z, lx / r, ly / r, lz / r);
    // The light faces down: the cosine at the light is the direction's upward component.
    const cosLight = shadow.dy;
    const n = s.normal;
    const cos = n[0]! * shadow.dx + n[1]! * shadow.dy + n[2]! * shadow.dz;
    if (cos <= 0 || cosLight <= 0) return;
    shadow.tMax = r;
    if (blocked(scene.occluders, shadow)) return;
    const area = 4 * light.hx * light.hz;
    this.addLight(scene.emission, (cos * cosLight * area) / r2, s, acc);
  }

  /**
   * D += radiance · g / π and S += specular · lobe · radiance · g, for g the geometry
   * factor and the light's direction that of the shadow ray.
   */
  private addLight(radiance: readonly number[], g: number, s: Surface, acc: Radiance): void {
    const d = g / Math.PI;
    acc[0]! += radiance[0]! * d;
    acc[1]! += radiance[1]! * d;
    acc[2]! += radiance[2]! * d;
    const m = s.material!;
    if (!isGlossy(m)) return;
    const lobe = g * phongLobe(m.exponent, s.mirror, this.shadow);
    acc[3]! += m.specular[0] * radiance[0]! * lobe;
    acc[4]! += m.specular[1] * radiance[1]! * lobe;
    acc[5]! += m.specular[2] * radiance[2]! * lobe;
  }
}
