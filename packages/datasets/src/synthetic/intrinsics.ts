import type { tf } from '@atelier/core';
import type { Dataset } from '../pipeline/dataset.js';
import {
  between,
  imageTensor,
  pick,
  resolveSynthetic,
  type SyntheticOptions,
  syntheticDataset,
} from './common.js';
import { noiseField } from './noise.js';
import { Canvas, hsv, type Rgb } from './raster.js';

export interface IntrinsicsSample {
  /** The observed image, albedo x shading (exactly, in 'unit' range), [size, size, 3]. */
  image: tf.Tensor3D;
  /** Reflectance: piecewise-constant painted regions, some patterned, [size, size, 3]. */
  albedo: tf.Tensor3D;
  /** Grey shading of a bumpy surface under a directional light, [size, size, 1]. */
  shading: tf.Tensor3D;
}

/**
 * Procedural intrinsic-image scenes: a painted, bumpy surface under one light, with
 * both targets. Albedo is piecewise constant (sharp edges), shading is smooth: the cue
 * intrinsic decomposition relies on. `image = albedo * shading` holds exactly for
 * `range: 'unit'` (other ranges map each tensor separately).
 */
export function intrinsics(options: SyntheticOptions = {}): Dataset<IntrinsicsSample> {
  const o = resolveSynthetic('intrinsics', options);
  const S = o.size;
  return syntheticDataset('intrinsics', o, (r) => {
    // Albedo: a background and overlapping rectangles and discs, some striped.
    const hue = r.float();
    const colour = (): Rgb =>
      hsv((hue + between(r, -0.25, 0.25) + 1) % 1, between(r, 0.2, 0.8), between(r, 0.35, 0.95));
    const c = new Canvas(S, S, { background: colour() });
    const regions = 4 + r.int(8);
    for (let k = 0; k < regions; k++) {
      const a = colour();
      const b = colour();
      const striped = r.float() < 0.25;
      const period = Math.max(2, S * between(r, 0.03, 0.08));
      const paint = striped
        ? (x: number, y: number, out: [number, number, number]) => {
            const on = Math.floor((x + y) / period) % 2 === 0;
            const p = on ? a : b;
            out[0] = p[0];
            out[1] = p[1];
            out[2] = p[2];
          }
        : a;
      const cx = r.float() * S;
      const cy = r.float() * S;
      const w = between(r, 0.1, 0.4) * S;
      const h = between(r, 0.1, 0.4) * S;
      if (pick(r, [true, false])) c.rect(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, paint);
      else c.ellipse(cx, cy, w / 2, h / 2, paint);
    }
    const albedo = c.clamp().data;

    // Shading: a height field of smooth bumps and dents plus low-frequency noise,
    // lit by a directional light with an ambient floor.
    const height = noiseField(S, S, r.int(1 << 30), S / 2, 1);
    for (let i = 0; i < height.length; i++) height[i]! *= 0.4;
    const bumps = 2 + r.int(5);
    for (let k = 0; k < bumps; k++) {
      const bx = r.float() * S;
      const by = r.float() * S;
      const radius = between(r, 0.08, 0.25) * S;
      const amp = between(r, -1, 1) * radius * 0.8;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const d2 = ((x - bx) ** 2 + (y - by) ** 2) / (radius * radius);
          if (d2 < 9) height[y * S + x]! += ((amp * Math.exp(-d2)) / S) * 4;
        }
      }
    }
    const relief = between(r, 0.6, 1.4) * S * 0.22;
    const angle = r.float() * 2 * Math.PI;
    const elevation = between(r, 0.45, 0.85);
    const lx = Math.cos(angle) * Math.cos(elevation);
    const ly = Math.sin(angle) * Math.cos(elevation);
    const lz = Math.sin(elevation);
    const ambient = between(r, 0.1, 0.25);
    const shading = new Float32Array(S * S);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const h = (xx: number, yy: number) =>
          height[Math.min(S - 1, Math.max(0, yy)) * S + Math.min(S - 1, Math.max(0, xx))]!;
        const dx = ((h(x + 1, y) - h(x - 1, y)) / 2) * relief;
        const dy = ((h(x, y + 1) - h(x, y - 1)) / 2) * relief;
        const norm = Math.sqrt(dx * dx + dy * dy + 1);
        const lambert = Math.max(0, (-dx * lx - dy * ly + lz) / norm);
        shading[y * S + x] = ambient + (1 - ambient) * lambert;
      }
    }
    const image = new Float32Array(S * S * 3);
    for (let i = 0; i < S * S; i++) {
      const s = shading[i]!;
      image[i * 3] = albedo[i * 3]! * s;
      image[i * 3 + 1] = albedo[i * 3 + 1]! * s;
      image[i * 3 + 2] = albedo[i * 3 + 2]! * s;
    }
    return {
      image: imageTensor(image, S, 3, o.range),
      albedo: imageTensor(albedo, S, 3, o.range),
      shading: imageTensor(shading, S, 1, o.range),
    };
  });
}
