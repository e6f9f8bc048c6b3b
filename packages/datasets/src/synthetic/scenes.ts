import { ArgumentError, describe, rng, tf } from '@atelier/core';
import { Dataset } from '../pipeline/dataset.js';
import {
  imageTensor,
  type ResolvedSynthetic,
  resolveSynthetic,
  type SyntheticOptions,
  sampleRng,
} from './common.js';
import type { SceneBuffers } from './scenes/buffers.js';
import { exactFlow } from './scenes/flow.js';
import { randomScene, SCENE_MOTIONS, type SceneMotion } from './scenes/layout.js';
import { renderScene } from './scenes/render.js';
import { poseScene, type SceneDescription } from './scenes/scene.js';

export { DEPTH_FAR } from './scenes/buffers.js';
export { SCENE_MOTIONS, type SceneMotion } from './scenes/layout.js';

export interface ScenesOptions extends SyntheticOptions {
  /** Samples per pixel of the reference image. Default 64. */
  referenceSpp?: number;
  /** Samples per pixel of the noisy render (k). Default 4. */
  noisySpp?: number;
}

export interface SceneSample {
  /** The converged render, albedo · shading + specular, [size, size, 3] (linear, may exceed 1). */
  reference: tf.Tensor3D;
  /** The same estimator at `noisySpp` samples per pixel, independent noise, [size, size, 3]. */
  noisy: tf.Tensor3D;
  /** Diffuse reflectance (1 on the sky and the light), [size, size, 3]. */
  albedo: tf.Tensor3D;
  /** Diffuse shading, irradiance / π, coloured, [size, size, 3]. */
  shading: tf.Tensor3D;
  /** Glossy reflection, [size, size, 3]. */
  specular: tf.Tensor3D;
  /** Unit normals in camera space (x right, y up, z towards the viewer), in [-1, 1] whatever the range; 0 on the sky. [size, size, 3]. */
  normals: tf.Tensor3D;
  /** Depth along the view axis / DEPTH_FAR, clipped to 1 (the sky), [size, size, 1]. */
  depth: tf.Tensor3D;
  /** Object ids, int32 (0 sky, 1 ground, 2-4 walls, 5 the area light, 6+ objects), [size, size, 1]. */
  ids: tf.Tensor3D;
  /** Silhouettes and creases, black on white, [size, size, 1]. */
  edges: tf.Tensor3D;
}

interface ResolvedScenes extends ResolvedSynthetic {
  referenceSpp: number;
  noisySpp: number;
}

function samplesPerPixel(name: string, what: string, value: unknown, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1 << 16) {
    throw new ArgumentError(
      `synthetic.${name}: ${what} must be an integer in [1, 65536], got ${describe(v)}`,
    );
  }
  return v;
}

function resolveScenes(name: string, options: ScenesOptions): ResolvedScenes {
  const o = resolveSynthetic(name, options, 8);
  return {
    ...o,
    referenceSpp: samplesPerPixel(name, 'referenceSpp', options.referenceSpp, 64),
    noisySpp: samplesPerPixel(name, 'noisySpp', options.noisySpp, 4),
  };
}

/** The sample's tensors: images in the requested range; normals, ids raw. */
function sampleTensors(b: SceneBuffers, o: ResolvedSynthetic): SceneSample {
  const S = b.size;
  return {
    reference: imageTensor(b.reference, S, 3, o.range),
    noisy: imageTensor(b.noisy, S, 3, o.range),
    albedo: imageTensor(b.albedo, S, 3, o.range),
    shading: imageTensor(b.shading, S, 3, o.range),
    specular: imageTensor(b.specular, S, 3, o.range),
    normals: tf.tensor3d(b.normals, [S, S, 3], 'float32'),
    depth: imageTensor(b.depth, S, 1, o.range),
    ids: tf.tensor3d(b.ids, [S, S, 1], 'int32'),
    edges: imageTensor(b.edges, S, 1, o.range),
  };
}

/**
 * Procedural 3D scenes rendered by a small seeded path tracer: a room (ground and
 * walls, some checkered), two to five spheres and boxes with random diffuse and glossy
 * materials, an area light and a point light. Each sample gives the reference render,
 * a noisy render at `noisySpp` samples per pixel and the buffers graphics networks
 * take: albedo, diffuse shading, specular, normals, depth, ids and edges.
 * `reference = albedo · shading + specular` holds per pixel to float rounding with
 * `range: 'unit'` (other ranges map each tensor separately). Same seed, same bytes.
 */
export function scenes(options: ScenesOptions = {}): Dataset<SceneSample> {
  const o = resolveScenes('scenes', options);
  return Dataset.indexed(o.count, (index) => {
    const r = sampleRng(o.seed, 'scenes', index);
    const scene = randomScene(r, 'none', 0);
    const seed = r.uint32();
    return sampleTensors(renderScene(poseScene(scene, 0, o.size), o.size, { ...o, seed }), o);
  });
}

export interface SceneVideoOptions extends ScenesOptions {
  /** What moves: 'camera', 'objects' or 'both' (default). 'none' gives a still shot. */
  motion?: SceneMotion;
  /** Scales every velocity (default 1: objects about 0.3-1 pixel a frame at 64²). */
  speed?: number;
}

export interface SceneFrame extends SceneSample {
  /** The frame's time, its index. */
  time: number;
  /** Forward flow, this frame to the next, (u, v) in pixels as .flo files, [size, size, 2]. */
  flow: tf.Tensor3D;
  /** 1 where this frame's point is hidden or off-screen in the next frame, [size, size, 1]. */
  occluded: tf.Tensor3D;
  /** Backward flow, this frame to the previous one (what warps the previous frame here). */
  flowBackward: tf.Tensor3D;
  /** 1 where this frame's point is hidden or off-screen in the previous frame. */
  occludedBackward: tf.Tensor3D;
}

export interface SceneVideo extends Dataset<SceneFrame> {
  /**
   * The exact flow from frame `from` to frame `to` (any two times, fractional too):
   * [size, size, 2] and its occlusion mask [size, size, 1]. The caller owns both.
   */
  flowBetween(from: number, to: number): { flow: tf.Tensor3D; occluded: tf.Tensor3D };
}

function flowTensors(d: SceneDescription, size: number, from: number, to: number) {
  const f = exactFlow(d, size, from, to);
  return {
    flow: tf.tensor3d(f.flow, [size, size, 2], 'float32'),
    occluded: tf.tensor3d(f.occluded, [size, size, 1], 'float32'),
  };
}

/**
 * One moving scene as a video of `count` frames: each frame has every buffer of
 * `scenes` plus exact forward and backward optical flow with occlusion masks (the
 * motion is analytic, so the flows of the first and last frames are defined too).
 */
export function sceneVideo(options: SceneVideoOptions = {}): SceneVideo {
  const o = resolveScenes('sceneVideo', options);
  const motion = options.motion ?? 'both';
  if (!(SCENE_MOTIONS as readonly unknown[]).includes(motion)) {
    throw new ArgumentError(
      `synthetic.sceneVideo: motion must be one of ${SCENE_MOTIONS.join(', ')}, got ${describe(motion)}`,
    );
  }
  const speed = options.speed ?? 1;
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0) {
    throw new ArgumentError(
      `synthetic.sceneVideo: speed must be a finite number >= 0, got ${describe(speed)}`,
    );
  }
  const scene = randomScene(rng(o.seed).fork('scene video'), motion, speed);
  const S = o.size;
  const dataset = Dataset.indexed(o.count, (index): SceneFrame => {
    const seed = sampleRng(o.seed, 'scene video frame', index).uint32();
    const forward = flowTensors(scene, S, index, index + 1);
    const backward = flowTensors(scene, S, index, index - 1);
    return {
      ...sampleTensors(renderScene(poseScene(scene, index, S), S, { ...o, seed }), o),
      time: index,
      flow: forward.flow,
      occluded: forward.occluded,
      flowBackward: backward.flow,
      occludedBackward: backward.occluded,
    };
  }) as SceneVideo;
  dataset.flowBetween = (from: number, to: number) => {
    for (const [name, v] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new ArgumentError(
          `sceneVideo.flowBetween: ${name} must be a finite time, got ${describe(v)}`,
        );
      }
    }
    return flowTensors(scene, S, from, to);
  };
  return dataset;
}
