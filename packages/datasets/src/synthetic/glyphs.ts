import { ArgumentError, describe, type Rng, rng, type tf } from '@atelier/core';
import type { Dataset } from '../pipeline/dataset.js';
import {
  between,
  gaussian,
  imageTensor,
  resolveSynthetic,
  type SyntheticOptions,
  syntheticDataset,
} from './common.js';
import { bezier, segmentCoverage } from './raster.js';

type Point = [number, number];

/** A character class: a few strokes in the unit square, each a polyline of control points. */
function glyphClass(r: Rng): Point[][] {
  const strokes: Point[][] = [];
  const count = 2 + r.int(3);
  const p = (): Point => [between(r, 0.15, 0.85), between(r, 0.15, 0.85)];
  for (let k = 0; k < count; k++) {
    const kind = r.int(3);
    if (kind === 0) strokes.push([p(), p()]);
    else if (kind === 1) strokes.push([p(), p(), p()]);
    else strokes.push([p(), p(), p(), p()]); // a cubic curve's control points
  }
  // Stretch the class to fill the box (keeping its aspect), so no class is a speck.
  const all = strokes.flat();
  const x0 = Math.min(...all.map((q) => q[0]));
  const x1 = Math.max(...all.map((q) => q[0]));
  const y0 = Math.min(...all.map((q) => q[1]));
  const y1 = Math.max(...all.map((q) => q[1]));
  const k = 0.7 / Math.max(x1 - x0, y1 - y0, 1e-6);
  return strokes.map((stroke) =>
    stroke.map(([x, y]): Point => [0.5 + (x - (x0 + x1) / 2) * k, 0.5 + (y - (y0 + y1) / 2) * k]),
  );
}

export interface GlyphsOptions extends SyntheticOptions {
  /** Number of character classes; default count / 5 (about five samples each), at least 1. */
  classes?: number;
}

export interface GlyphSample {
  /** The handwritten-looking character, black on white, [size, size, 1]. */
  image: tf.Tensor3D;
  /** Its class (sample i belongs to class i mod classes). */
  label: number;
}

/**
 * Procedural characters for one-shot learning (an Omniglot analogue): each class is a
 * set of strokes drawn from the seed, each sample redraws them with its own affine
 * distortion, control-point jitter and pen width. Many classes, few samples each.
 */
export function glyphs(options: GlyphsOptions = {}): Dataset<GlyphSample> {
  const o = resolveSynthetic('glyphs', options);
  const classes = options.classes ?? Math.max(1, Math.ceil(o.count / 5));
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ArgumentError(
      `synthetic.glyphs: classes must be a positive integer, got ${describe(classes)}`,
    );
  }
  const S = o.size;
  const root = rng(o.seed);
  const classStrokes = new Map<number, Point[][]>();
  const strokesOf = (c: number) => {
    let s = classStrokes.get(c);
    if (!s) classStrokes.set(c, (s = glyphClass(root.fork(`glyph class ${c}`))));
    return s;
  };
  return syntheticDataset('glyphs', o, (r, index) => {
    const label = index % classes;
    const angle = gaussian(r) * 0.12;
    const scale = between(r, 0.85, 1.08);
    const shear = gaussian(r) * 0.1;
    const tx = gaussian(r) * 0.04;
    const ty = gaussian(r) * 0.04;
    const cos = Math.cos(angle) * scale;
    const sin = Math.sin(angle) * scale;
    const warp = ([x, y]: Point): Point => {
      const u = x - 0.5 + shear * (y - 0.5) + gaussian(r) * 0.02;
      const v = y - 0.5 + gaussian(r) * 0.02;
      return [(cos * u - sin * v + 0.5 + tx) * S, (sin * u + cos * v + 0.5 + ty) * S];
    };
    const width = between(r, 0.045, 0.07) * S;
    const image = new Float32Array(S * S).fill(1);
    for (const stroke of strokesOf(label)) {
      const pts = stroke.map(warp);
      const line = pts.length === 4 ? bezier(pts[0]!, pts[1]!, pts[2]!, pts[3]!, 20) : pts;
      for (let k = 0; k + 1 < line.length; k++) {
        const [ax, ay] = line[k]!;
        const [bx, by] = line[k + 1]!;
        const cover = segmentCoverage(ax, ay, bx, by, width);
        const pad = width / 2 + 1;
        const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - pad));
        const y0 = Math.max(0, Math.floor(Math.min(ay, by) - pad));
        const x1 = Math.min(S, Math.ceil(Math.max(ax, bx) + pad));
        const y1 = Math.min(S, Math.ceil(Math.max(ay, by) + pad));
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const a = cover(x + 0.5, y + 0.5);
            if (a > 0) image[y * S + x] = Math.min(image[y * S + x]!, 1 - a);
          }
        }
      }
    }
    return { image: imageTensor(image, S, 1, o.range), label };
  });
}
