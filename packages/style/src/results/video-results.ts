import { tf } from '@atelier/core';
import type { FeatureNetwork } from '../features/feature-network.js';
import { stylize } from '../gatys/stylize.js';
import { type StylizeVideoOptions, stylizeVideo } from '../video/stylize-video.js';
import type { MovingScene } from './moving-scene.js';
import { sceneError } from './video-metrics.js';

/** One way of stylising the scene's video, and the iterations it spends per frame. */
export interface VideoMethod {
  name: string;
  /** Options of stylizeVideo; `independent` stylises each frame alone, `input` keeps the frames. */
  options?: Partial<StylizeVideoOptions>;
  kind?: 'video' | 'independent' | 'input';
  iterations: number;
}

export interface VideoMeasurement {
  method: string;
  /** Mean warped squared difference of consecutive frames, non-occluded pixels, [0, 1] units. */
  temporalError: number;
  /** The same between frames t and t − gap. */
  longRangeError: number;
  /** The long-range error on the pixels hidden in between (reappearing surfaces). */
  reappearingError: number;
  /** Optimiser iterations per frame, all passes. */
  iterationsPerFrame: number;
  seconds: number;
}

export interface VideoBench {
  scene: MovingScene;
  style: tf.Tensor3D;
  network: FeatureNetwork;
  /** Frame offset of the long-range error. */
  gap: number;
  seed: number;
}

/** The scene's frames and exact flows as stylizeVideo takes them. */
export function sceneFrames(scene: MovingScene): {
  frames: tf.Tensor3D[];
  flow: (from: { index: number }, to: { index: number }) => tf.Tensor3D;
} {
  const frames = Array.from({ length: scene.frames }, (_, t) => scene.frame(t));
  return { frames, flow: (from, to) => scene.flow(from.index, to.index) };
}

async function stylizeFrames(bench: VideoBench, method: VideoMethod): Promise<tf.Tensor3D[]> {
  const { frames, flow } = sceneFrames(bench.scene);
  try {
    if (method.kind === 'input') return frames.map((f) => tf.clone(f));
    if (method.kind === 'independent') {
      const out: tf.Tensor3D[] = [];
      for (const content of frames) {
        const r = await stylize({
          content,
          styles: [{ image: bench.style }],
          network: bench.network,
          iterations: method.iterations,
          seed: bench.seed,
        });
        out.push(tf.tidy(() => tf.round(r.image)));
        r.image.dispose();
      }
      return out;
    }
    const r = await stylizeVideo(frames, {
      styles: [{ image: bench.style }],
      network: bench.network,
      flow,
      seed: bench.seed,
      ...method.options,
    });
    return r.images;
  } finally {
    tf.dispose(frames);
  }
}

/** Stylises the scene with `method` and measures its temporal and long-range errors. */
export async function measureVideo(
  bench: VideoBench,
  method: VideoMethod,
): Promise<VideoMeasurement> {
  const start = performance.now();
  const images = await stylizeFrames(bench, method);
  const seconds = (performance.now() - start) / 1000;
  try {
    return {
      method: method.name,
      temporalError: await sceneError(images, bench.scene, 1),
      longRangeError: await sceneError(images, bench.scene, bench.gap),
      reappearingError: await sceneError(images, bench.scene, bench.gap, 'reappearing'),
      iterationsPerFrame: method.iterations,
      seconds,
    };
  } finally {
    tf.dispose(images);
  }
}
