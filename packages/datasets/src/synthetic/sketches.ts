import type { Rng, tf } from '@atelier/core';
import type { Dataset } from '../pipeline/dataset.js';
import {
  between,
  gaussian,
  imageTensor,
  resolveSynthetic,
  type SyntheticOptions,
  syntheticDataset,
} from './common.js';
import { noiseField } from './noise.js';
import { bezier, segmentCoverage } from './raster.js';

type Point = [number, number];

/** Random primitives as polylines in pixel coordinates: lines, boxes, ellipses, curves, zigzags, houses. */
function drawing(r: Rng, S: number): Point[][] {
  const lines: Point[][] = [];
  const count = 3 + r.int(5);
  const at = () => between(r, 0.12, 0.88) * S;
  for (let k = 0; k < count; k++) {
    const cx = at();
    const cy = at();
    const w = between(r, 0.08, 0.3) * S;
    const h = between(r, 0.08, 0.3) * S;
    switch (r.int(6)) {
      case 0:
        lines.push([
          [cx - w, cy - h],
          [cx + w, cy + h],
        ]);
        break;
      case 1:
        lines.push([
          [cx - w / 2, cy - h / 2],
          [cx + w / 2, cy - h / 2],
          [cx + w / 2, cy + h / 2],
          [cx - w / 2, cy + h / 2],
          [cx - w / 2, cy - h / 2],
        ]);
        break;
      case 2: {
        const ring: Point[] = [];
        for (let s = 0; s <= 40; s++) {
          const a = (s / 40) * 2 * Math.PI;
          ring.push([cx + (Math.cos(a) * w) / 2, cy + (Math.sin(a) * h) / 2]);
        }
        lines.push(ring);
        break;
      }
      case 3:
        lines.push(
          bezier(
            [cx - w, cy],
            [cx - w / 2, cy - 2 * h],
            [cx + w / 2, cy + 2 * h],
            [cx + w, cy],
            24,
          ),
        );
        break;
      case 4: {
        const zig: Point[] = [];
        const n = 3 + r.int(4);
        for (let s = 0; s <= n; s++)
          zig.push([cx - w + (2 * w * s) / n, cy + (s % 2 ? h : -h) / 2]);
        lines.push(zig);
        break;
      }
      default: {
        const s = Math.min(w, h);
        lines.push([
          [cx - s / 2, cy],
          [cx - s / 2, cy + s],
          [cx + s / 2, cy + s],
          [cx + s / 2, cy],
          [cx - s / 2, cy],
        ]);
        lines.push([
          [cx - s / 2 - s * 0.1, cy],
          [cx, cy - s * 0.7],
          [cx + s / 2 + s * 0.1, cy],
        ]);
      }
    }
  }
  return lines;
}

/**
 * Darkens the buffer by `darkness` times the stroke's coverage. 'min' draws clean ink
 * (overlaps stay black); 'multiply' accumulates, as pencil does over itself.
 */
function ink(
  buffer: Float32Array,
  S: number,
  line: readonly Point[],
  width: number,
  darkness: number,
  mode: 'min' | 'multiply' = 'min',
): void {
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
        if (a <= 0) continue;
        const v = 1 - darkness * a;
        buffer[y * S + x] =
          mode === 'min' ? Math.min(buffer[y * S + x]!, v) : buffer[y * S + x]! * v;
      }
    }
  }
}

/** Pencil: each pass darkens what is there. */
function pencil(
  buffer: Float32Array,
  S: number,
  line: readonly Point[],
  width: number,
  darkness: number,
): void {
  ink(buffer, S, line, width, darkness, 'multiply');
}

/** A hand-drawn pass over a polyline: shifted, wavering, over- or under-shooting its ends. */
function wobble(r: Rng, line: readonly Point[], S: number): Point[] {
  const shift: Point = [gaussian(r) * S * 0.006, gaussian(r) * S * 0.006];
  const amplitude = S * between(r, 0.003, 0.012);
  const frequency = between(r, 1, 3);
  const phase = between(r, 0, 2 * Math.PI);
  const out: Point[] = line.map(([x, y], i) => {
    const t = i / Math.max(1, line.length - 1);
    const w = amplitude * Math.sin(2 * Math.PI * frequency * t + phase);
    return [x + shift[0] + w, y + shift[1] - w];
  });
  // Overshoot (or stop short of) both ends along the first and last segments.
  const extend = (a: Point, b: Point) => {
    const dx = a[0] - b[0];
    const dy = a[1] - b[1];
    const len = Math.sqrt(dx * dx + dy * dy) || 1;
    const e = between(r, -0.02, 0.05) * S;
    a[0] += (dx / len) * e;
    a[1] += (dy / len) * e;
  };
  if (out.length >= 2) {
    extend(out[0]!, out[1]!);
    extend(out[out.length - 1]!, out[out.length - 2]!);
  }
  return out;
}

export interface SketchesSample {
  /** The rough sketch: over-drawn, jittered strokes of varying width on textured paper, [size, size, 1]. */
  A: tf.Tensor3D;
  /** The clean line drawing it roughs up, [size, size, 1]. */
  B: tf.Tensor3D;
}

/** Clean line drawings and rough versions of them, for sketch simplification (rough -> clean). */
export function sketches(options: SyntheticOptions = {}): Dataset<SketchesSample> {
  const o = resolveSynthetic('sketches', options);
  const S = o.size;
  const unit = S / 128;
  return syntheticDataset('sketches', o, (r) => {
    const lines = drawing(r, S);
    const clean = new Float32Array(S * S).fill(1);
    for (const line of lines) ink(clean, S, line, Math.max(1, 2 * unit), 1);

    const rough = new Float32Array(S * S).fill(1);
    for (const line of lines) {
      const passes = 1 + r.int(3);
      for (let p = 0; p < passes; p++) {
        pencil(
          rough,
          S,
          wobble(r, line, S),
          Math.max(0.7, between(r, 0.8, 3) * unit),
          between(r, 0.35, 0.8),
        );
      }
      // Occasional stray hatching next to a stroke.
      if (r.float() < 0.3) {
        const [x, y] = line[r.int(line.length)]!;
        for (let h = 0; h < 3; h++) {
          const d = (h - 1) * 3 * unit;
          pencil(
            rough,
            S,
            [
              [x - 4 * unit + d, y + 4 * unit],
              [x + 4 * unit + d, y - 4 * unit],
            ],
            unit,
            0.3,
          );
        }
      }
    }
    // Paper: faint grain and uneven exposure.
    const paper = noiseField(S, S, r.int(1 << 30), Math.max(2, S / 16), 3);
    for (let i = 0; i < S * S; i++)
      rough[i] = Math.min(1, Math.max(0, rough[i]! * (0.93 + 0.07 * paper[i]!)));
    return { A: imageTensor(rough, S, 1, o.range), B: imageTensor(clean, S, 1, o.range) };
  });
}
