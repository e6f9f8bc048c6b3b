/**
 * A small rasteriser on typed arrays: the synthetic sets paint every image here and make
 * one tensor per sample at the end. Shapes are coverage tests evaluated per pixel centre
 * over their bounding box; a shape paints an RGB image and, optionally, the same pixels
 * of a label map, so labels and pictures agree by construction.
 */

export type Rgb = readonly [number, number, number];

/** A colour for pixel (x, y) written into `out` (textures, shading), or one flat colour. */
export type Paint = Rgb | ((x: number, y: number, out: [number, number, number]) => void);

/** The fraction of pixel (x, y) (its centre at x + 0.5, y + 0.5) a shape covers, in [0, 1]. */
export type Coverage = (px: number, py: number) => number;

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export class Canvas {
  readonly data: Float32Array;
  /** Per-pixel class ids when the canvas keeps a label map. */
  readonly labels: Uint8Array | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
    options: { labels?: boolean; background?: Rgb } = {},
  ) {
    this.data = new Float32Array(width * height * 3);
    this.labels = options.labels ? new Uint8Array(width * height) : undefined;
    if (options.background) this.fill(options.background);
  }

  fill(color: Rgb, label?: number): void {
    for (let i = 0; i < this.width * this.height; i++) {
      this.data[i * 3] = color[0];
      this.data[i * 3 + 1] = color[1];
      this.data[i * 3 + 2] = color[2];
    }
    if (label !== undefined && this.labels) this.labels.fill(label);
  }

  /** Paints `paint` over the pixels `coverage` touches, blending by coverage; labels where it is at least 1/2. */
  draw(box: Box, coverage: Coverage, paint: Paint, label?: number): void {
    const x0 = Math.max(0, Math.floor(box.x0));
    const y0 = Math.max(0, Math.floor(box.y0));
    const x1 = Math.min(this.width, Math.ceil(box.x1));
    const y1 = Math.min(this.height, Math.ceil(box.y1));
    const color: [number, number, number] = [0, 0, 0];
    const flat = typeof paint === 'function' ? undefined : paint;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const a = coverage(x + 0.5, y + 0.5);
        if (a <= 0) continue;
        const i = y * this.width + x;
        if (flat) {
          color[0] = flat[0];
          color[1] = flat[1];
          color[2] = flat[2];
        } else
          (paint as (x: number, y: number, out: [number, number, number]) => void)(
            x + 0.5,
            y + 0.5,
            color,
          );
        const d = this.data;
        if (a >= 1) {
          d[i * 3] = color[0];
          d[i * 3 + 1] = color[1];
          d[i * 3 + 2] = color[2];
        } else {
          d[i * 3] = d[i * 3]! + (color[0] - d[i * 3]!) * a;
          d[i * 3 + 1] = d[i * 3 + 1]! + (color[1] - d[i * 3 + 1]!) * a;
          d[i * 3 + 2] = d[i * 3 + 2]! + (color[2] - d[i * 3 + 2]!) * a;
        }
        if (label !== undefined && this.labels && a >= 0.5) this.labels[i] = label;
      }
    }
  }

  rect(x0: number, y0: number, x1: number, y1: number, paint: Paint, label?: number): void {
    this.draw({ x0, y0, x1, y1 }, rectCoverage(x0, y0, x1, y1), paint, label);
  }

  polygon(points: readonly (readonly [number, number])[], paint: Paint, label?: number): void {
    this.draw(boundsOf(points), polygonCoverage(points), paint, label);
  }

  ellipse(cx: number, cy: number, rx: number, ry: number, paint: Paint, label?: number): void {
    this.draw(
      { x0: cx - rx - 1, y0: cy - ry - 1, x1: cx + rx + 1, y1: cy + ry + 1 },
      ellipseCoverage(cx, cy, rx, ry),
      paint,
      label,
    );
  }

  /** A stroke of `width` pixels along the polyline, round-capped, anti-aliased. */
  stroke(
    points: readonly (readonly [number, number])[],
    width: number,
    paint: Paint,
    label?: number,
  ): void {
    for (let k = 0; k + 1 < points.length; k++) {
      const [ax, ay] = points[k]!;
      const [bx, by] = points[k + 1]!;
      const r = width / 2 + 1;
      this.draw(
        {
          x0: Math.min(ax, bx) - r,
          y0: Math.min(ay, by) - r,
          x1: Math.max(ax, bx) + r,
          y1: Math.max(ay, by) + r,
        },
        segmentCoverage(ax, ay, bx, by, width),
        paint,
        label,
      );
    }
  }

  /** Multiplies every pixel (of `box`, default all) by `factor(x, y)`: shading, shadows. */
  multiply(factor: (px: number, py: number) => number, box?: Box): void {
    const x0 = Math.max(0, Math.floor(box?.x0 ?? 0));
    const y0 = Math.max(0, Math.floor(box?.y0 ?? 0));
    const x1 = Math.min(this.width, Math.ceil(box?.x1 ?? this.width));
    const y1 = Math.min(this.height, Math.ceil(box?.y1 ?? this.height));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const f = factor(x + 0.5, y + 0.5);
        const i = (y * this.width + x) * 3;
        this.data[i] = this.data[i]! * f;
        this.data[i + 1] = this.data[i + 1]! * f;
        this.data[i + 2] = this.data[i + 2]! * f;
      }
    }
  }

  /** Clips every value into [0, 1]. */
  clamp(): this {
    for (let i = 0; i < this.data.length; i++)
      this.data[i] = Math.min(1, Math.max(0, this.data[i]!));
    return this;
  }
}

export function boundsOf(points: readonly (readonly [number, number])[]): Box {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return { x0, y0, x1, y1 };
}

export function rectCoverage(x0: number, y0: number, x1: number, y1: number): Coverage {
  return (px, py) => (px >= x0 && px < x1 && py >= y0 && py < y1 ? 1 : 0);
}

/** Even-odd rule at the pixel centre. */
export function polygonCoverage(points: readonly (readonly [number, number])[]): Coverage {
  const n = points.length;
  return (px, py) => {
    let inside = false;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [xi, yi] = points[i]!;
      const [xj, yj] = points[j]!;
      if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside ? 1 : 0;
  };
}

/** Anti-aliased over about one pixel at the rim. */
export function ellipseCoverage(cx: number, cy: number, rx: number, ry: number): Coverage {
  const r = Math.min(rx, ry);
  return (px, py) => {
    const dx = (px - cx) / rx;
    const dy = (py - cy) / ry;
    const d = Math.sqrt(dx * dx + dy * dy);
    // Distance to the rim in pixels, approximately.
    return Math.min(1, Math.max(0, (1 - d) * r + 0.5));
  };
}

/** A round-capped segment of `width`, anti-aliased over one pixel. */
export function segmentCoverage(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  width: number,
): Coverage {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const half = width / 2;
  return (px, py) => {
    let t = length2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / length2 : 0;
    t = Math.min(1, Math.max(0, t));
    const ex = px - (ax + t * dx);
    const ey = py - (ay + t * dy);
    return Math.min(1, Math.max(0, half - Math.sqrt(ex * ex + ey * ey) + 0.5));
  };
}

/** Points along a cubic Bezier curve. */
export function bezier(
  p0: readonly [number, number],
  p1: readonly [number, number],
  p2: readonly [number, number],
  p3: readonly [number, number],
  steps = 16,
): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    const u = 1 - t;
    const a = u * u * u;
    const b = 3 * u * u * t;
    const c = 3 * u * t * t;
    const d = t * t * t;
    out.push([
      a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
      a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
    ]);
  }
  return out;
}

/** HSV (all in [0, 1]) to RGB. */
export function hsv(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function scale(c: Rgb, f: number): Rgb {
  return [c[0] * f, c[1] * f, c[2] * f];
}
