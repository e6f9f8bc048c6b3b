/**
 * The scene's primitives posed at one instant, and ray intersection. Rays are given as
 * origin and unit direction in separate numbers (no vector objects in the inner loops:
 * a 64² reference traces a few million rays).
 */

export type PrimitiveKind = 'plane' | 'sphere' | 'box' | 'light';

/**
 * One primitive at one instant. Every primitive has every field (one object shape, so
 * the engine keeps the intersection loops monomorphic); each kind reads its own.
 */
export interface Primitive {
  kind: PrimitiveKind;
  /** The kind as a small integer (PLANE, SPHERE, BOX, LIGHT): what the inner loops switch on. */
  shape: number;
  /** Object id written to the id buffer (0 is the sky). */
  id: number;
  /** Index into the scene's materials (unused by the light). */
  material: number;
  /** Centre (sphere, box, light) or a point on the plane. */
  cx: number;
  cy: number;
  cz: number;
  /** Plane normal (unit). */
  nx: number;
  ny: number;
  nz: number;
  /** Sphere radius; for a box, the squared radius of its bounding sphere. */
  radius: number;
  /** Box half sizes along its own axes; the light's half sizes along x and z. */
  hx: number;
  hy: number;
  hz: number;
  /** Box rotation about the vertical axis, as cos and sin of the angle. */
  cos: number;
  sin: number;
}

export const PLANE = 0;
export const SPHERE = 1;
export const BOX = 2;
export const LIGHT = 3;
const SHAPES: Record<PrimitiveKind, number> = {
  plane: PLANE,
  sphere: SPHERE,
  box: BOX,
  light: LIGHT,
};

export function primitive(kind: PrimitiveKind, id: number, fields: Partial<Primitive>): Primitive {
  return {
    kind,
    shape: SHAPES[kind],
    id,
    material: 0,
    cx: 0,
    cy: 0,
    cz: 0,
    nx: 0,
    ny: 1,
    nz: 0,
    radius: 0,
    hx: 0,
    hy: 0,
    hz: 0,
    cos: 1,
    sin: 0,
    ...fields,
  };
}

/** Distances below this are the surface a ray starts on. */
export const T_MIN = 1e-7;

/**
 * A ray: origin and unit direction. The loops pass this one object rather than six
 * numbers: numbers passed to a call the engine does not inline are boxed, an
 * allocation each, and a 64² reference makes some ten million intersection tests.
 */
export class Ray {
  ox = 0;
  oy = 0;
  oz = 0;
  dx = 0;
  dy = 0;
  dz = 0;
  /** Shadow rays: how far the light is. */
  tMax = 0;
  /** Where intersection tests leave their distance (a field: returned numbers get boxed too). */
  t = 0;

  set(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): this {
    this.ox = ox;
    this.oy = oy;
    this.oz = oz;
    this.dx = dx;
    this.dy = dy;
    this.dz = dz;
    return this;
  }
}

/**
 * Sets r.t to the distance along the ray to the nearest intersection beyond T_MIN, or
 * Infinity. One small function per shape, which the engine can inline.
 */
export function intersect(p: Primitive, r: Ray): void {
  const shape = p.shape;
  if (shape === PLANE) intersectPlane(p, r);
  else if (shape === SPHERE) intersectSphere(p, r);
  else if (shape === BOX) intersectBox(p, r);
  else intersectLight(p, r);
}

function intersectPlane(p: Primitive, r: Ray): void {
  const denom = p.nx * r.dx + p.ny * r.dy + p.nz * r.dz;
  const t = (p.nx * (p.cx - r.ox) + p.ny * (p.cy - r.oy) + p.nz * (p.cz - r.oz)) / denom;
  // A ray along the plane gives ±Infinity or NaN, both refused here.
  r.t = t > T_MIN && t < Number.POSITIVE_INFINITY ? t : Number.POSITIVE_INFINITY;
}

function intersectSphere(p: Primitive, r: Ray): void {
  const qx = r.ox - p.cx;
  const qy = r.oy - p.cy;
  const qz = r.oz - p.cz;
  const b = qx * r.dx + qy * r.dy + qz * r.dz;
  const disc = b * b - (qx * qx + qy * qy + qz * qz - p.radius * p.radius);
  r.t = Number.POSITIVE_INFINITY;
  if (disc < 0) return;
  const s = Math.sqrt(disc);
  if (-b - s > T_MIN) r.t = -b - s;
  else if (-b + s > T_MIN) r.t = -b + s;
}

/** The light: a rectangle at height cy, facing down, half sizes hx and hz. */
function intersectLight(p: Primitive, r: Ray): void {
  const t = (p.cy - r.oy) / r.dy;
  const x = r.ox + t * r.dx - p.cx;
  const z = r.oz + t * r.dz - p.cz;
  const inside =
    t > T_MIN && t < Number.POSITIVE_INFINITY && Math.abs(x) <= p.hx && Math.abs(z) <= p.hz;
  r.t = inside ? t : Number.POSITIVE_INFINITY;
}

/** Slab test in the box's own frame (the ray rotated by minus the box's angle). */
function intersectBox(p: Primitive, r: Ray): void {
  r.t = Number.POSITIVE_INFINITY;
  const qx = r.ox - p.cx;
  const qy = r.oy - p.cy;
  const qz = r.oz - p.cz;
  // Cheap rejection first: rays that miss the bounding sphere (radius² in `radius`).
  const b0 = qx * r.dx + qy * r.dy + qz * r.dz;
  const c0 = qx * qx + qy * qy + qz * qz - p.radius;
  if (c0 > 0 && (b0 > 0 || b0 * b0 < c0)) return;
  const lox = p.cos * qx + p.sin * qz;
  const loz = -p.sin * qx + p.cos * qz;
  const ldx = p.cos * r.dx + p.sin * r.dz;
  const ldz = -p.sin * r.dx + p.cos * r.dz;
  // Division by a zero component gives ±Infinity, which the slab test handles.
  let a = (-p.hx - lox) / ldx;
  let b = (p.hx - lox) / ldx;
  let near = Math.min(a, b);
  let far = Math.max(a, b);
  a = (-p.hy - qy) / r.dy;
  b = (p.hy - qy) / r.dy;
  near = Math.max(near, Math.min(a, b));
  far = Math.min(far, Math.max(a, b));
  a = (-p.hz - loz) / ldz;
  b = (p.hz - loz) / ldz;
  near = Math.max(near, Math.min(a, b));
  far = Math.min(far, Math.max(a, b));
  if (!(near <= far)) return;
  if (near > T_MIN) r.t = near;
  else if (far > T_MIN) r.t = far;
}

/** What a ray hit: the primitive, the point, the unit normal and the point in the primitive's own frame. */
export class Hit {
  t = Number.POSITIVE_INFINITY;
  /** Index into the scene's primitives, -1 for none. */
  index = -1;
  px = 0;
  py = 0;
  pz = 0;
  nx = 0;
  ny = 0;
  nz = 0;
  /** The point in the primitive's frame: what moves with it (textures, optical flow). */
  lx = 0;
  ly = 0;
  lz = 0;
}

/** The nearest hit among `prims` (into `hit`); false when the ray escapes. */
export function closestHit(prims: readonly Primitive[], r: Ray, hit: Hit): boolean {
  let best = Number.POSITIVE_INFINITY;
  let index = -1;
  for (let k = 0; k < prims.length; k++) {
    intersect(prims[k]!, r);
    if (r.t < best) {
      best = r.t;
      index = k;
    }
  }
  hit.t = best;
  hit.index = index;
  if (index < 0) return false;
  hit.px = r.ox + best * r.dx;
  hit.py = r.oy + best * r.dy;
  hit.pz = r.oz + best * r.dz;
  surfaceFrame(prims[index]!, hit);
  return true;
}

/**
 * Whether any of `occluders` lies on the ray closer than r.tMax (shadow rays). The
 * renderer passes only the objects: the room is convex and holds both lights, so its
 * planes never block a ray between a light and a point inside it.
 */
export function blocked(occluders: readonly Primitive[], r: Ray): boolean {
  for (let k = 0; k < occluders.length; k++) {
    intersect(occluders[k]!, r);
    if (r.t < r.tMax) return true;
  }
  return false;
}

/** Fills the hit's normal and local point from its world point. */
function surfaceFrame(p: Primitive, hit: Hit): void {
  const qx = hit.px - p.cx;
  const qy = hit.py - p.cy;
  const qz = hit.pz - p.cz;
  switch (p.kind) {
    case 'plane':
    case 'light':
      hit.nx = p.kind === 'plane' ? p.nx : 0;
      hit.ny = p.kind === 'plane' ? p.ny : -1;
      hit.nz = p.kind === 'plane' ? p.nz : 0;
      hit.lx = hit.px;
      hit.ly = hit.py;
      hit.lz = hit.pz;
      return;
    case 'sphere':
      hit.nx = qx / p.radius;
      hit.ny = qy / p.radius;
      hit.nz = qz / p.radius;
      hit.lx = qx;
      hit.ly = qy;
      hit.lz = qz;
      return;
    case 'box': {
      const lx = p.cos * qx + p.sin * qz;
      const lz = -p.sin * qx + p.cos * qz;
      hit.lx = lx;
      hit.ly = qy;
      hit.lz = lz;
      // The face is the axis where the point is proportionally furthest out.
      const ax = Math.abs(lx) / p.hx;
      const ay = Math.abs(qy) / p.hy;
      const az = Math.abs(lz) / p.hz;
      let nlx = 0;
      let nly = 0;
      let nlz = 0;
      if (ax >= ay && ax >= az) nlx = Math.sign(lx);
      else if (ay >= az) nly = Math.sign(qy);
      else nlz = Math.sign(lz);
      hit.nx = p.cos * nlx - p.sin * nlz;
      hit.ny = nly;
      hit.nz = p.sin * nlx + p.cos * nlz;
      return;
    }
  }
}

/** Where a point given in the primitive's frame lies in the world, for this pose. */
export function localToWorld(
  p: Primitive,
  lx: number,
  ly: number,
  lz: number,
  out: [number, number, number],
): void {
  switch (p.kind) {
    case 'plane':
    case 'light':
      out[0] = lx;
      out[1] = ly;
      out[2] = lz;
      return;
    case 'sphere':
      out[0] = p.cx + lx;
      out[1] = p.cy + ly;
      out[2] = p.cz + lz;
      return;
    case 'box':
      out[0] = p.cx + p.cos * lx - p.sin * lz;
      out[1] = p.cy + ly;
      out[2] = p.cz + p.sin * lx + p.cos * lz;
      return;
  }
}
