/**
 * A scene as the generator draws it (bodies with their motion, materials, lights,
 * camera path) and `poseScene`, which fixes it at one instant for the renderer. Motion
 * is linear in time (t in frames): positions move at constant velocity, boxes turn at a
 * constant rate, the camera's eye and target glide; so where any surface point is at
 * any time is known exactly, and so is the optical flow between any two frames.
 */

import { ArgumentError } from '@atelier/core';
import type { Rgb } from '../raster.js';
import { type Camera, lookAt, type Vec3 } from './camera.js';
import { type Primitive, type PrimitiveKind, primitive } from './geometry.js';
import type { Material } from './materials.js';

/** Object ids written to the id buffer: the sky, the room, the light; objects follow. */
export const SKY_ID = 0;
export const GROUND_ID = 1;
export const LIGHT_ID = 5;
export const FIRST_OBJECT_ID = 6;

export interface Body {
  kind: PrimitiveKind;
  id: number;
  material: number;
  /** Position at t = 0: centre, or a point on a plane. */
  position: Vec3;
  /** Displacement per frame. */
  velocity: Vec3;
  /** Rotation about the vertical axis at t = 0 and per frame (boxes), radians. */
  yaw: number;
  yawRate: number;
  /** Shape: plane normal, sphere radius, box / light half sizes. */
  normal: Vec3;
  radius: number;
  half: Vec3;
}

export interface SceneDescription {
  bodies: Body[];
  materials: Material[];
  /** Radiance the area light emits downwards (the light is one of the bodies). */
  emission: Rgb;
  pointLight: { position: Vec3; intensity: Rgb };
  /** Radiance of rays that leave the room. */
  sky: Rgb;
  camera: { eye: Vec3; target: Vec3; fov: number; eyeVelocity: Vec3; targetVelocity: Vec3 };
}

/** A scene fixed at one instant: what the renderer and the flow read. */
export interface PosedScene {
  prims: Primitive[];
  /** The spheres and boxes: all that can cast a shadow (see `blocked`). */
  occluders: Primitive[];
  /** The area light among prims. */
  light: Primitive;
  camera: Camera;
  materials: Material[];
  emission: Rgb;
  pointLight: { position: Vec3; intensity: Rgb };
  sky: Rgb;
}

function at(p: Vec3, v: Vec3, t: number): Vec3 {
  return [p[0] + v[0] * t, p[1] + v[1] * t, p[2] + v[2] * t];
}

export function poseScene(d: SceneDescription, t: number, size: number): PosedScene {
  const prims = d.bodies.map((b) => {
    const [cx, cy, cz] = at(b.position, b.velocity, t);
    const yaw = b.yaw + b.yawRate * t;
    return primitive(b.kind, b.id, {
      material: b.material,
      cx,
      cy,
      cz,
      nx: b.normal[0],
      ny: b.normal[1],
      nz: b.normal[2],
      radius: b.kind === 'box' ? b.half[0] ** 2 + b.half[1] ** 2 + b.half[2] ** 2 : b.radius,
      hx: b.half[0],
      hy: b.half[1],
      hz: b.half[2],
      cos: Math.cos(yaw),
      sin: Math.sin(yaw),
    });
  });
  const light = prims.find((p) => p.kind === 'light');
  if (!light) throw new ArgumentError('poseScene: expected a scene with an area light, got none');
  const c = d.camera;
  return {
    prims,
    occluders: prims.filter((p) => p.kind === 'sphere' || p.kind === 'box'),
    light,
    camera: lookAt(at(c.eye, c.eyeVelocity, t), at(c.target, c.targetVelocity, t), c.fov, size),
    materials: d.materials,
    emission: d.emission,
    pointLight: d.pointLight,
    sky: d.sky,
  };
}
