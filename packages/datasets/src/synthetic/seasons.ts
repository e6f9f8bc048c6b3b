import { type Rng, rng, type tf } from '@atelier/core';
import type { Dataset } from '../pipeline/dataset.js';
import {
  between,
  imageTensor,
  resolveSynthetic,
  type SyntheticOptions,
  sampleRng,
  syntheticDataset,
} from './common.js';
import { fbm1, hash2, noiseField } from './noise.js';
import { Canvas, type Rgb } from './raster.js';

/** The geometry of one landscape, shared by both seasons. */
interface Scene {
  noiseSeed: number;
  mountain: { seed: number; base: number; amp: number; freq: number };
  hill: { seed: number; base: number; amp: number; freq: number };
  lake?: { cx: number; cy: number; rx: number; ry: number };
  trees: { x: number; y: number; h: number; conifer: boolean }[];
  sun: { x: number; y: number };
}

interface Palette {
  skyTop: Rgb;
  skyLow: Rgb;
  sun: Rgb;
  sunGlow: number;
  mountain: Rgb;
  rock: Rgb;
  hill: Rgb;
  ground: Rgb;
  lake: Rgb;
  conifer: Rgb;
  crown: Rgb;
  trunk: Rgb;
  /** Snow on conifers (0 none) and crowns drawn sparse (bare branches). */
  snowOnTrees: number;
  bare: boolean;
  /** Noise level above which mountains show bare rock. */
  rockAbove: number;
  /** Amplitude of the ground texture; the tint multiplies shaded pixels. */
  texture: number;
  shadowTint: Rgb;
}

const SUMMER: Palette = {
  skyTop: [0.3, 0.55, 0.9],
  skyLow: [0.72, 0.85, 0.98],
  sun: [1, 0.96, 0.7],
  sunGlow: 0.35,
  mountain: [0.42, 0.48, 0.58],
  rock: [0.36, 0.38, 0.42],
  hill: [0.3, 0.55, 0.2],
  ground: [0.42, 0.7, 0.28],
  lake: [0.18, 0.4, 0.72],
  conifer: [0.08, 0.33, 0.14],
  crown: [0.2, 0.5, 0.14],
  trunk: [0.36, 0.23, 0.12],
  snowOnTrees: 0,
  bare: false,
  rockAbove: 0.5,
  texture: 0.22,
  shadowTint: [0.7, 0.75, 0.6],
};

const WINTER: Palette = {
  skyTop: [0.6, 0.66, 0.76],
  skyLow: [0.86, 0.87, 0.9],
  sun: [1, 0.98, 0.92],
  sunGlow: 0.15,
  mountain: [0.93, 0.94, 0.98],
  rock: [0.45, 0.46, 0.5],
  hill: [0.88, 0.9, 0.95],
  ground: [0.95, 0.96, 0.99],
  lake: [0.72, 0.8, 0.87],
  conifer: [0.1, 0.25, 0.17],
  crown: [0.4, 0.34, 0.3],
  trunk: [0.3, 0.22, 0.16],
  snowOnTrees: 0.45,
  bare: true,
  rockAbove: 0.6,
  texture: 0.08,
  shadowTint: [0.75, 0.8, 0.95],
};

function makeScene(r: Rng): Scene {
  const mountain = {
    seed: r.int(1 << 30),
    base: between(r, 0.3, 0.42),
    amp: between(r, 0.12, 0.22),
    freq: between(r, 2, 4),
  };
  const hill = {
    seed: r.int(1 << 30),
    base: between(r, 0.55, 0.64),
    amp: between(r, 0.05, 0.1),
    freq: between(r, 1, 2),
  };
  const lake =
    r.float() < 0.5
      ? {
          cx: between(r, 0.25, 0.75),
          cy: between(r, 0.78, 0.88),
          rx: between(r, 0.15, 0.3),
          ry: between(r, 0.04, 0.08),
        }
      : undefined;
  const trees: Scene['trees'] = [];
  const count = 3 + r.int(10);
  for (let k = 0; k < count; k++) {
    const y = between(r, hill.base + 0.05, 0.98);
    // Nearer (lower) trees are taller.
    trees.push({ x: r.float(), y, h: 0.08 + 0.25 * (y - hill.base), conifer: r.float() < 0.5 });
  }
  trees.sort((a, b) => a.y - b.y);
  return {
    noiseSeed: r.int(1 << 30),
    mountain,
    hill,
    lake,
    trees,
    sun: { x: between(r, 0.1, 0.9), y: between(r, 0.08, 0.25) },
  };
}

function ridge(p: Scene['mountain'], x: number): number {
  return p.base - p.amp * (fbm1(x * p.freq, p.seed) * 2 - 0.5);
}

function render(scene: Scene, p: Palette, S: number): Float32Array {
  const c = new Canvas(S, S);
  const noise = noiseField(S, S, scene.noiseSeed, S / 8, 4);
  const grain = (x: number, y: number) =>
    noise[Math.min(S - 1, Math.floor(y)) * S + Math.min(S - 1, Math.floor(x))]!;
  const sx = scene.sun.x * S;
  const sy = scene.sun.y * S;
  const sunR = S * 0.05;

  c.rect(0, 0, S, S, (x, y, out) => {
    const t = Math.min(1, y / (S * 0.6));
    const d = Math.sqrt((x - sx) * (x - sx) + (y - sy) * (y - sy)) / S;
    const glow = p.sunGlow * Math.exp(-d * 6);
    for (let k = 0; k < 3; k++)
      out[k] = p.skyTop[k]! + (p.skyLow[k]! - p.skyTop[k]!) * t + glow * p.sun[k]!;
  });
  c.ellipse(sx, sy, sunR, sunR, p.sun);

  const mountainTop = new Float32Array(S);
  const hillTop = new Float32Array(S);
  for (let x = 0; x < S; x++) {
    mountainTop[x] = ridge(scene.mountain, x / S) * S;
    hillTop[x] = ridge(scene.hill, x / S) * S;
  }
  // Mountains: rock shows through the snow (winter) or the scree (summer) by noise.
  c.draw(
    { x0: 0, y0: 0, x1: S, y1: S },
    (x, y) => (y >= mountainTop[Math.floor(x)]! ? 1 : 0),
    (x, y, out) => {
      const g = grain(x, y);
      const rocky = g > p.rockAbove ? 1 : 0;
      const depth = (y - mountainTop[Math.floor(x)]!) / S;
      const base = rocky ? p.rock : p.mountain;
      const f = 1 - depth * 0.8 + (g - 0.5) * p.texture;
      for (let k = 0; k < 3; k++) out[k] = base[k]! * f;
    },
  );
  c.draw(
    { x0: 0, y0: 0, x1: S, y1: S },
    (x, y) => (y >= hillTop[Math.floor(x)]! ? 1 : 0),
    (x, y, out) => {
      const depth = (y - hillTop[Math.floor(x)]!) / (S - hillTop[Math.floor(x)]!);
      const base = depth < 0.15 ? p.hill : p.ground;
      const f = 0.85 + 0.25 * depth + (grain(x, y) - 0.5) * p.texture;
      for (let k = 0; k < 3; k++) out[k] = base[k]! * f;
    },
  );
  if (scene.lake) {
    const { cx, cy, rx, ry } = scene.lake;
    c.ellipse(cx * S, cy * S, rx * S, ry * S, (x, y, out) => {
      const ripple = hash2(Math.floor(x / 3), Math.floor(y), scene.noiseSeed + 7) * 0.1;
      for (let k = 0; k < 3; k++) out[k] = p.lake[k]! * (0.95 + ripple);
    });
  }
  for (const t of scene.trees) {
    const x = t.x * S;
    const base = t.y * S;
    const h = t.h * S;
    // Shadow on the ground, then trunk, then crown.
    c.multiply(
      (px, py) => {
        const dx = (px - x - h * 0.3) / (h * 0.45);
        const dy = (py - base) / (h * 0.1);
        return dx * dx + dy * dy < 1 ? 0.8 : 1;
      },
      { x0: x - h, y0: base - h * 0.15, x1: x + h * 1.2, y1: base + h * 0.15 },
    );
    const shade =
      (col: Rgb, snow: number) => (px: number, py: number, out: [number, number, number]) => {
        const lit = px < x ? 1.08 : 0.85;
        const g = hash2(Math.floor(px / 2), Math.floor(py / 2), scene.noiseSeed + 11);
        const white = g < snow && py < base - h * 0.2;
        for (let k = 0; k < 3; k++) out[k] = white ? 0.95 : col[k]! * lit * (0.9 + 0.2 * g);
      };
    c.rect(x - h * 0.05, base - h * 0.35, x + h * 0.05, base, shade(p.trunk, 0));
    if (t.conifer) {
      for (let layer = 0; layer < 3; layer++) {
        const top = base - h * (1 - layer * 0.22);
        const bottom = base - h * (0.3 - layer * 0.05) - layer * h * 0.12;
        const w = h * (0.22 + layer * 0.06);
        c.polygon(
          [
            [x, top],
            [x + w, bottom],
            [x - w, bottom],
          ],
          shade(p.conifer, p.snowOnTrees),
        );
      }
    } else {
      const cyc = base - h * 0.65;
      if (p.bare) {
        // Bare branches: a few thin strokes instead of foliage.
        for (let b = 0; b < 5; b++) {
          const a = -Math.PI / 2 + (b - 2) * 0.35;
          c.stroke(
            [
              [x, base - h * 0.3],
              [x + Math.cos(a) * h * 0.35, cyc + Math.sin(a) * h * 0.3],
            ],
            Math.max(1, h * 0.03),
            p.crown,
          );
        }
      } else {
        c.ellipse(x, cyc, h * 0.28, h * 0.35, shade(p.crown, 0));
      }
    }
  }
  // Lighting: a cooler or warmer cast away from the sun.
  c.multiply((x, y) => {
    const d = Math.sqrt((x - sx) * (x - sx) + (y - sy) * (y - sy)) / S;
    return 1.02 - 0.12 * d;
  });
  return c.clamp().data;
}

export interface SeasonsSample {
  /** Summer: a landscape under a green, blue-sky palette, [size, size, 3]. */
  A: tf.Tensor3D;
  /** Winter: a (different, unless `paired`) landscape under snow, [size, size, 3]. */
  B: tf.Tensor3D;
}

export interface SeasonsDataset extends Dataset<SeasonsSample> {
  /**
   * For evaluation only: `pairing[i]` is the index of the B image that shows A[i]'s
   * landscape. Training sees unpaired data, as CycleGAN's summer <-> winter.
   */
  readonly pairing: Int32Array;
  /** For evaluation only: sample i is A[i] with its true winter counterpart B[pairing[i]]. */
  paired(): Dataset<SeasonsSample>;
}

/**
 * Unpaired two-domain images: procedural landscapes (mountains, hills, a lake, trees,
 * the sun) rendered under a summer and a winter palette and light. A[i] and B[i] show
 * different landscapes; the hidden pairing is exposed for evaluation.
 *
 * @example
 * const data = synthetic.seasons({ size: 64 }); // { A: summer, B: winter }, unpaired
 * const truth = data.paired(); // the hidden pairing, for evaluation
 */
export function seasons(options: SyntheticOptions = {}): SeasonsDataset {
  const o = resolveSynthetic('seasons', options);
  const S = o.size;
  const permutation = rng(o.seed).fork('seasons pairing').permutation(o.count);
  // B[j] shows scene permutation[j]; A[i] shows scene i, so A[i]'s partner is inverse[i].
  const pairing = new Int32Array(o.count);
  permutation.forEach((scene, j) => {
    pairing[scene] = j;
  });
  const scene = (index: number) => makeScene(sampleRng(o.seed, 'seasons scene', index));
  const summer = (index: number) => imageTensor(render(scene(index), SUMMER, S), S, 3, o.range);
  const winter = (index: number) => imageTensor(render(scene(index), WINTER, S), S, 3, o.range);
  const unpaired = syntheticDataset('seasons', o, (_r, i) => ({
    A: summer(i),
    B: winter(permutation[i]!),
  }));
  const paired = () => syntheticDataset('seasons', o, (_r, i) => ({ A: summer(i), B: winter(i) }));
  return Object.assign(unpaired, { pairing, paired });
}
