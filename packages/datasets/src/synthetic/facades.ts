import { type Rng, tf } from '@atelier/core';
import type { Dataset } from '../pipeline/dataset.js';
import {
  between,
  imageTensor,
  pick,
  resolveSynthetic,
  type SyntheticOptions,
  syntheticDataset,
} from './common.js';
import { hash2, noiseField } from './noise.js';
import { Canvas, type Rgb } from './raster.js';

/** The classes of a facade label map, in label-id order. */
export const FACADE_CLASSES = [
  'sky',
  'wall',
  'window',
  'door',
  'balcony',
  'cornice',
  'roof',
] as const;
export type FacadeClass = (typeof FACADE_CLASSES)[number];

/** The colour each class has in the label image `A` (pix2pix's facades use colour-coded labels too). */
export const FACADE_PALETTE: Record<FacadeClass, Rgb> = {
  sky: [0.1, 0.1, 0.35],
  wall: [0.05, 0.45, 0.95],
  window: [0.95, 0.45, 0.05],
  door: [0.75, 0.1, 0.1],
  balcony: [0.55, 0.85, 0.25],
  cornice: [0.95, 0.9, 0.2],
  roof: [0.5, 0.2, 0.7],
};

const ID = Object.fromEntries(FACADE_CLASSES.map((c, i) => [c, i])) as Record<FacadeClass, number>;

export interface FacadeSample {
  /** The label map in palette colours, [size, size, 3]. */
  A: tf.Tensor3D;
  /** The rendered photo, [size, size, 3]. */
  B: tf.Tensor3D;
  /** Class ids (indices into FACADE_CLASSES), int32 [size, size]. */
  labels: tf.Tensor2D;
}

const WALL_COLOURS: Rgb[] = [
  [0.86, 0.78, 0.62],
  [0.8, 0.62, 0.45],
  [0.85, 0.6, 0.52],
  [0.72, 0.7, 0.66],
  [0.92, 0.88, 0.78],
  [0.66, 0.36, 0.28],
  [0.78, 0.8, 0.72],
];
const FRAME_COLOURS: Rgb[] = [
  [0.93, 0.93, 0.9],
  [0.45, 0.3, 0.2],
  [0.25, 0.27, 0.28],
];
const ROOF_COLOURS: Rgb[] = [
  [0.55, 0.22, 0.16],
  [0.3, 0.3, 0.34],
  [0.42, 0.3, 0.25],
];

function jitter(r: Rng, c: Rgb, amount: number): Rgb {
  return [
    c[0] + between(r, -amount, amount),
    c[1] + between(r, -amount, amount),
    c[2] + between(r, -amount, amount),
  ];
}

interface Opening {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function renderFacade(r: Rng, S: number): Canvas {
  const c = new Canvas(S, S, { labels: true });
  const noiseSeed = r.int(1 << 30);
  const light = between(r, -0.12, 0.12); // left-right light gradient

  // One noise field textures sky (clouds) and wall (plaster): they never overlap.
  const noise = noiseField(S, S, noiseSeed, S / 10, 3);
  const at = (x: number, y: number) => noise[Math.floor(y) * S + Math.floor(x)]!;

  const roofTop = S * between(r, 0.02, 0.12);
  const wallTop = roofTop + S * between(r, 0.05, 0.1);

  // Sky: a vertical gradient with faint clouds.
  const skyTop: Rgb = jitter(r, [0.45, 0.62, 0.88], 0.06);
  const skyLow: Rgb = jitter(r, [0.75, 0.84, 0.95], 0.04);
  c.rect(
    0,
    0,
    S,
    wallTop + 1,
    (x, y, out) => {
      const t = Math.min(1, (y / S) * 3);
      const cloud = at(x, y) * 0.15;
      out[0] = skyTop[0] + (skyLow[0] - skyTop[0]) * t + cloud;
      out[1] = skyTop[1] + (skyLow[1] - skyTop[1]) * t + cloud;
      out[2] = skyTop[2] + (skyLow[2] - skyTop[2]) * t + cloud * 0.6;
    },
    ID.sky,
  );
  const wallColour = jitter(r, pick(r, WALL_COLOURS), 0.04);
  const frame = pick(r, FRAME_COLOURS);
  const roofColour = jitter(r, pick(r, ROOF_COLOURS), 0.03);
  const brick = r.float() < 0.3;

  // Roof: a sloped trapezoid or a flat band, tiled.
  const roofPaint = (x: number, y: number, out: [number, number, number]) => {
    const row = Math.floor((y - roofTop) / Math.max(2, S / 48));
    const tile = 0.85 + 0.15 * hash2(Math.floor(x / Math.max(2, S / 32)) + row * 7, row, noiseSeed);
    out[0] = roofColour[0] * tile;
    out[1] = roofColour[1] * tile;
    out[2] = roofColour[2] * tile;
  };
  if (r.float() < 0.5) {
    const inset = S * between(r, 0.05, 0.2);
    c.polygon(
      [
        [inset, roofTop],
        [S - inset, roofTop],
        [S, wallTop],
        [0, wallTop],
      ],
      roofPaint,
      ID.roof,
    );
  } else {
    c.rect(0, roofTop, S, wallTop, roofPaint, ID.roof);
  }

  // Wall: plaster noise, optional brick courses.
  const course = Math.max(2, S / 40);
  c.rect(
    0,
    wallTop,
    S,
    S,
    (x, y, out) => {
      let f = 0.94 + 0.12 * at(x, y);
      if (brick) {
        const row = Math.floor(y / course);
        const offset = (row % 2) * course;
        if (y - row * course < 1 || (x + offset) % (course * 2.5) < 1) f *= 0.85;
      }
      out[0] = wallColour[0] * f;
      out[1] = wallColour[1] * f;
      out[2] = wallColour[2] * f;
    },
    ID.wall,
  );

  // Floors, top cornice first.
  const corniceHeight = Math.max(1, S * between(r, 0.015, 0.03));
  const cornicePaint = (x: number, y: number, out: [number, number, number]) => {
    const f = 1 - 0.1 * hash2(Math.floor(x), Math.floor(y), noiseSeed + 3);
    out[0] = 0.93 * f;
    out[1] = 0.91 * f;
    out[2] = 0.86 * f;
  };
  c.rect(0, wallTop, S, wallTop + corniceHeight, cornicePaint, ID.cornice);
  const shadows: Opening[] = [
    { x0: 0, y0: wallTop + corniceHeight, x1: S, y1: wallTop + corniceHeight },
  ];

  const floors = 3 + r.int(4);
  const groundHeight = (S - wallTop - corniceHeight) * between(r, 0.22, 0.3);
  const upperHeight = (S - wallTop - corniceHeight - groundHeight) / (floors - 1);
  const columns = 2 + r.int(4);
  const pitch = S / columns;
  const windowWidth = pitch * between(r, 0.35, 0.6);
  const windowHeight = upperHeight * between(r, 0.45, 0.62);
  const floorBands = r.float() < 0.6;
  const balconyChance = r.float() < 0.5 ? between(r, 0.2, 0.6) : 0;
  const glassTop: Rgb = jitter(r, [0.42, 0.5, 0.58], 0.05);
  const glassLow: Rgb = jitter(r, [0.12, 0.15, 0.2], 0.03);
  const frameWidth = Math.max(1, S / 128);

  const windowPaint = (w: Opening) => (x: number, y: number, out: [number, number, number]) => {
    const edge = Math.min(x - w.x0, w.x1 - x, y - w.y0, w.y1 - y);
    // Small windows (low resolutions) are mostly glass: frame and mullions need room.
    const mullions = w.x1 - w.x0 >= 14;
    const midX = mullions && Math.abs(x - (w.x0 + w.x1) / 2) < frameWidth / 2;
    const midY = mullions && Math.abs(y - (w.y0 + w.y0 + (w.y1 - w.y0) * 0.8) / 2) < frameWidth / 2;
    if ((w.x1 - w.x0 >= 8 && edge < frameWidth) || midX || midY) {
      out[0] = frame[0];
      out[1] = frame[1];
      out[2] = frame[2];
      return;
    }
    // Glass: a reflection that brightens toward the top left.
    const t = (y - w.y0) / (w.y1 - w.y0) - 0.3 * ((x - w.x0) / (w.x1 - w.x0));
    const u = Math.min(1, Math.max(0, t));
    out[0] = glassTop[0] + (glassLow[0] - glassTop[0]) * u;
    out[1] = glassTop[1] + (glassLow[1] - glassTop[1]) * u;
    out[2] = glassTop[2] + (glassLow[2] - glassTop[2]) * u;
  };

  for (let f = 0; f < floors; f++) {
    const ground = f === floors - 1;
    const top = wallTop + corniceHeight + f * upperHeight;
    const height = ground ? groundHeight : upperHeight;
    if (floorBands && f > 0) {
      const band = Math.max(1, corniceHeight * 0.6);
      c.rect(0, top, S, top + band, cornicePaint, ID.cornice);
      shadows.push({ x0: 0, y0: top + band, x1: S, y1: top + band });
    }
    const doorColumn = ground ? r.int(columns) : -1;
    const balconies = !ground && r.float() < balconyChance;
    for (let k = 0; k < columns; k++) {
      const cx = (k + 0.5) * pitch;
      if (k === doorColumn) {
        const dw = Math.max(windowWidth, pitch * 0.45);
        const door: Opening = { x0: cx - dw / 2, y0: top + height * 0.22, x1: cx + dw / 2, y1: S };
        const wood: Rgb = jitter(r, [0.38, 0.22, 0.12], 0.04);
        c.rect(
          door.x0,
          door.y0,
          door.x1,
          door.y1,
          (x, y, out) => {
            const panel =
              Math.abs(x - cx) < frameWidth ||
              Math.min(x - door.x0, door.x1 - x) < frameWidth * 1.5;
            const g = 0.9 + 0.1 * hash2(Math.floor(x / 2), Math.floor(y / 8), noiseSeed + 4);
            const f2 = panel ? 0.7 : g;
            out[0] = wood[0] * f2;
            out[1] = wood[1] * f2;
            out[2] = wood[2] * f2;
          },
          ID.door,
        );
        continue;
      }
      const h = ground ? height * 0.55 : windowHeight;
      const w: Opening = {
        x0: cx - windowWidth / 2,
        y0: top + (ground ? height * 0.25 : (height - h) * 0.55),
        x1: cx + windowWidth / 2,
        y1: 0,
      };
      w.y1 = w.y0 + h;
      c.rect(w.x0, w.y0, w.x1, w.y1, windowPaint(w), ID.window);
      if (balconies) {
        const b: Opening = {
          x0: w.x0 - pitch * 0.06,
          y0: w.y1 - h * 0.25,
          x1: w.x1 + pitch * 0.06,
          y1: w.y1 + Math.max(1, S / 64),
        };
        const bars = Math.max(2, S / 40);
        c.rect(
          b.x0,
          b.y0,
          b.x1,
          b.y1,
          (x, y, out) => {
            const slab = y > b.y1 - Math.max(1, S / 96);
            const bar =
              (x - b.x0) % bars < Math.max(1, bars * 0.35) || y - b.y0 < Math.max(1, S / 128);
            const v = slab ? 0.78 : bar ? 0.2 : 0.32;
            out[0] = v;
            out[1] = v;
            out[2] = v * 1.05;
          },
          ID.balcony,
        );
        shadows.push(b);
      }
    }
  }

  // Light: a gentle left-right gradient on everything but the sky, and soft shadows
  // cast down onto the wall by cornices and balconies.
  const labels = c.labels!;
  const shadowDepth = Math.max(2, S / 40);
  c.multiply((x, y) => {
    const id = labels[Math.floor(y) * S + Math.floor(x)]!;
    if (id === ID.sky) return 1;
    let f = 1 + light * (x / S - 0.5) * 2;
    if (id === ID.wall) {
      for (const s of shadows) {
        if (x >= s.x0 && x < s.x1 && y >= s.y1 && y < s.y1 + shadowDepth) {
          f *= 0.75 + 0.25 * ((y - s.y1) / shadowDepth);
        }
      }
    }
    return f * (0.98 + 0.04 * hash2(Math.floor(x), Math.floor(y), noiseSeed + 5));
  });
  return c.clamp();
}

/**
 * Procedural building fronts: `A` the label map in palette colours, `B` a rendered,
 * textured, shaded photo of the same facade, `labels` the class ids. For pix2pix
 * labels -> photo (AtoB) and photo -> labels (BtoA).
 *
 * @example
 * const pairs = synthetic.facades({ size: 64, count: 400 }); // { A: labels, B: photo, labels }
 */
export function facades(options: SyntheticOptions = {}): Dataset<FacadeSample> {
  const o = resolveSynthetic('facades', options);
  const S = o.size;
  return syntheticDataset('facades', o, (r) => {
    const canvas = renderFacade(r, S);
    const labels = canvas.labels!;
    const colours = new Float32Array(S * S * 3);
    const palette = Float32Array.from(FACADE_CLASSES.flatMap((name) => FACADE_PALETTE[name]));
    for (let i = 0; i < S * S; i++) {
      const id = labels[i]! * 3;
      colours[i * 3] = palette[id]!;
      colours[i * 3 + 1] = palette[id + 1]!;
      colours[i * 3 + 2] = palette[id + 2]!;
    }
    return {
      A: imageTensor(colours, S, 3, o.range),
      B: imageTensor(canvas.data, S, 3, o.range),
      labels: tf.tensor2d(Int32Array.from(labels), [S, S], 'int32'),
    };
  });
}
