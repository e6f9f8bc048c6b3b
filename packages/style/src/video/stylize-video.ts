import { TransformerNet } from '@atelier/blocks';
import { ArgumentError, describe, type tf } from '@atelier/core';
import { type FeatureNetwork, isFeatureNetwork } from '../features/feature-network.js';
import { randomNetwork } from '../features/random-network.js';
import type { StylizeOptions } from '../gatys/stylize.js';
import { finiteNumber, integerArg, optionsArg, seedArg } from '../validate.js';
import { feedforwardVideo } from './feedforward-video.js';
import { type FlowFunction, FrameSequence, type VideoSource } from './frame-sequence.js';
import type { VideoFrameStore } from './frame-store.js';
import { relativeIndices } from './long-term-masks.js';
import { multiPass } from './multi-pass.js';
import { singlePass } from './single-pass.js';
import type { VideoFrameResult, VideoProgress, VideoRun, VideoStep } from './video-run.js';

export interface StylizeVideoOptions
  extends Omit<StylizeOptions, 'content' | 'init' | 'initImage' | 'onProgress' | 'imageEvery'> {
  /**
   * 'optimize' (Ruder et al.: per-frame optimisation with the temporal loss; default
   * without a model) or 'feedforward' (a trained TransformerNet frame by frame; default
   * with `model`).
   */
  method?: 'optimize' | 'feedforward';
  /** Feed-forward: the trained network. */
  model?: TransformerNet;
  /** Folder of .flo files (see VideoSource, FrameSequence): consecutive and long-range flows. */
  flowDir?: string;
  /** Flow between any two frames computed by the caller (see FlowFunction); tried first. */
  flow?: FlowFunction;
  /**
   * Weight of each temporal term mean(c_j · (x − ω_j(x_j))²) on [0, 1] pixels; default
   * the preset's (Ruder et al.'s 1e3 on Caffe pixels rescaled for VGG; 1e6 for the
   * embedded network), halved with several passes (artistic-videos: 5e2 against 1e3).
   * 0 keeps only the warped initialisation.
   */
  temporalWeight?: number;
  /**
   * J, the frame offsets of the temporal loss (Ruder et al.'s long-term consistency):
   * frame t is held to the results of frames t − j (t + j in backward passes), each
   * mask reduced by those of nearer frames. Default [1] (short-term); the paper's
   * long-term choice is [1, 10, 20, 40].
   */
  longTerm?: number[];
  /**
   * Passes over the sequence (Ruder et al.'s multi-pass algorithm, alternating forward
   * and backward; their default 15). Default 1, the single-pass algorithm. With more
   * than one, the frames of a stream are all read into memory.
   */
  passes?: number;
  /** Multi-pass: the first pass with the temporal loss (default ceil(passes / 2): 8 of 15). */
  temporalFrom?: number;
  /** Multi-pass: weight of the warped neighbour in a frame's starting image (1). */
  blendWeight?: number;
  /** Iterations per frame (per pass); default stylize's 500 in one pass, 100 per pass in several. */
  iterations?: number;
  /** Single pass: iterations of the first frame (artistic-videos spends more on it); default `iterations`. */
  firstIterations?: number;
  /**
   * Feed-forward only: blend each output with the previous output warped by the flow,
   * y ← (1 − α c) y + α c ω(y_prev), c the occlusion mask; α in [0, 1), default 0 (off).
   */
  smoothing?: number;
  /** Where results go as they finish, per pass and frame (e.g. folderFrameStore): the checkpoint. */
  store?: VideoFrameStore;
  /** Take the results the store already has instead of computing them (continue an interrupted run). */
  resume?: boolean;
  /** Called with each frame of the last pass (in that pass's order). */
  onFrame?: (frame: VideoFrameResult) => unknown;
  /** Called after each frame of each pass. */
  onStep?: (step: VideoStep) => unknown;
  /** Keep the last pass's images (returned in `images`); default true without onFrame, false with it. */
  keep?: boolean;
  /** Progress within a frame's optimisation. */
  onProgress?: (progress: VideoProgress) => unknown;
}

export interface StylizeVideoResult {
  frames: number;
  /** The stylised frames when kept, in frame order. */
  images: tf.Tensor3D[];
  stopped: boolean;
}

const FN = 'stylizeVideo';

const VIDEO_KEYS = [
  'method',
  'model',
  'flowDir',
  'flow',
  'temporalWeight',
  'longTerm',
  'passes',
  'temporalFrom',
  'blendWeight',
  'iterations',
  'firstIterations',
  'smoothing',
  'store',
  'resume',
  'onFrame',
  'onStep',
  'keep',
  'onProgress',
  'network',
  'size',
] as const;

/**
 * Video style transfer. 'optimize' follows Ruder et al. ("Artistic style transfer for
 * videos", GCPR 2016; IJCV 2018): each frame is optimised (stylize, same options) from
 * the previous result warped by the optical flow, with the temporal loss against the
 * results of the frames in J warped into it, weighted per pixel by the occlusion masks
 * of the forward–backward check combined closest-first (see longTerm); with `passes`
 * > 1, the multi-pass algorithm (see multiPass). 'feedforward' runs a trained
 * TransformerNet on every frame, optionally blended with the warped previous output.
 * Results stream through `onFrame` and `store`; with `resume` the store's are reused.
 */
export async function stylizeVideo(
  frames: VideoSource,
  options: StylizeVideoOptions,
): Promise<StylizeVideoResult> {
  const o = optionsArg(FN, options);
  const method = methodOf(o);
  const sequence = await FrameSequence.open(frames, { flowDir: o.flowDir, flow: o.flow });
  const images: tf.Tensor3D[] = [];
  const keep = o.keep ?? o.onFrame === undefined;
  let network: FeatureNetwork | undefined;
  try {
    if (method === 'feedforward') {
      const smoothing = finiteNumber(FN, 'smoothing', o.smoothing ?? 0, { min: 0, max: 0.999 });
      const r = await feedforwardVideo({
        sequence,
        model: o.model!,
        smoothing,
        keep,
        images,
        signal: o.signal,
        onFrame: o.onFrame,
        onStep: o.onStep,
      });
      return { ...r, images };
    }
    network = o.network ?? randomNetwork({ seed: seedArg(FN, o.seed) });
    const run = resolveRun(o, sequence, network, keep, images);
    const r = run.passes > 1 ? await multiPass(run) : await singlePass(run);
    if (run.passes > 1 && run.passes % 2 === 0) images.reverse();
    return { ...r, images };
  } catch (error) {
    for (const image of images) image.dispose();
    throw error;
  } finally {
    sequence.dispose();
    if (network && network !== o.network) network.dispose();
  }
}

function methodOf(o: StylizeVideoOptions): 'optimize' | 'feedforward' {
  const method = o.method ?? (o.model ? 'feedforward' : 'optimize');
  if (method !== 'optimize' && method !== 'feedforward') {
    throw new ArgumentError(
      `${FN}: method must be 'optimize' or 'feedforward', got ${describe(method)}`,
    );
  }
  if (method === 'feedforward') {
    if (!(o.model instanceof TransformerNet)) {
      throw new ArgumentError(
        `${FN}: 'feedforward' needs model, a TransformerNet (see loadTransformer), got ${describe(o.model)}`,
      );
    }
    if ((o.passes ?? 1) !== 1 || (o.longTerm && o.longTerm.join() !== '1') || o.store) {
      throw new ArgumentError(
        `${FN}: passes, longTerm and store are for 'optimize'; 'feedforward' runs one pass with smoothing (write frames in onFrame)`,
      );
    }
  } else if (o.resume === true && o.store === undefined) {
    throw new ArgumentError(`${FN}: resume needs a store to read the finished frames from`);
  } else if (o.network !== undefined && !isFeatureNetwork(o.network)) {
    throw new ArgumentError(`${FN}: network must be a feature network, got ${describe(o.network)}`);
  }
  return method;
}

function resolveRun(
  o: StylizeVideoOptions,
  sequence: FrameSequence,
  network: FeatureNetwork,
  keep: boolean,
  images: tf.Tensor3D[],
): VideoRun {
  const preset = network.presets[o.preset ?? network.defaultPreset];
  if (!preset) {
    throw new ArgumentError(
      `${FN}: ${network.kind} has no preset ${describe(o.preset)}; its presets are ${Object.keys(network.presets).join(', ')}`,
    );
  }
  const passes = integerArg(FN, 'passes', o.passes ?? 1, 1);
  const shared: Record<string, unknown> = { ...o };
  for (const key of VIDEO_KEYS) delete shared[key];
  const fallbackWeight = (preset.temporalWeight ?? 0) * (passes > 1 ? 0.5 : 1);
  return {
    sequence,
    network,
    shared: shared as VideoRun['shared'],
    side: o.size === undefined ? undefined : integerArg(FN, 'size', o.size, 8),
    temporalWeight: finiteNumber(FN, 'temporalWeight', o.temporalWeight ?? fallbackWeight, {
      min: 0,
    }),
    longTerm: relativeIndices(FN, o.longTerm ?? [1]),
    passes,
    temporalFrom: integerArg(FN, 'temporalFrom', o.temporalFrom ?? Math.ceil(passes / 2), 1),
    blendWeight: finiteNumber(FN, 'blendWeight', o.blendWeight ?? 1, { min: 0 }),
    iterations: integerArg(FN, 'iterations', o.iterations ?? (passes > 1 ? 100 : 500), 0),
    firstIterations:
      o.firstIterations === undefined
        ? undefined
        : integerArg(FN, 'firstIterations', o.firstIterations, 0),
    store: storeArg(o.store),
    resume: o.resume === true,
    keep,
    images,
    signal: o.signal,
    onFrame: o.onFrame,
    onStep: o.onStep,
    onProgress: o.onProgress,
  };
}

function storeArg(store: unknown): VideoFrameStore | undefined {
  if (store === undefined) return undefined;
  const s = store as VideoFrameStore;
  if (s === null || typeof s.read !== 'function' || typeof s.write !== 'function') {
    throw new ArgumentError(
      `${FN}: store must have read(pass, index) and write(pass, index, image) (see folderFrameStore), got ${describe(store)}`,
    );
  }
  return s;
}
