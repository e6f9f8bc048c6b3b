import type { TransformerNet } from '@atelier/blocks';
import { ArgumentError, tf } from '@atelier/core';
import { runTransformer } from '../feedforward/run-transformer.js';
import type { FrameSequence } from './frame-sequence.js';
import { disposeReferences, warpReferences } from './temporal-references.js';
import type { VideoFrameResult, VideoStep } from './video-run.js';

export interface FeedforwardVideo {
  sequence: FrameSequence;
  model: TransformerNet;
  smoothing: number;
  keep: boolean;
  images: tf.Tensor3D[];
  signal: AbortSignal | undefined;
  onFrame: ((frame: VideoFrameResult) => unknown) | undefined;
  onStep: ((step: VideoStep) => unknown) | undefined;
}

/**
 * A trained TransformerNet frame by frame; with smoothing α each output is blended with
 * the previous output warped into it, y ← (1 − α c) y + α c ω(y_prev).
 */
export async function feedforwardVideo(
  v: FeedforwardVideo,
): Promise<{ frames: number; stopped: boolean }> {
  let previous: tf.Tensor4D | undefined; // [1, H, W, 3] in [0, 255]
  let t = 0;
  try {
    for (; ; t++) {
      const frame = await v.sequence.frame(t);
      if (!frame) break;
      const [H, W] = frame.shape;
      if (previous && (previous.shape[1] !== H || previous.shape[2] !== W)) {
        throw new ArgumentError(
          `stylizeVideo: frame ${t} is ${H}x${W}, not the size of the frames before it`,
        );
      }
      const image = await smoothed(v, t, runTransformer(v.model, frame), previous);
      previous?.dispose();
      previous = tf.expandDims(image, 0) as tf.Tensor4D;
      if (v.onFrame) await v.onFrame({ index: t, image });
      if (v.onStep) {
        await v.onStep({
          pass: 1,
          passes: 1,
          index: t,
          done: t + 1,
          total: undefined,
          resumed: false,
        });
      }
      if (v.keep) v.images.push(image);
      else image.dispose();
      v.sequence.retain(t, t + 1);
      if (v.signal?.aborted) return { frames: t + 1, stopped: true };
    }
    return { frames: t, stopped: false };
  } finally {
    previous?.dispose();
  }
}

async function smoothed(
  v: FeedforwardVideo,
  t: number,
  y: tf.Tensor3D,
  previous: tf.Tensor4D | undefined,
): Promise<tf.Tensor3D> {
  if (!previous || v.smoothing === 0) return y;
  const [H, W] = y.shape;
  const refs = await warpReferences(v.sequence, new Map([[t - 1, previous]]), t, [t - 1], [H, W]);
  try {
    const { warped, mask } = refs[0]!;
    return tf.tidy(() => {
      const am = tf.mul(tf.squeeze(mask, [0]), v.smoothing);
      const w = tf.mul(tf.squeeze(warped, [0]), 255);
      return tf.add(tf.mul(y, tf.sub(1, am)), tf.mul(w, am)) as tf.Tensor3D;
    });
  } finally {
    disposeReferences(refs);
    y.dispose();
  }
}
