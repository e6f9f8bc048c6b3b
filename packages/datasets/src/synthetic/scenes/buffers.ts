/**
 * The per-pixel buffers a render fills, as typed arrays (HWC, row-major), and the edge
 * map derived from the geometric ones.
 */

export interface SceneBuffers {
  size: number;
  /** albedo · shading + specular at the reference sample count, linear radiance. */
  reference: Float32Array;
  /** The same estimator at the noisy sample count, with independent random numbers. */
  noisy: Float32Array;
  /** Diffuse reflectance of the surface seen; 1 for the sky and the light. */
  albedo: Float32Array;
  /** Diffuse shading, irradiance / π (the reference's): diffuse radiance = albedo · shading. */
  shading: Float32Array;
  /** Radiance of the glossy lobe (the reference's). */
  specular: Float32Array;
  /** Unit normals facing the camera, in camera space (x right, y up, z towards the viewer); 0 for the sky. */
  normals: Float32Array;
  /** Depth along the view axis divided by DEPTH_FAR, clipped to 1; 1 for the sky. */
  depth: Float32Array;
  /** Object id per pixel (0 sky, 1 ground, 2-4 walls, 5 the area light, 6+ objects). */
  ids: Int32Array;
  /** 0 on silhouettes and creases (id changes, normals turning by more than ~25°), 1 elsewhere. */
  edges: Float32Array;
}

/** Depths are divided by this (world units; the room is 8 wide and the camera 4-6 in front of it). */
export const DEPTH_FAR = 16;

export function allocateBuffers(size: number): SceneBuffers {
  const n = size * size;
  return {
    size,
    reference: new Float32Array(n * 3),
    noisy: new Float32Array(n * 3),
    albedo: new Float32Array(n * 3),
    shading: new Float32Array(n * 3),
    specular: new Float32Array(n * 3),
    normals: new Float32Array(n * 3),
    depth: new Float32Array(n),
    ids: new Int32Array(n),
    edges: new Float32Array(n),
  };
}

/** Cosine of the crease angle above which neighbouring normals count as one surface. */
const CREASE = Math.cos((25 * Math.PI) / 180);

/**
 * Marks a pixel as an edge when its right or lower neighbour shows another object or a
 * normal turned by more than the crease angle (a box's edge, the floor meeting a wall).
 * The scene's objects are convex and its room planes, so no surface hides part of
 * itself: ids and normals find every depth discontinuity.
 */
export function fillEdges(b: SceneBuffers): void {
  const { size: S, ids, normals, edges } = b;
  edges.fill(1);
  const differs = (i: number, j: number) => {
    if (ids[i] !== ids[j]) return true;
    const dot =
      normals[i * 3]! * normals[j * 3]! +
      normals[i * 3 + 1]! * normals[j * 3 + 1]! +
      normals[i * 3 + 2]! * normals[j * 3 + 2]!;
    return ids[i] !== 0 && dot < CREASE;
  };
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = y * S + x;
      if ((x + 1 < S && differs(i, i + 1)) || (y + 1 < S && differs(i, i + S))) edges[i] = 0;
    }
  }
}
