import { ArgumentError, describe, tf } from '@atelier/core';

/**
 * A synthetic video with exact optical flow, for measuring temporal consistency: a
 * textured background seen by a panning camera and a textured disc that orbits across
 * it while spinning. Textures are closed-form functions of surface coordinates, so
 * each frame is sampled exactly and the flow between any two frames, and which pixels
 * are visible in both, are known analytically (no flow estimation error).
 */
export interface MovingSceneOptions {
  frames: number;
  height: number;
  width: number;
  /** Camera pan in pixels per frame [vx, vy] (default [0.55, 0.2]). */
  pan?: [number, number];
  /** Disc radius as a fraction of the shorter side (0.18). */
  radius?: number;
  /** Disc spin in radians per frame (0.05) and orbit angular speed (0.16). */
  spin?: number;
  orbit?: number;
}

export interface MovingScene {
  frames: number;
  height: number;
  width: number;
  /** Frame t, [H, W, 3] in [0, 255] (a new tensor). */
  frame(t: number): tf.Tensor3D;
  /** The exact flow from frame `from` to frame `to`, [H, W, 2] (u, v in pixels; a new tensor). */
  flow(from: number, to: number): tf.Tensor3D;
  /**
   * 1 where the surface point seen at pixel p of `from` is seen in `to` too (inside the
   * image, not covered by the disc), at least `margin` pixels from the disc's outline in
   * both frames (where a pixel mixes two surfaces); 0 elsewhere. [H, W] row-major.
   */
  visible(from: number, to: number, margin?: number): Float32Array;
  /**
   * 1 where the point seen at p of `from` is visible in `to` (as `visible`) but hidden
   * by the disc in some frame between them: the surfaces that reappear, which only a
   * long-term temporal loss ties to their earlier look.
   */
  reappearing(from: number, to: number, margin?: number): Float32Array;
}

interface Pose {
  cx: number;
  cy: number;
  angle: number;
}

/** Background colour at world point (X, Y), in [0, 1]. */
function background(X: number, Y: number, out: Float32Array, i: number): void {
  const a = Math.sin(0.37 * X + 0.9 * Math.sin(0.23 * Y));
  const b = Math.sin(0.29 * Y - 0.6 * Math.cos(0.17 * X));
  const c = Math.sin(0.11 * (X + Y)) * Math.cos(0.19 * (X - Y));
  out[i] = 0.5 + 0.3 * a + 0.15 * c;
  out[i + 1] = 0.5 + 0.25 * b - 0.15 * a * c;
  out[i + 2] = 0.45 + 0.2 * Math.sin(0.5 * X) * Math.sin(0.5 * Y) + 0.2 * b;
}

/** Disc colour at coordinates (u, v) relative to its centre and spin, in [0, 1]. */
function disc(u: number, v: number, out: Float32Array, i: number): void {
  const r = Math.hypot(u, v);
  const checker = Math.sin(0.8 * u) * Math.sin(0.8 * v);
  out[i] = 0.85 - 0.3 * checker;
  out[i + 1] = 0.3 + 0.25 * Math.cos(0.9 * r) + 0.2 * checker;
  out[i + 2] = 0.2 + 0.15 * Math.sin(1.3 * u);
}

export function movingScene(options: MovingSceneOptions): MovingScene {
  const { frames, height: H, width: W } = options;
  for (const [name, v] of [
    ['frames', frames],
    ['height', H],
    ['width', W],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < (name === 'frames' ? 1 : 8)) {
      throw new ArgumentError(
        `movingScene: ${name} must be an integer >= ${name === 'frames' ? 1 : 8}, got ${describe(v)}`,
      );
    }
  }
  const [vx, vy] = options.pan ?? [0.55, 0.2];
  const side = Math.min(H, W);
  const radius = (options.radius ?? 0.18) * side;
  const spin = options.spin ?? 0.05;
  const orbit = options.orbit ?? 0.16;
  const pose = (t: number): Pose => ({
    cx: (W - 1) / 2 + 0.26 * W * Math.cos(orbit * t),
    cy: (H - 1) / 2 + 0.22 * H * Math.sin(orbit * t),
    angle: spin * t,
  });
  const onDisc = (x: number, y: number, p: Pose) => Math.hypot(x - p.cx, y - p.cy) < radius;
  /** Where the point seen at (x, y) in frame `from` is in frame `to`. */
  const carry = (x: number, y: number, from: number, to: number): [number, number, boolean] => {
    const a = pose(from);
    if (!onDisc(x, y, a)) return [x + vx * (from - to), y + vy * (from - to), false];
    const b = pose(to);
    const turn = b.angle - a.angle;
    const dx = x - a.cx;
    const dy = y - a.cy;
    return [
      b.cx + Math.cos(turn) * dx - Math.sin(turn) * dy,
      b.cy + Math.sin(turn) * dx + Math.cos(turn) * dy,
      true,
    ];
  };
  const check = (t: number, what: string) => {
    if (!Number.isSafeInteger(t) || t < 0 || t >= frames) {
      throw new ArgumentError(
        `movingScene: ${what} must be a frame in [0, ${frames}), got ${describe(t)}`,
      );
    }
  };
  return {
    frames,
    height: H,
    width: W,
    frame(t) {
      check(t, 'frame');
      const p = pose(t);
      const out = new Float32Array(H * W * 3);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = (y * W + x) * 3;
          if (onDisc(x, y, p)) {
            const dx = x - p.cx;
            const dy = y - p.cy;
            const c = Math.cos(-p.angle);
            const s = Math.sin(-p.angle);
            disc(c * dx - s * dy, s * dx + c * dy, out, i);
          } else background(x + vx * t, y + vy * t, out, i);
        }
      }
      for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]!)) * 255;
      return tf.tensor3d(out, [H, W, 3]);
    },
    flow(from, to) {
      check(from, 'from');
      check(to, 'to');
      const out = new Float32Array(H * W * 2);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const [qx, qy] = carry(x, y, from, to);
          out[(y * W + x) * 2] = qx - x;
          out[(y * W + x) * 2 + 1] = qy - y;
        }
      }
      return tf.tensor3d(out, [H, W, 2]);
    },
    visible(from, to, margin = 1.5) {
      check(from, 'from');
      check(to, 'to');
      const a = pose(from);
      const b = pose(to);
      const out = new Float32Array(H * W);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const [qx, qy, moving] = carry(x, y, from, to);
          const inside = qx >= 0 && qx <= W - 1 && qy >= 0 && qy <= H - 1;
          const covered = !moving && onDisc(qx, qy, b);
          const nearA = Math.abs(Math.hypot(x - a.cx, y - a.cy) - radius) < margin;
          const nearB = Math.abs(Math.hypot(qx - b.cx, qy - b.cy) - radius) < margin;
          out[y * W + x] = inside && !covered && !nearA && !nearB ? 1 : 0;
        }
      }
      return out;
    },
    reappearing(from, to, margin = 1.5) {
      const out = this.visible(from, to, margin);
      const step = Math.sign(to - from);
      const hidden = new Float32Array(H * W);
      for (let s = from + step; s !== to; s += step) {
        const b = pose(s);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const [qx, qy, moving] = carry(x, y, from, s);
            if (!moving && Math.hypot(qx - b.cx, qy - b.cy) < radius - margin)
              hidden[y * W + x] = 1;
          }
        }
      }
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * hidden[i]!;
      return out;
    },
  };
}
