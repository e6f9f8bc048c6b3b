import type { Rng, tf } from '@atelier/core';
import type { Dataset } from '../pipeline/dataset.js';
import {
  between,
  imageTensor,
  resolveSynthetic,
  type SyntheticOptions,
  syntheticDataset,
} from './common.js';
import { hash2 } from './noise.js';
import { Canvas, type Rgb } from './raster.js';

export const SHAPE_CLASSES = ['sphere', 'cube', 'cylinder', 'cone'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

export const SHAPE_COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'] as const;
export type ShapeColour = (typeof SHAPE_COLOURS)[number];
export const SHAPE_COLOUR_RGB: Record<ShapeColour, Rgb> = {
  red: [0.85, 0.12, 0.1],
  green: [0.15, 0.7, 0.2],
  blue: [0.12, 0.3, 0.9],
  yellow: [0.92, 0.82, 0.12],
  purple: [0.55, 0.2, 0.75],
  orange: [0.95, 0.5, 0.08],
};

export const SHAPE_RELATIONS = ['above', 'below', 'left of', 'right of'] as const;

export interface ShapesSample {
  /** The shaded scene, [size, size, 3]. */
  image: tf.Tensor3D;
  /** Its edges (silhouettes and face boundaries), black on white, [size, size, 1]. */
  edges: tf.Tensor3D;
  /** Class of the first object named in the caption (index into SHAPE_CLASSES). */
  label: number;
  /** Colour of that object (index into SHAPE_COLOURS). */
  colour: number;
  /** Centre of that object as a fraction of the side (x to the right, y down). */
  x: number;
  y: number;
  /** Its size: the radius it was drawn at, as a fraction of the side. */
  radius: number;
  /** E.g. "a red sphere above a blue cube", or "a green cone". */
  caption: string;
}

interface Light {
  x: number;
  y: number;
  z: number;
}

function lambert(nx: number, ny: number, nz: number, l: Light): number {
  return Math.max(0, nx * l.x + ny * l.y + nz * l.z);
}

/** Ambient + diffuse + a white specular highlight (view along +z). */
function shade(
  base: Rgb,
  nx: number,
  ny: number,
  nz: number,
  l: Light,
  out: [number, number, number],
): void {
  const d = 0.28 + 0.72 * lambert(nx, ny, nz, l);
  // Reflection of the light about the normal, z component: the highlight toward the viewer.
  const rz = 2 * (nx * l.x + ny * l.y + nz * l.z) * nz - l.z;
  const s = rz > 0 ? 0.45 * rz ** 24 : 0;
  out[0] = base[0] * d + s;
  out[1] = base[1] * d + s;
  out[2] = base[2] * d + s;
}

interface Placed {
  kind: number;
  colour: number;
  cx: number;
  cy: number;
  r: number;
}

/** Draws one object; face ids start at `id` (each face its own id, for the edge map). */
function drawObject(c: Canvas, o: Placed, l: Light, id: number): void {
  const base = SHAPE_COLOUR_RGB[SHAPE_COLOURS[o.colour]!];
  const { cx, cy, r } = o;
  switch (SHAPE_CLASSES[o.kind]!) {
    case 'sphere':
      c.ellipse(
        cx,
        cy,
        r,
        r,
        (x, y, out) => {
          const nx = (x - cx) / r;
          const ny = (y - cy) / r;
          const nz = Math.sqrt(Math.max(0, 1 - nx * nx - ny * ny));
          shade(base, nx, ny, nz, l, out);
        },
        id,
      );
      return;
    case 'cube': {
      const a = r * 0.78;
      const dx = a * 0.6;
      const dy = -a * 0.5;
      const x0 = cx - a - dx / 2;
      const y0 = cy - a - dy / 2;
      const x1 = x0 + 2 * a;
      const y1 = y0 + 2 * a;
      const face = (nx: number, ny: number, nz: number): [number, number, number] => {
        const out: [number, number, number] = [0, 0, 0];
        shade(base, nx, ny, nz, l, out);
        return out;
      };
      c.rect(x0, y0, x1, y1, face(0, 0, 1), id);
      c.polygon(
        [
          [x0, y0],
          [x1, y0],
          [x1 + dx, y0 + dy],
          [x0 + dx, y0 + dy],
        ],
        face(0, -0.8, 0.6),
        id + 1,
      );
      c.polygon(
        [
          [x1, y0],
          [x1 + dx, y0 + dy],
          [x1 + dx, y1 + dy],
          [x1, y1],
        ],
        face(0.8, 0, 0.6),
        id + 2,
      );
      return;
    }
    case 'cylinder': {
      const a = r * 0.7;
      const e = a * 0.35;
      const top = cy - r * 0.85;
      const bottom = cy + r * 0.85;
      const body = (x: number, _y: number, out: [number, number, number]) => {
        const nx = Math.max(-1, Math.min(1, (x - cx) / a));
        shade(base, nx, 0, Math.sqrt(1 - nx * nx), l, out);
      };
      c.ellipse(cx, bottom, a, e, body, id);
      c.rect(cx - a, top, cx + a, bottom, body, id);
      const lid: [number, number, number] = [0, 0, 0];
      shade(base, 0, -0.8, 0.6, l, lid);
      c.ellipse(cx, top, a, e, lid, id + 1);
      return;
    }
    case 'cone': {
      const a = r * 0.8;
      const e = a * 0.3;
      const top = cy - r;
      const bottom = cy + r * 0.8;
      const slope = a / (bottom - top);
      const body = (x: number, _y: number, out: [number, number, number]) => {
        const nx = Math.max(-1, Math.min(1, (x - cx) / a));
        const nz = Math.sqrt(1 - nx * nx);
        const k = 1 / Math.sqrt(1 + slope * slope);
        shade(base, nx * k, -slope * k, nz * k, l, out);
      };
      c.ellipse(cx, bottom, a, e, body, id);
      c.polygon(
        [
          [cx, top],
          [cx + a, bottom],
          [cx - a, bottom],
        ],
        body,
        id,
      );
      return;
    }
  }
}

function place(r: Rng, S: number, two: boolean): { objects: Placed[]; relation: number } {
  const first = { kind: r.int(SHAPE_CLASSES.length), colour: r.int(SHAPE_COLOURS.length) };
  if (!two) {
    const radius = S * between(r, 0.16, 0.24);
    return {
      objects: [
        { ...first, cx: S * between(r, 0.38, 0.62), cy: S * between(r, 0.4, 0.6), r: radius },
      ],
      relation: -1,
    };
  }
  let second = { kind: r.int(SHAPE_CLASSES.length), colour: r.int(SHAPE_COLOURS.length) };
  // Two objects differ in colour or kind, so the caption tells them apart.
  if (second.kind === first.kind && second.colour === first.colour) {
    second = {
      ...second,
      colour: (second.colour + 1 + r.int(SHAPE_COLOURS.length - 1)) % SHAPE_COLOURS.length,
    };
  }
  const relation = r.int(SHAPE_RELATIONS.length);
  const radius = S * between(r, 0.11, 0.14);
  const near = S * 0.28;
  const far = S * 0.72;
  const mid = () => S * between(r, 0.42, 0.58);
  const [p, q]: [[number, number], [number, number]] =
    relation === 0
      ? [
          [mid(), near],
          [mid(), far],
        ]
      : relation === 1
        ? [
            [mid(), far],
            [mid(), near],
          ]
        : relation === 2
          ? [
              [near, mid()],
              [far, mid()],
            ]
          : [
              [far, mid()],
              [near, mid()],
            ];
  return {
    objects: [
      { ...first, cx: p[0], cy: p[1], r: radius },
      { ...second, cx: q[0], cy: q[1], r: radius * between(r, 0.9, 1.1) },
    ],
    relation,
  };
}

function named(o: Placed): string {
  const colour = SHAPE_COLOURS[o.colour]!;
  return `${/^[aeiou]/.test(colour) ? 'an' : 'a'} ${colour} ${SHAPE_CLASSES[o.kind]}`;
}

/**
 * Shaded 3D-looking primitives (sphere, cube, cylinder, cone) in six colours, one or
 * two per image, with their edge maps (edges -> photo), a class label and a caption
 * ("a red sphere above a blue cube") for conditional GANs and text-to-image.
 *
 * @example
 * const data = synthetic.shapes({ size: 32, count: 2000, seed: 0 });
 * for await (const batch of data.shuffle(0).batch(16).iterate()) {
 *   // batch.image [16, 32, 32, 3], batch.edges, batch.label, batch.caption, ...
 * }
 */
export function shapes(
  options: SyntheticOptions & { twoObjectChance?: number } = {},
): Dataset<ShapesSample> {
  const o = resolveSynthetic('shapes', options);
  const S = o.size;
  const twoChance = options.twoObjectChance ?? 0.5;
  return syntheticDataset('shapes', o, (r) => {
    const noiseSeed = r.int(1 << 30);
    const horizon = S * between(r, 0.55, 0.7);
    const wall: Rgb = [between(r, 0.75, 0.9), between(r, 0.75, 0.9), between(r, 0.75, 0.9)];
    const floor: Rgb = [wall[0] * 0.8, wall[1] * 0.8, wall[2] * 0.78];
    const c = new Canvas(S, S, { labels: true });
    // Background: wall and floor, label 0 (the edge map ignores the horizon).
    c.rect(
      0,
      0,
      S,
      S,
      (x, y, out) => {
        const base = y < horizon ? wall : floor;
        const f =
          y < horizon ? 1 - 0.15 * (y / horizon) : 0.9 + 0.1 * ((y - horizon) / (S - horizon));
        const grain = 0.98 + 0.04 * hash2(Math.floor(x), Math.floor(y), noiseSeed);
        out[0] = base[0] * f * grain;
        out[1] = base[1] * f * grain;
        out[2] = base[2] * f * grain;
      },
      0,
    );
    const angle = between(r, -2.4, -0.7);
    const lz = 0.65;
    const lxy = Math.sqrt(1 - lz * lz);
    const light: Light = { x: Math.cos(angle) * lxy, y: Math.sin(angle) * lxy, z: lz };
    const { objects, relation } = place(r, S, r.float() < twoChance);
    // Soft contact shadows first, then the objects back to front (lower ones are nearer).
    for (const ob of objects) {
      const sx = ob.cx - light.x * ob.r * 0.4;
      const sy = ob.cy + ob.r * 0.95;
      c.multiply(
        (x, y) => {
          const dx = (x - sx) / (ob.r * 1.1);
          const dy = (y - sy) / (ob.r * 0.3);
          const d = dx * dx + dy * dy;
          return d < 1 ? 0.75 + 0.25 * d : 1;
        },
        { x0: sx - ob.r * 1.2, y0: sy - ob.r * 0.4, x1: sx + ob.r * 1.2, y1: sy + ob.r * 0.4 },
      );
    }
    const order = objects.map((_, i) => i).sort((i, j) => objects[i]!.cy - objects[j]!.cy);
    for (const i of order) drawObject(c, objects[i]!, light, 1 + i * 4);
    c.clamp();

    // Edges: where the face id changes to the right or below (2 px wide from 128 px up).
    const ids = c.labels!;
    const edges = new Float32Array(S * S).fill(1);
    const thick = S >= 128;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const id = ids[y * S + x]!;
        const right = x + 1 < S && ids[y * S + x + 1] !== id;
        const down = y + 1 < S && ids[(y + 1) * S + x] !== id;
        if (right || down) {
          edges[y * S + x] = 0;
          if (thick && x + 1 < S) edges[y * S + x + 1] = 0;
          if (thick && y + 1 < S) edges[(y + 1) * S + x] = 0;
        }
      }
    }
    const first = objects[0]!;
    const second = objects[1];
    const caption = second
      ? `${named(first)} ${SHAPE_RELATIONS[relation]} ${named(second)}`
      : named(first);
    return {
      image: imageTensor(c.data, S, 3, o.range),
      edges: imageTensor(edges, S, 1, o.range),
      label: first.kind,
      colour: first.colour,
      x: first.cx / S,
      y: first.cy / S,
      radius: first.r / S,
      caption,
    };
  });
}
