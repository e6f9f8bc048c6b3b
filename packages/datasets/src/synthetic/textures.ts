import { ArgumentError, describe, type Rng, type tf } from '@atelier/core';
import type { Dataset } from '../pipeline/dataset.js';
import {
  between,
  imageTensor,
  resolveSynthetic,
  type SyntheticOptions,
  syntheticDataset,
} from './common.js';
import { hash2, noiseField } from './noise.js';
import { hsv, type Rgb } from './raster.js';

export const TEXTURE_KINDS = ['stripes', 'mosaic', 'noise', 'voronoi'] as const;
export type TextureKind = (typeof TEXTURE_KINDS)[number];

export interface TexturesOptions extends SyntheticOptions {
  /** Which kinds to make; sample i is kinds[i mod kinds.length]. Default all four. */
  kinds?: TextureKind[];
}

export interface TextureSample {
  /** The style image, [size, size, 3]. */
  image: tf.Tensor3D;
  /** Index of its kind in TEXTURE_KINDS. */
  kind: number;
  name: TextureKind;
}

function put(out: Float32Array, i: number, r: number, g: number, b: number): void {
  out[i] = r;
  out[i + 1] = g;
  out[i + 2] = b;
}

/** A few colours around a random hue (analogous or complementary), as painters pick. */
function palette(r: Rng, n: number): Rgb[] {
  const hue = r.float();
  const spread = r.float() < 0.5 ? 0.08 : 0.5;
  return Array.from({ length: n }, (_, k) =>
    hsv(
      (hue + (k % 2 ? spread : 0) + between(r, -0.04, 0.04) + 1) % 1,
      between(r, 0.35, 0.9),
      between(r, 0.3, 0.95),
    ),
  );
}

function stripes(r: Rng, S: number, out: Float32Array): void {
  const colours = palette(r, 2 + r.int(3));
  const angle = r.float() * Math.PI;
  const period = S * between(r, 0.04, 0.2);
  const wobble = r.float() < 0.5 ? between(r, 0.02, 0.08) * S : 0;
  const wobbleFreq = between(r, 1, 4);
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const along = -uy * x + ux * y;
      const t =
        (ux * x + uy * y + wobble * Math.sin((2 * Math.PI * wobbleFreq * along) / S)) / period;
      const band = ((Math.floor(t) % colours.length) + colours.length) % colours.length;
      const c = colours[band]!;
      // Soft edges: a little darker at the band borders.
      const f = 0.85 + 0.15 * Math.sin(Math.PI * (t - Math.floor(t)));
      put(out, (y * S + x) * 3, c[0] * f, c[1] * f, c[2] * f);
    }
  }
}

function mosaic(r: Rng, S: number, out: Float32Array, seed: number): void {
  const colours = palette(r, 3 + r.int(3));
  const tile = Math.max(3, S * between(r, 0.04, 0.12));
  const grout = Math.max(1, tile * between(r, 0.08, 0.18));
  const groutColour: Rgb = hsv(r.float(), 0.1, between(r, 0.15, 0.9));
  const angle = between(r, -0.4, 0.4);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const u = (cos * x + sin * y) / tile;
      const row = Math.floor((-sin * x + cos * y) / tile);
      const v = (-sin * x + cos * y) / tile;
      const shifted = u + (row % 2) * 0.5; // running bond
      const iu = Math.floor(shifted);
      const inGrout = (shifted - iu) * tile < grout || (v - row) * tile < grout;
      let c: Rgb = groutColour;
      let f = 1;
      if (!inGrout) {
        c = colours[Math.floor(hash2(iu, row, seed) * colours.length)]!;
        f = 0.85 + 0.3 * hash2(iu, row, seed + 1);
      }
      put(out, (y * S + x) * 3, c[0] * f, c[1] * f, c[2] * f);
    }
  }
}

function noise(r: Rng, S: number, out: Float32Array, seed: number): void {
  const colours = palette(r, 3);
  const field = noiseField(S, S, seed, S / between(r, 2, 6), 5, between(r, 0.45, 0.65));
  const marble = r.float() < 0.5;
  const freq = between(r, 2, 8);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const n = field[y * S + x]!;
      let t = marble
        ? 0.5 + 0.5 * Math.sin((2 * Math.PI * freq * x) / S + n * 12)
        : (n - 0.2) / 0.6;
      t = Math.min(1, Math.max(0, t));
      // A gradient map through the palette.
      const s = t * (colours.length - 1);
      const k = Math.min(colours.length - 2, Math.floor(s));
      const a = colours[k]!;
      const b = colours[k + 1]!;
      const f = s - k;
      put(
        out,
        (y * S + x) * 3,
        a[0] + (b[0] - a[0]) * f,
        a[1] + (b[1] - a[1]) * f,
        a[2] + (b[2] - a[2]) * f,
      );
    }
  }
}

function voronoi(r: Rng, S: number, out: Float32Array): void {
  const colours = palette(r, 3 + r.int(4));
  const n = 8 + r.int(40);
  const sites = Array.from({ length: n }, () => ({
    x: r.float() * S,
    y: r.float() * S,
    c: colours[r.int(colours.length)]!,
  }));
  const border = between(r, 0.5, 2.5) * (S / 128);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      // Nearest and second-nearest site: the gap between them is the distance to the border.
      let d1 = Number.POSITIVE_INFINITY;
      let d2 = Number.POSITIVE_INFINITY;
      let best = 0;
      for (let k = 0; k < n; k++) {
        const s = sites[k]!;
        // Wrap around, so the texture tiles.
        const dx = Math.min(Math.abs(x - s.x), S - Math.abs(x - s.x));
        const dy = Math.min(Math.abs(y - s.y), S - Math.abs(y - s.y));
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d < d1) {
          d2 = d1;
          d1 = d;
          best = k;
        } else if (d < d2) d2 = d;
      }
      const c = sites[best]!.c;
      const edge = (d2 - d1) / 2 < border ? 0.25 : 1;
      const f = edge * (1.05 - (0.3 * d1) / (S / Math.sqrt(n)));
      put(out, (y * S + x) * 3, c[0] * f, c[1] * f, c[2] * f);
    }
  }
}

/** Procedural style images at any size: stripes, mosaics, noise (marble, clouds) and Voronoi cells. */
export function textures(options: TexturesOptions = {}): Dataset<TextureSample> {
  const o = resolveSynthetic('textures', options);
  const kinds = options.kinds ?? [...TEXTURE_KINDS];
  if (
    !Array.isArray(kinds) ||
    kinds.length === 0 ||
    !kinds.every((k) => TEXTURE_KINDS.includes(k))
  ) {
    throw new ArgumentError(
      `synthetic.textures: kinds must be a non-empty list of ${TEXTURE_KINDS.join(', ')}, got ${describe(kinds)}`,
    );
  }
  const S = o.size;
  return syntheticDataset('textures', o, (r, index) => {
    const name = kinds[index % kinds.length]!;
    const data = new Float32Array(S * S * 3);
    const seed = r.int(1 << 30);
    if (name === 'stripes') stripes(r, S, data);
    else if (name === 'mosaic') mosaic(r, S, data, seed);
    else if (name === 'noise') noise(r, S, data, seed);
    else voronoi(r, S, data);
    for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]!));
    return { image: imageTensor(data, S, 3, o.range), kind: TEXTURE_KINDS.indexOf(name), name };
  });
}
