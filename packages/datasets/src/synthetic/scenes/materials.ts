/**
 * Materials: a diffuse albedo (flat, or a checker / stripes painted in the object's own
 * frame so it moves with the object) plus a glossy lobe, normalised Phong around the
 * mirror direction. The lobe's reflectance `specular` and the albedo sum to at most 1 per
 * channel, so no material reflects more light than it receives.
 */

import type { Rgb } from '../raster.js';
import type { Hit, Ray } from './geometry.js';
import type { Sampler } from './sampler.js';

export interface Pattern {
  /** The second colour. */
  colour: Rgb;
  /** Side of a cell in world units. */
  scale: number;
  /** Which local axes (0 x, 1 y, 2 z) the cells alternate along: two for a checker, one for stripes. */
  axes: readonly number[];
}

export interface Material {
  albedo: Rgb;
  pattern?: Pattern;
  /** Reflectance of the glossy lobe per channel (0 for a purely diffuse material). */
  specular: Rgb;
  /** Phong exponent: larger is sharper. */
  exponent: number;
}

/** The albedo at the hit (its point in the object's frame), into `out`. */
export function albedoAt(m: Material, hit: Hit, out: [number, number, number]): void {
  let c = m.albedo;
  const p = m.pattern;
  if (p) {
    let cell = 0;
    for (let k = 0; k < p.axes.length; k++) {
      const axis = p.axes[k];
      const v = axis === 0 ? hit.lx : axis === 1 ? hit.ly : hit.lz;
      // A quarter-cell phase keeps cell borders off the coordinate planes.
      cell += Math.floor(v / p.scale + 0.25);
    }
    if (cell & 1) c = p.colour;
  }
  out[0] = c[0];
  out[1] = c[1];
  out[2] = c[2];
}

/** Whether the material has a glossy lobe at all. */
export function isGlossy(m: Material): boolean {
  return m.specular[0] > 0 || m.specular[1] > 0 || m.specular[2] > 0;
}

/**
 * The normalised Phong lobe (n + 2) / 2π · max(0, r·l)^n for the mirror direction r and
 * the direction l of `light` (without the reflectance): its cosine-weighted integral
 * over the hemisphere around r is 1.
 */
export function phongLobe(exponent: number, mirror: Float64Array, light: Ray): number {
  const c = mirror[0]! * light.dx + mirror[1]! * light.dy + mirror[2]! * light.dz;
  return c > 0 ? ((exponent + 2) / (2 * Math.PI)) * c ** exponent : 0;
}

/**
 * A direction around the unit `axis` with density (e + 1)/2π · cos^e θ: e = 1 is the
 * cosine-weighted hemisphere (pdf cos θ / π), larger e the Phong lobe. Into the
 * direction of `out`. (Vectors travel in typed arrays and ray objects: numbers passed
 * to a call the engine does not inline are boxed, an allocation each.)
 */
export function sampleAround(axis: Float64Array, e: number, sampler: Sampler, out: Ray): void {
  const u1 = sampler.next();
  const u2 = sampler.next();
  const ax = axis[0]!;
  const ay = axis[1]!;
  const az = axis[2]!;
  const cosT = e === 1 ? Math.sqrt(1 - u1) : (1 - u1) ** (1 / (e + 1));
  const sinT = Math.sqrt(Math.max(0, 1 - cosT * cosT));
  const phi = 2 * Math.PI * u2;
  const x = Math.cos(phi) * sinT;
  const y = Math.sin(phi) * sinT;
  // An orthonormal basis around the axis (Duff et al., "Building an orthonormal basis, revisited").
  const sign = az >= 0 ? 1 : -1;
  const a = -1 / (sign + az);
  const b = ax * ay * a;
  const t1x = 1 + sign * ax * ax * a;
  const t1y = sign * b;
  const t1z = -sign * ax;
  const t2x = b;
  const t2y = sign + ay * ay * a;
  const t2z = -ay;
  out.dx = x * t1x + y * t2x + cosT * ax;
  out.dy = x * t1y + y * t2y + cosT * ay;
  out.dz = x * t1z + y * t2z + cosT * az;
}
