import { TransformerNet } from '@atelier/blocks';
import { ArgumentError, describe, tf } from '@atelier/core';
import { type Dataset, videoFrames } from '@atelier/datasets';
import { isFeatureNetwork } from '../features/feature-network.js';
import { randomNetwork } from '../features/random-network.js';
import { runTransformer } from '../feedforward/run-transformer.js';
import type { LossValues } from '../gatys/evaluate.js';
import { type StylizeOptions, type StylizeProgress, stylize } from '../gatys/stylize.js';
import { fitSize, resizeImage, resizeMask } from '../image/resize.js';
import { finiteNumber, integerArg, optionsArg, seedArg } from '../validate.js';
import { checkFlow, resizeFlow, warpPrevious } from './flow.js';

/** One frame: RGB [H, W, 3] in [0, 255], with the optical flows to and from the previous frame. */
export interface VideoFrameInput {
  frame: tf.Tensor3D;
  /** Flow from this frame to the previous one [H, W, 2] (u, v in pixels): it warps the previous output here. */
  flowBackward?: tf.Tensor3D;
  /** Flow from the previous frame to this one; with flowBackward it gives the occlusion mask. */
  flowForward?: tf.Tensor3D;
}

/**
 * Frames as a folder of numbered images (Node; with `flowDir`, the .flo files
 * artistic-videos names backward_{t}_{t-1}.flo and forward_{t-1}_{t}.flo, read by
 * @atelier/datasets' videoFrames), a Dataset of videoFrames' elements, or an (async)
 * iterable of frames or tensors [H, W, 3]. Frames are consumed in order, one at a time;
 * those read from a folder or a dataset are disposed after use, the caller's are not.
 */
export type VideoSource =
  | string
  | Dataset<VideoFrameInput>
  | Iterable<VideoFrameInput | tf.Tensor3D>
  | AsyncIterable<VideoFrameInput | tf.Tensor3D>;

export interface VideoFrameResult {
  index: number;
  /** The stylised frame [h, w, 3] in [0, 255]; disposed after onFrame returns unless `keep`. */
  image: tf.Tensor3D;
  /** The loss terms (optimisation only). */
  losses?: LossValues;
}

export interface StylizeVideoOptions
  extends Omit<StylizeOptions, 'content' | 'init' | 'initImage' | 'onProgress' | 'imageEvery'> {
  /**
   * 'optimize' (Ruder et al.: per-frame optimisation from the previous output warped by
   * the flow, with the temporal loss; default without a model) or 'feedforward' (a
   * trained TransformerNet frame by frame; default with `model`).
   */
  method?: 'optimize' | 'feedforward';
  /** Feed-forward: the trained network. */
  model?: TransformerNet;
  /** Flow folder for a frames folder (see VideoSource). */
  flowDir?: string;
  /**
   * Weight of the temporal loss mean(c · (x - ω(x_prev))²) on [0, 1] pixels; default the
   * preset's (Ruder et al.'s 1e3 on Caffe pixels rescaled for VGG; 1e6 for the embedded
   * network, which keeps a static scene still). 0 keeps only the warped initialisation.
   */
  temporalWeight?: number;
  /** Iterations of the first frame (artistic-videos spends more on it); default `iterations`. */
  firstIterations?: number;
  /**
   * Feed-forward only: blend each output with the previous output warped by the flow,
   * y ← (1 - α c) y + α c ω(y_prev), c the occlusion mask; α in [0, 1), default 0 (off).
   */
  smoothing?: number;
  /** Called with each stylised frame, in order (write it out here). */
  onFrame?: (frame: VideoFrameResult) => unknown;
  /** Keep the images (returned in `images`); default true without onFrame, false with it. */
  keep?: boolean;
  /** Progress within a frame's optimisation. */
  onProgress?: (progress: StylizeProgress & { frame: number }) => unknown;
}

export interface StylizeVideoResult {
  frames: number;
  /** The stylised frames when kept. */
  images: tf.Tensor3D[];
  stopped: boolean;
}

const FN = 'stylizeVideo';

function isFrameInput(x: unknown): x is VideoFrameInput {
  return x !== null && typeof x === 'object' && (x as VideoFrameInput).frame instanceof tf.Tensor;
}

async function* framesOf(
  source: VideoSource,
  flowDir: string | undefined,
): AsyncGenerator<{ item: VideoFrameInput; owned: boolean }> {
  if (typeof source === 'string') {
    const ds = await videoFrames({ dir: source, range: 'byte', ...(flowDir ? { flowDir } : {}) });
    for await (const f of ds) yield { item: f, owned: true };
    return;
  }
  const isDataset = source !== null && typeof source === 'object' && 'randomAccess' in source;
  if (
    source === null ||
    typeof source !== 'object' ||
    (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source))
  ) {
    throw new ArgumentError(
      `${FN}: frames must be a folder path, a Dataset of frames, or an iterable of { frame, flowBackward?, flowForward? } or tensors, got ${describe(source)}`,
    );
  }
  for await (const x of source as AsyncIterable<unknown>) {
    if (x instanceof tf.Tensor) yield { item: { frame: x as tf.Tensor3D }, owned: isDataset };
    else if (isFrameInput(x)) yield { item: x, owned: isDataset };
    else {
      throw new ArgumentError(
        `${FN}: a frame must be a tensor [H, W, 3] or { frame, flowBackward?, flowForward? }, got ${describe(x)}`,
      );
    }
  }
}

function disposeFrame(f: VideoFrameInput): void {
  tf.dispose([f.frame, f.flowBackward, f.flowForward].filter((t) => t !== undefined));
}

/**
 * Video style transfer. 'optimize' follows Ruder et al. ("Artistic style transfer for
 * videos", single pass): each frame is optimised (stylize, same options) starting from
 * the previous stylised frame warped by the backward flow, with the short-term temporal
 * loss against that warped frame, weighted per pixel by the occlusion mask of the
 * forward–backward check (ones when only one flow is known; zero flow when none).
 * 'feedforward' runs a trained TransformerNet on every frame, optionally blended with
 * the warped previous output. Frames stream through `onFrame`.
 */
export async function stylizeVideo(
  frames: VideoSource,
  options: StylizeVideoOptions,
): Promise<StylizeVideoResult> {
  const o = optionsArg(FN, options);
  const method = o.method ?? (o.model ? 'feedforward' : 'optimize');
  if (method !== 'optimize' && method !== 'feedforward') {
    throw new ArgumentError(
      `${FN}: method must be 'optimize' or 'feedforward', got ${describe(method)}`,
    );
  }
  if (method === 'feedforward' && !(o.model instanceof TransformerNet)) {
    throw new ArgumentError(
      `${FN}: 'feedforward' needs model, a TransformerNet (see loadTransformer), got ${describe(o.model)}`,
    );
  }
  if (o.network !== undefined && !isFeatureNetwork(o.network)) {
    throw new ArgumentError(`${FN}: network must be a feature network, got ${describe(o.network)}`);
  }
  const smoothing = finiteNumber(FN, 'smoothing', o.smoothing ?? 0, { min: 0, max: 0.999 });
  if (o.temporalWeight !== undefined) {
    finiteNumber(FN, 'temporalWeight', o.temporalWeight, { min: 0 });
  }
  const network =
    method === 'optimize' ? (o.network ?? randomNetwork({ seed: seedArg(FN, o.seed) })) : undefined;
  const ownsNetwork = method === 'optimize' && o.network === undefined;
  const preset = network?.presets[o.preset ?? network.defaultPreset];
  if (network && !preset) {
    if (ownsNetwork) network.dispose();
    throw new ArgumentError(
      `${FN}: ${network.kind} has no preset ${describe(o.preset)}; its presets are ${Object.keys(network.presets).join(', ')}`,
    );
  }
  const temporalWeight = finiteNumber(
    FN,
    'temporalWeight',
    o.temporalWeight ?? preset?.temporalWeight ?? 0,
    { min: 0 },
  );
  const keep = o.keep ?? o.onFrame === undefined;
  const images: tf.Tensor3D[] = [];
  let previous: tf.Tensor4D | undefined; // the last output, [1, h, w, 3] in [0, 1]
  let index = 0;
  let stopped = false;
  try {
    for await (const { item, owned } of framesOf(frames, o.flowDir)) {
      try {
        const frame = item.frame;
        if (frame.rank !== 3 || frame.shape[2] !== 3) {
          throw new ArgumentError(
            `${FN}: frame ${index} must be RGB [H, W, 3], got ${describe(frame)}`,
          );
        }
        const backward = item.flowBackward
          ? checkFlow(item.flowBackward, frame, `frame ${index}'s flowBackward`)
          : undefined;
        const forward = item.flowForward
          ? checkFlow(item.flowForward, frame, `frame ${index}'s flowForward`)
          : undefined;
        const [H, W] = frame.shape;
        const side = o.size ?? Math.min(512, Math.max(H, W));
        const outSize =
          method === 'optimize'
            ? fitSize(H, W, integerArg(FN, 'size', side, 8))
            : ([H, W] as [number, number]);
        let temporal: { warped: tf.Tensor4D; mask: tf.Tensor4D } | undefined;
        if (previous) {
          if (previous.shape[1] !== outSize[0] || previous.shape[2] !== outSize[1]) {
            throw new ArgumentError(
              `${FN}: frame ${index} is ${H}x${W}, not the size of the frames before it`,
            );
          }
          const b = backward ? resizeFlow(backward, outSize) : undefined;
          const f = forward && backward ? resizeFlow(forward, outSize) : undefined;
          temporal = warpPrevious(previous, b, f);
          tf.dispose([b, f].filter((t) => t !== undefined));
        }
        let image: tf.Tensor3D;
        let losses: LossValues | undefined;
        try {
          if (method === 'optimize') {
            const frameIndex = index;
            const initImage = temporal
              ? tf.tidy(() => tf.mul(tf.squeeze(temporal!.warped, [0]), 255) as tf.Tensor3D)
              : undefined;
            const { onProgress: _frameProgress, ...shared } = o;
            const result = await stylize(
              {
                ...shared,
                content: frame,
                network: network!,
                size: side,
                iterations:
                  index === 0 && o.firstIterations !== undefined
                    ? integerArg(FN, 'firstIterations', o.firstIterations, 0)
                    : (o.iterations ?? 500),
                ...(initImage ? { init: 'image' as const, initImage } : {}),
                ...(o.onProgress
                  ? {
                      onProgress: (p: StylizeProgress) =>
                        o.onProgress!({ ...p, frame: frameIndex }),
                    }
                  : {}),
              },
              {
                extend(setup, size) {
                  if (!temporal || temporalWeight === 0) return;
                  setup.temporal = {
                    weight: temporalWeight,
                    warped: resizeImage(temporal.warped, size),
                    mask: resizeMask(temporal.mask, size),
                  };
                },
              },
            ).finally(() => initImage?.dispose());
            image = result.image;
            losses = result.losses;
            if (result.stopped) stopped = true;
          } else {
            const y = runTransformer(o.model!, frame);
            if (temporal && smoothing > 0) {
              image = tf.tidy(() => {
                const am = tf.mul(tf.squeeze(temporal!.mask, [0]), smoothing);
                const warped = tf.mul(tf.squeeze(temporal!.warped, [0]), 255);
                return tf.add(tf.mul(y, tf.sub(1, am)), tf.mul(warped, am)) as tf.Tensor3D;
              });
              y.dispose();
            } else {
              image = y;
            }
          }
        } finally {
          if (temporal) tf.dispose([temporal.warped, temporal.mask]);
        }
        previous?.dispose();
        previous = tf.tidy(() => tf.div(tf.expandDims(image, 0), 255) as tf.Tensor4D);
        if (o.onFrame) await o.onFrame({ index, image, ...(losses ? { losses } : {}) });
        if (keep) images.push(image);
        else image.dispose();
        index++;
        if (stopped || o.signal?.aborted) {
          stopped = true;
          break;
        }
      } finally {
        if (owned) disposeFrame(item);
      }
    }
    return { frames: index, images, stopped };
  } catch (error) {
    tf.dispose(images);
    throw error;
  } finally {
    previous?.dispose();
    if (ownsNetwork) network?.dispose();
  }
}
