/**
 * A pinhole camera over a square image of `size` pixels. Pixel (i, j) covers
 * [i, i + 1] x [j, j + 1] with x to the right and y down; its ray passes through the
 * centre (i + 0.5, j + 0.5), so every buffer describes exactly the surface point seen
 * there (no antialiasing: ids, normals, depth and flow are exact per pixel).
 */

export type Vec3 = readonly [number, number, number];

export interface Camera {
  eye: Vec3;
  /** Unit view axis, right and up vectors (world up is +y). */
  forward: Vec3;
  right: Vec3;
  up: Vec3;
  /** Focal length in pixels. */
  focal: number;
  size: number;
}

function normalise(x: number, y: number, z: number): Vec3 {
  const l = Math.hypot(x, y, z);
  return [x / l, y / l, z / l];
}

/** A camera at `eye` looking at `target` with vertical field of view `fov` (radians). */
export function lookAt(eye: Vec3, target: Vec3, fov: number, size: number): Camera {
  const forward = normalise(target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]);
  // right = forward x (0, 1, 0); up = right x forward.
  const right = normalise(-forward[2], 0, forward[0]);
  const up: Vec3 = [
    right[1] * forward[2] - right[2] * forward[1],
    right[2] * forward[0] - right[0] * forward[2],
    right[0] * forward[1] - right[1] * forward[0],
  ];
  return { eye, forward, right, up, focal: size / 2 / Math.tan(fov / 2), size };
}

/** The unit direction of the ray through image point (x, y) (pixel units), into `out`. */
export function rayThrough(c: Camera, x: number, y: number, out: [number, number, number]): void {
  const a = x - c.size / 2;
  const b = c.size / 2 - y;
  const dx = c.focal * c.forward[0] + a * c.right[0] + b * c.up[0];
  const dy = c.focal * c.forward[1] + a * c.right[1] + b * c.up[1];
  const dz = c.focal * c.forward[2] + a * c.right[2] + b * c.up[2];
  const l = Math.hypot(dx, dy, dz);
  out[0] = dx / l;
  out[1] = dy / l;
  out[2] = dz / l;
}

/**
 * Where the world direction (dx, dy, dz) from the eye lands in the image: [x, y, z]
 * with z its component along the view axis (for a point, pass point − eye: z is then
 * its depth). x, y are meaningful only for z > 0.
 */
export function project(
  c: Camera,
  dx: number,
  dy: number,
  dz: number,
  out: [number, number, number],
): void {
  const z = dx * c.forward[0] + dy * c.forward[1] + dz * c.forward[2];
  const a = dx * c.right[0] + dy * c.right[1] + dz * c.right[2];
  const b = dx * c.up[0] + dy * c.up[1] + dz * c.up[2];
  out[0] = c.size / 2 + (c.focal * a) / z;
  out[1] = c.size / 2 - (c.focal * b) / z;
  out[2] = z;
}
