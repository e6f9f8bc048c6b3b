/**
 * Draws a random scene: a room (ground, back wall, two side walls; open above, where
 * the sky shows), an area light under the open top and a point light, two to five
 * spheres and boxes standing on the ground, random materials, and a camera looking
 * down at the objects. With motion, objects slide on the ground (boxes also turn) and
 * the camera glides, at constant rates.
 */

import type { Rng } from '@atelier/core';
import { between } from '../common.js';
import { hsv, type Rgb } from '../raster.js';
import type { Vec3 } from './camera.js';
import type { Material } from './materials.js';
import { type Body, FIRST_OBJECT_ID, GROUND_ID, LIGHT_ID, type SceneDescription } from './scene.js';

export const SCENE_MOTIONS = ['none', 'camera', 'objects', 'both'] as const;
export type SceneMotion = (typeof SCENE_MOTIONS)[number];

/** Half width of the room: walls at x = ±ROOM and z = -ROOM. */
const ROOM = 4;
const ZERO: Vec3 = [0, 0, 0];

/** A body with every field at its rest value but those given. */
export function body(
  kind: Body['kind'],
  id: number,
  material: number,
  fields: Partial<Body>,
): Body {
  return {
    kind,
    id,
    material,
    position: ZERO,
    velocity: ZERO,
    yaw: 0,
    yawRate: 0,
    normal: [0, 1, 0],
    radius: 0,
    half: ZERO,
    ...fields,
  };
}

function scale(c: Rgb, k: number): Rgb {
  return [c[0] * k, c[1] * k, c[2] * k];
}

/** A muted colour for the room. */
function roomColour(r: Rng): Rgb {
  return hsv(r.float(), between(r, 0.05, 0.35), between(r, 0.45, 0.85));
}

function roomMaterial(r: Rng, axes: readonly number[], glossy: boolean): Material {
  const albedo = roomColour(r);
  const ks = glossy ? between(r, 0.04, 0.15) : 0;
  return {
    albedo: scale(albedo, 1 - ks),
    pattern:
      r.float() < 0.6
        ? { colour: scale(roomColour(r), 1 - ks), scale: between(r, 0.4, 1.2), axes }
        : undefined,
    specular: [ks, ks, ks],
    exponent: between(r, 10, 40),
  };
}

/** An object's material: saturated colour; glossy (grey lobe) four times in ten; sometimes striped. */
function objectMaterial(r: Rng): Material {
  const glossy = r.float() < 0.4;
  const ks = glossy ? between(r, 0.1, 0.5) : 0;
  const colour = hsv(r.float(), between(r, 0.3, 0.9), between(r, 0.4, 0.9));
  const patterned = r.float() < 0.25;
  return {
    albedo: scale(colour, 1 - ks),
    pattern: patterned
      ? {
          colour: scale(hsv(r.float(), between(r, 0.2, 0.8), between(r, 0.5, 0.95)), 1 - ks),
          scale: between(r, 0.12, 0.3),
          axes: r.float() < 0.5 ? [1] : [0, 1, 2],
        }
      : undefined,
    specular: [ks, ks, ks],
    // Log-uniform from broad sheen to a tight highlight.
    exponent: Math.exp(between(r, Math.log(8), Math.log(120))),
  };
}

function room(r: Rng, bodies: Body[], materials: Material[]): void {
  const add = (id: number, position: Vec3, normal: Vec3, material: Material) => {
    materials.push(material);
    bodies.push(body('plane', id, materials.length - 1, { position, normal }));
  };
  add(GROUND_ID, ZERO, [0, 1, 0], roomMaterial(r, [0, 2], r.float() < 0.3));
  add(GROUND_ID + 1, [0, 0, -ROOM], [0, 0, 1], roomMaterial(r, [0, 1], false));
  add(GROUND_ID + 2, [-ROOM, 0, 0], [1, 0, 0], roomMaterial(r, [1, 2], false));
  add(GROUND_ID + 3, [ROOM, 0, 0], [-1, 0, 0], roomMaterial(r, [1, 2], false));
}

/** Two to five objects on the ground, not overlapping at t = 0. */
function objects(
  r: Rng,
  motion: SceneMotion,
  speed: number,
  bodies: Body[],
  materials: Material[],
) {
  const placed: { x: number; z: number; reach: number }[] = [];
  const count = 2 + r.int(4);
  const moving = motion === 'objects' || motion === 'both';
  for (let k = 0; k < count; k++) {
    const sphere = r.float() < 0.5;
    const radius = between(r, 0.35, 0.85);
    const half: Vec3 = [between(r, 0.25, 0.7), between(r, 0.25, 0.8), between(r, 0.25, 0.7)];
    const reach = sphere ? radius : Math.hypot(half[0], half[2]);
    let x = 0;
    let z = 0;
    for (let attempt = 0; attempt < 30; attempt++) {
      x = between(r, -2.6, 2.6);
      z = between(r, -3.2, 0.6);
      if (placed.every((p) => Math.hypot(p.x - x, p.z - z) > p.reach + reach + 0.05)) break;
    }
    placed.push({ x, z, reach });
    const heading = r.float() * 2 * Math.PI;
    // Every draw happens with or without motion: a seed gives the same room either way.
    const pace = between(r, 0.03, 0.1) * (moving ? speed : 0);
    materials.push(objectMaterial(r));
    bodies.push(
      body(sphere ? 'sphere' : 'box', FIRST_OBJECT_ID + k, materials.length - 1, {
        position: [x, sphere ? radius : half[1], z],
        velocity: [Math.cos(heading) * pace, 0, Math.sin(heading) * pace],
        yaw: r.float() * Math.PI,
        yawRate: sphere ? 0 : between(r, -0.06, 0.06) * (moving ? speed : 0),
        radius,
        half,
      }),
    );
  }
}

export function randomScene(r: Rng, motion: SceneMotion, speed: number): SceneDescription {
  const bodies: Body[] = [];
  const materials: Material[] = [];
  room(r, bodies, materials);

  // The area light: a rectangle under the open top, facing down. Its emission is set
  // so that the floor below it gets a diffuse shading of about 0.35-0.6.
  const height = between(r, 4.5, 5.5);
  const half: Vec3 = [between(r, 0.6, 1.2), 0, between(r, 0.6, 1.2)];
  const area = 4 * half[0] * half[2];
  const tint = hsv(between(r, 0.05, 0.15), between(r, 0, 0.25), 1);
  const emission = scale(tint, (between(r, 0.35, 0.6) * Math.PI * height * height) / area);
  bodies.push(
    body('light', LIGHT_ID, 0, {
      position: [between(r, -1.5, 1.5), height, between(r, -2.5, 0.5)],
      half,
    }),
  );
  // The point light: a coloured fill from one side, about 0.25 of shading at 3 units.
  const side = r.float() < 0.5 ? -1 : 1;
  const pointLight = {
    position: [side * between(r, 2, 3.5), between(r, 1.5, 3.5), between(r, -2, 2)] as Vec3,
    intensity: scale(hsv(r.float(), between(r, 0, 0.5), 1), between(r, 0.15, 0.35) * Math.PI * 9),
  };
  const sky = scale(hsv(between(r, 0.55, 0.65), between(r, 0.2, 0.5), 1), between(r, 0.1, 0.3));

  objects(r, motion, speed, bodies, materials);

  const moving = motion === 'camera' || motion === 'both';
  const glide = (lo: number, hi: number): Vec3 => {
    const pace = between(r, lo, hi) * (moving ? speed : 0) * (r.float() < 0.5 ? -1 : 1);
    return [pace, between(r, -0.2, 0.2) * Math.abs(pace), between(r, -0.5, 0.5) * Math.abs(pace)];
  };
  const camera = {
    eye: [between(r, -1.5, 1.5), between(r, 1.6, 3), between(r, 3.5, 5.5)] as Vec3,
    target: [between(r, -0.5, 0.5), between(r, 0.3, 0.8), between(r, -1.5, -0.5)] as Vec3,
    fov: (between(r, 45, 60) * Math.PI) / 180,
    eyeVelocity: glide(0.03, 0.08),
    targetVelocity: glide(0, 0.03),
  };
  return { bodies, materials, emission, pointLight, sky, camera };
}
