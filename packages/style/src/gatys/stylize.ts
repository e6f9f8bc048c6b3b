import { ArgumentError, describe, rng, tf } from '@atelier/core';
import { GRAM_NORMALIZATIONS, type GramNormalization } from '@atelier/losses';
import { COLOR_SPACES, type ColorSpace, combineLuminance } from '../color/color-spaces.js';
import { luminanceOnly, restoreChrominance } from '../color/luminance-transfer.js';
import { COLOR_MATCH_MODES, type ColorMatchMode, matchColors } from '../color/match-colors.js';
import { LUMINANCE_MATCH_MODES, type LuminanceMatchMode } from '../color/match-luminance.js';
import { type FeatureNetwork, isFeatureNetwork } from '../features/feature-network.js';
import { randomNetwork } from '../features/random-network.js';
import { fitSize, resizeImage } from '../image/resize.js';
import { adam } from '../optim/adam.js';
import { LINE_SEARCHES, type LineSearch, lbfgs } from '../optim/lbfgs.js';
import type { IterationInfo, OptimizeResult } from '../optim/objective.js';
import {
  finiteNumber,
  integerArg,
  maskArg,
  oneOf,
  optionsArg,
  rgbImageArg,
  seedArg,
} from '../validate.js';
import { gatysObjective, type LossValues } from './evaluate.js';
import { disposeSetup, type LossSetup } from './loss.js';
import { nativeGatysObjective } from './native-evaluate.js';
import { buildSetup, type PreparedStyle } from './targets.js';

export interface StyleImage {
  /** RGB [H, W, 3] or [1, H, W, 3] in [0, 255] (as readImage gives). */
  image: tf.Tensor;
  /**
   * Blend weight among the styles without a region (normalised to sum 1 per layer, as
   * neural-style's -style_blend_weights); for a style with a region, that region's
   * weight. Default 1.
   */
  weight?: number;
  /**
   * Spatial control: where on the output this style applies, a mask of the content's
   * size ([H, W], [H, W, 1] or RGB; 0..1 or 0..255). Each region takes its own style's
   * guided Gram statistics.
   */
  region?: tf.Tensor;
  /** Which part of the style image to take statistics from, at the style image's size. */
  mask?: tf.Tensor;
  /**
   * Scale control: the style layers this style contributes to, e.g. the coarse
   * ['relu3_1', 'relu4_1', 'relu5_1'] from one style and the fine ['relu1_1', 'relu2_1']
   * from another. Default all style layers.
   */
  layers?: string[];
  /** This style's own styleScale. */
  scale?: number;
}

/** What the progress callback receives after each optimiser iteration. */
export interface StylizeProgress {
  /** Iterations done, over all passes. */
  iteration: number;
  total: number;
  /** 0-based pass (resolution) of a multi-resolution run, and how many there are. */
  pass: number;
  passes: number;
  /** [height, width] of this pass. */
  size: [number, number];
  /** The weighted loss terms at the current image (neural-style's printout). */
  losses: LossValues;
  /** Every `imageEvery` iterations: the current image [H, W, 3] in [0, 255], disposed after the callback (clone to keep). */
  image?: tf.Tensor3D;
}

export const PRESERVE_COLORS = ['luminance', 'histogram', 'original'] as const;
export type PreserveColors = (typeof PRESERVE_COLORS)[number];

export interface StylizeOptions {
  /** RGB [H, W, 3] or [1, H, W, 3] in [0, 255]. */
  content: tf.Tensor;
  styles: StyleImage[];
  /** Default: the embedded random multi-scale network, seeded by `seed`. */
  network?: FeatureNetwork;
  /** A layer preset of the network (see its `presets`); default its `defaultPreset`. */
  preset?: string;
  /** Layers and their weights, overriding the preset's. */
  contentLayers?: Record<string, number>;
  styleLayers?: Record<string, number>;
  contentWeight?: number;
  styleWeight?: number;
  /** Total variation (Σ Δx² + Δy² of the image in [0, 1]) weight. */
  tvWeight?: number;
  /** Gram normalisation; default the preset's ('chw'). */
  gram?: GramNormalization;
  /** Style images are resized to styleScale × the output's longer side; default 1. */
  styleScale?: number;
  /** The output's longer side in pixels; default the content's, at most 512. */
  size?: number;
  /**
   * Scale control, coarse to fine: fractions of `size` to optimise at in turn, each
   * pass starting from the previous result upsampled; default [1]. E.g. [0.5, 1].
   */
  scales?: number[];
  /** 'content' (default), 'random' (seeded noise around mid-grey) or 'image' (initImage). */
  init?: 'content' | 'random' | 'image';
  initImage?: tf.Tensor;
  /** Default 'lbfgs' ('adam' under normalizeGradients). */
  optimizer?: 'lbfgs' | 'adam';
  /**
   * Per pass (one number, or one per scale); default 500. L-BFGS iterations (each a
   * direction and its line search of 1-3 evaluations, rarely more), or Adam steps. L-BFGS
   * stops early when the loss or the step stops changing (torch's tolerances).
   */
  iterations?: number | number[];
  /** L-BFGS's step (default 1) or Adam's rate (default 0.02 on [0, 1] pixels). */
  learningRate?: number;
  /** L-BFGS correction pairs; default 100. */
  history?: number;
  /** Default 'strong-wolfe'; 'none' under normalizeGradients (its gradients are not the loss's). */
  lineSearch?: LineSearch;
  /**
   * neural-style's -normalize_gradients: each content and style term's gradient divided
   * by its L1 norm, times its weight. These are not the loss's gradients, so L-BFGS does
   * not suit them (its line search stalls; a fixed step diverges): the optimiser then
   * defaults to Adam.
   */
  normalizeGradients?: boolean;
  /** VGG pooling; default 'max'. */
  pooling?: 'max' | 'avg';
  /** Seeds the default network and the random init; default 0. */
  seed?: number;
  /**
   * Colour control (Gatys et al., CVPR 2017): 'luminance' transfers in luminance only
   * and keeps the content's colours; 'histogram' recolours the style images to the
   * content's colour mean and covariance first; 'original' takes the output's luminance
   * with the content's chrominance afterwards (neural-style's -original_colors).
   */
  preserveColors?: PreserveColors;
  /** 'meanvar' (default, as the paper) or 'histogram' matching of the style luminance. */
  luminanceMatch?: LuminanceMatchMode;
  /** How 'histogram' picks the colour map; default 'symmetric'. */
  colorMatch?: ColorMatchMode;
  /** Default 'yiq'. Y is the same in both; they differ only by rounding here. */
  colorSpace?: ColorSpace;
  onProgress?: (progress: StylizeProgress) => unknown;
  /** Give the current image to onProgress every this many iterations; default never. */
  imageEvery?: number;
  signal?: AbortSignal;
  /**
   * What evaluates the loss and its gradient: 'tfjs' (default, the current backend) or
   * 'onnxruntime', which traces VGG's forward and backward passes once per pass into an
   * ONNX graph run natively on the CPU (Node; needs the optional @atelier/onnx and
   * onnxruntime-node). The optimisers and everything else stay the same.
   */
  engine?: 'tfjs' | 'onnxruntime';
}

export interface StylizeResult {
  /** [H, W, 3] in [0, 255]. */
  image: tf.Tensor3D;
  /** The loss terms at the last evaluation (of the last pass). */
  losses: LossValues;
  /** The loss terms after every iteration, all passes. */
  history: LossValues[];
  iterations: number;
  stopped: boolean;
}

/** Internal: extra loss terms for video (the temporal term), per pass size. */
export interface StylizeHooks {
  extend?(setup: LossSetup, size: [number, number]): void;
}

export interface Resolved {
  network: FeatureNetwork;
  ownsNetwork: boolean;
  contentLayers: Record<string, number>;
  styleLayers: Record<string, number>;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  gram: GramNormalization;
  scales: number[];
  iterations: number[];
  size: number;
  optimizer: 'lbfgs' | 'adam';
  learningRate: number | undefined;
  history: number;
  engine: 'tfjs' | 'onnxruntime';
  lineSearch: LineSearch;
  normalizeGradients: boolean;
  pooling: 'max' | 'avg';
  seed: number;
  init: 'content' | 'random' | 'image';
  styleScale: number;
  imageEvery: number;
}

const FN = 'stylize';

function layerRecord(
  name: string,
  value: unknown,
  network: FeatureNetwork,
): Record<string, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ArgumentError(`${FN}: ${name} must be { layer: weight }, got ${describe(value)}`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw new ArgumentError(`${FN}: ${name} names no layer`);
  for (const [l, w] of entries) {
    if (!network.layerNames.includes(l)) {
      throw new ArgumentError(
        `${FN}: ${name}: unknown layer '${l}' of ${network.kind}; its layers are ${network.layerNames.join(', ')}`,
      );
    }
    finiteNumber(FN, `${name}.${l}`, w, { min: 0 });
  }
  return value as Record<string, number>;
}

export function resolve(o: StylizeOptions, contentSide: number): Resolved {
  const seed = seedArg(FN, o.seed);
  if (o.network !== undefined && !isFeatureNetwork(o.network)) {
    throw new ArgumentError(
      `${FN}: network must be a feature network (vggNetwork() or randomNetwork()), got ${describe(o.network)}`,
    );
  }
  const network = o.network ?? randomNetwork({ seed });
  const presetName = o.preset ?? network.defaultPreset;
  const preset = network.presets[presetName];
  if (!preset) {
    throw new ArgumentError(
      `${FN}: ${network.kind} has no preset ${describe(presetName)}; its presets are ${Object.keys(network.presets).join(', ')}`,
    );
  }
  const scales = o.scales ?? [1];
  if (!Array.isArray(scales) || scales.length === 0) {
    throw new ArgumentError(
      `${FN}: scales must be a non-empty array of fractions, got ${describe(scales)}`,
    );
  }
  scales.forEach((s, i) => {
    finiteNumber(FN, `scales[${i}]`, s, { exclusiveMin: 0, max: 1 });
  });
  const its = o.iterations ?? 500;
  const iterations = Array.isArray(its) ? its : scales.map(() => its);
  if (iterations.length !== scales.length) {
    throw new ArgumentError(
      `${FN}: iterations must be one number or one per scale (${scales.length}), got ${describe(its)}`,
    );
  }
  iterations.forEach((n, i) => {
    integerArg(FN, `iterations[${i}]`, n, 0);
  });
  const normalizeGradients = o.normalizeGradients ?? false;
  if (typeof normalizeGradients !== 'boolean') {
    throw new ArgumentError(
      `${FN}: normalizeGradients must be a boolean, got ${describe(normalizeGradients)}`,
    );
  }
  // Normalised gradients are not the loss's: L-BFGS's curvature pairs and line search
  // then break down (its line search stalls, a fixed step diverges, measured), so Adam is
  // their default.
  const optimizer = oneOf(FN, 'optimizer', o.optimizer ?? (normalizeGradients ? 'adam' : 'lbfgs'), [
    'lbfgs',
    'adam',
  ]);
  return {
    network,
    ownsNetwork: o.network === undefined,
    contentLayers: layerRecord('contentLayers', o.contentLayers ?? preset.content, network),
    styleLayers: layerRecord('styleLayers', o.styleLayers ?? preset.style, network),
    contentWeight: finiteNumber(FN, 'contentWeight', o.contentWeight ?? preset.contentWeight, {
      min: 0,
    }),
    styleWeight: finiteNumber(FN, 'styleWeight', o.styleWeight ?? preset.styleWeight, { min: 0 }),
    tvWeight: finiteNumber(FN, 'tvWeight', o.tvWeight ?? preset.tvWeight, { min: 0 }),
    gram: oneOf(FN, 'gram', o.gram ?? preset.gram ?? 'chw', GRAM_NORMALIZATIONS),
    scales,
    iterations,
    size: integerArg(FN, 'size', o.size ?? Math.min(512, contentSide), 8, 8192),
    optimizer,
    learningRate:
      o.learningRate === undefined
        ? undefined
        : finiteNumber(FN, 'learningRate', o.learningRate, { exclusiveMin: 0 }),
    history: integerArg(FN, 'history', o.history ?? 100),
    lineSearch: oneOf(
      FN,
      'lineSearch',
      o.lineSearch ?? (normalizeGradients ? 'none' : 'strong-wolfe'),
      LINE_SEARCHES,
    ),
    normalizeGradients,
    pooling: oneOf(FN, 'pooling', o.pooling ?? 'max', ['max', 'avg']),
    seed,
    init: oneOf(FN, 'init', o.init ?? (o.initImage ? 'image' : 'content'), [
      'content',
      'random',
      'image',
    ]),
    styleScale: finiteNumber(FN, 'styleScale', o.styleScale ?? 1, { exclusiveMin: 0, max: 16 }),
    imageEvery: o.imageEvery === undefined ? 0 : integerArg(FN, 'imageEvery', o.imageEvery, 1),
    engine: oneOf(FN, 'engine', o.engine ?? 'tfjs', ['tfjs', 'onnxruntime']),
  };
}

/** An input style with its tensors converted: image [1, h, w, 3] in [0, 1], masks [1, h, w, 1]. */
export interface InputStyle {
  image: tf.Tensor4D;
  weight: number;
  region?: tf.Tensor4D;
  mask?: tf.Tensor4D;
  layers?: string[];
  scale?: number;
}

export async function readStyles(styles: unknown, content: tf.Tensor4D): Promise<InputStyle[]> {
  if (!Array.isArray(styles) || styles.length === 0) {
    throw new ArgumentError(
      `${FN}: styles must be a non-empty array of { image, weight?, region?, mask?, layers? }, got ${describe(styles)}`,
    );
  }
  const out: InputStyle[] = [];
  try {
    for (let i = 0; i < styles.length; i++) {
      const s = styles[i] as StyleImage;
      if (s === null || typeof s !== 'object') {
        throw new ArgumentError(`${FN}: styles[${i}] must be { image, ... }, got ${describe(s)}`);
      }
      const image = rgbImageArg(FN, `styles[${i}].image`, s.image, 2);
      const entry: InputStyle = {
        image: tf.tidy(() => tf.div(image, 255) as tf.Tensor4D),
        weight: 1,
      };
      image.dispose();
      out.push(entry);
      entry.weight = finiteNumber(FN, `styles[${i}].weight`, s.weight ?? 1, { min: 0 });
      if (s.region !== undefined) {
        entry.region = await maskArg(FN, `styles[${i}].region`, s.region);
        if (
          entry.region.shape[1] !== content.shape[1] ||
          entry.region.shape[2] !== content.shape[2]
        ) {
          throw new ArgumentError(
            `${FN}: styles[${i}].region must have the content's size ${content.shape[1]}x${content.shape[2]}, got ${entry.region.shape[1]}x${entry.region.shape[2]}`,
          );
        }
      }
      if (s.mask !== undefined) {
        entry.mask = await maskArg(FN, `styles[${i}].mask`, s.mask);
        if (
          entry.mask.shape[1] !== entry.image.shape[1] ||
          entry.mask.shape[2] !== entry.image.shape[2]
        ) {
          throw new ArgumentError(
            `${FN}: styles[${i}].mask must have its style image's size ${entry.image.shape[1]}x${entry.image.shape[2]}, got ${entry.mask.shape[1]}x${entry.mask.shape[2]}`,
          );
        }
      }
      if (s.layers !== undefined) {
        if (!Array.isArray(s.layers) || s.layers.some((l) => typeof l !== 'string')) {
          throw new ArgumentError(
            `${FN}: styles[${i}].layers must be layer names, got ${describe(s.layers)}`,
          );
        }
        entry.layers = [...s.layers];
      }
      if (s.scale !== undefined) {
        entry.scale = finiteNumber(FN, `styles[${i}].scale`, s.scale, { exclusiveMin: 0, max: 16 });
      }
    }
    const globalWeight = out.filter((s) => !s.region).reduce((a, s) => a + s.weight, 0);
    if (out.some((s) => !s.region) && !(globalWeight > 0)) {
      throw new ArgumentError(`${FN}: the styles' blend weights sum to 0`);
    }
    return out;
  } catch (error) {
    disposeStyles(out);
    throw error;
  }
}

export function disposeStyles(
  styles: { image: tf.Tensor; region?: tf.Tensor; mask?: tf.Tensor }[],
): void {
  for (const s of styles) tf.dispose([s.image, s.region, s.mask].filter((t) => t !== undefined));
}

function toImage(x: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => tf.mul(tf.clipByValue(tf.squeeze(x, [0]), 0, 1), 255) as tf.Tensor3D);
}

/** Seeded noise around mid-grey: the 'random' initialisation. */
function randomInit(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.add(rng(seed).fork('stylize init').normal<tf.Rank.R4>(shape, 0, 0.05), 0.5),
  );
}

/** The colour controls (Gatys et al. 2017): which, in which space, matched how. */
interface ColorControls {
  preserve: PreserveColors | undefined;
  space: ColorSpace;
  lumaMode: LuminanceMatchMode;
  colorMode: ColorMatchMode;
}

function readColorControls(o: StylizeOptions): ColorControls {
  return {
    preserve:
      o.preserveColors === undefined
        ? undefined
        : oneOf(FN, 'preserveColors', o.preserveColors, PRESERVE_COLORS),
    space: oneOf(FN, 'colorSpace', o.colorSpace ?? 'yiq', COLOR_SPACES),
    lumaMode: oneOf(FN, 'luminanceMatch', o.luminanceMatch ?? 'meanvar', LUMINANCE_MATCH_MODES),
    colorMode: oneOf(FN, 'colorMatch', o.colorMatch ?? 'symmetric', COLOR_MATCH_MODES),
  };
}

/** The 'image' initialisation's image in [0, 1], held by the caller; undefined otherwise. */
function readInitImage(o: StylizeOptions, r: Resolved, held: tf.Tensor[]): tf.Tensor4D | undefined {
  if (r.init !== 'image') return undefined;
  if (o.initImage === undefined) throw new ArgumentError(`${FN}: init 'image' needs initImage`);
  const bytes = rgbImageArg(FN, 'initImage', o.initImage, 2);
  const initImage = tf.tidy(() => tf.div(bytes, 255) as tf.Tensor4D);
  bytes.dispose();
  held.push(initImage);
  return initImage;
}

/**
 * Colour control before the optimisation: the styles' colours matched to the content's
 * ('histogram'), or everything turned to luminance ('luminance'). Returns the content
 * and initial image to optimise from; the styles are replaced in place.
 */
async function applyColorControl(
  c: ColorControls,
  content: tf.Tensor4D,
  styles: InputStyle[],
  initImage: tf.Tensor4D | undefined,
  held: tf.Tensor[],
): Promise<{ content: tf.Tensor4D; initImage: tf.Tensor4D | undefined }> {
  if (c.preserve === 'histogram') {
    for (const s of styles) {
      const matched = await matchColors(s.image, content, { mode: c.colorMode });
      s.image.dispose();
      s.image = tf.tidy(() => tf.clipByValue(matched, 0, 1) as tf.Tensor4D);
      matched.dispose();
    }
    return { content, initImage };
  }
  if (c.preserve !== 'luminance') return { content, initImage };
  const lum = await luminanceOnly(
    content,
    styles.map((s) => s.image),
    c.lumaMode,
  );
  styles.forEach((s, i) => {
    s.image.dispose();
    s.image = lum.styles[i]!;
  });
  held.push(lum.content);
  if (!initImage) return { content: lum.content, initImage };
  const grey = tf.tidy(
    () =>
      tf.tile(
        tf.sum(tf.mul(initImage, tf.tensor1d([0.299, 0.587, 0.114])), 3, true),
        [1, 1, 1, 3],
      ) as tf.Tensor4D,
  );
  held.push(grey);
  return { content: lum.content, initImage: grey };
}

/** The styles at one pass's resolution: each scaled by its styleScale, regions at the content's size. */
function prepareStyles(
  styles: InputStyle[],
  r: Resolved,
  side: number,
  size: [number, number],
): PreparedStyle[] {
  return styles.map((s) => {
    const [sh, sw] = fitSize(
      s.image.shape[1],
      s.image.shape[2],
      Math.max(8, Math.round(side * (s.scale ?? r.styleScale))),
    );
    return {
      image: resizeImage(s.image, [sh, sw]),
      weight: s.weight,
      ...(s.region ? { region: resizeImage(s.region, size) } : {}),
      ...(s.mask ? { mask: resizeImage(s.mask, [sh, sw]) } : {}),
      ...(s.layers ? { layers: s.layers } : {}),
    };
  });
}

/** Where a pass starts: the previous pass's image upscaled, else the initialisation. */
function startImage(
  previous: tf.Tensor4D | undefined,
  r: Resolved,
  passContent: tf.Tensor4D,
  initImage: tf.Tensor4D | undefined,
  shape: [number, number, number, number],
): tf.Tensor4D {
  if (previous) return resizeImage(previous, [shape[1], shape[2]]);
  if (r.init === 'content') return tf.clone(passContent);
  if (r.init === 'random') return randomInit(shape, r.seed);
  return resizeImage(initImage!, [shape[1], shape[2]]);
}

/** What the passes share: the loss history, iterations done, whether the caller stopped. */
interface RunState {
  history: LossValues[];
  lastLosses: LossValues | undefined;
  done: number;
  total: number;
  stopped: boolean;
}

const NO_LOSSES = (total: number): LossValues => ({
  content: NaN,
  style: NaN,
  tv: NaN,
  temporal: NaN,
  total,
});

/** The optimiser's per-iteration callback: records the losses, reports progress, honours stops. */
function iterationReporter(
  o: StylizeOptions,
  r: Resolved,
  state: RunState,
  valuesOf: (grad: Float32Array) => LossValues | undefined,
  pass: number,
  size: [number, number],
): (info: IterationInfo) => Promise<boolean> {
  const shape: [number, number, number, number] = [1, size[0], size[1], 3];
  const passDone = state.done;
  return async (info) => {
    const values = valuesOf(info.grad);
    if (values) {
      state.lastLosses = values;
      state.history.push(values);
    }
    state.done = passDone + info.iteration;
    if (o.onProgress) {
      let image: tf.Tensor3D | undefined;
      if (r.imageEvery > 0 && info.iteration % r.imageEvery === 0) {
        image = tf.tidy(() => toImage(tf.tensor4d(Float32Array.from(info.x), shape)));
      }
      try {
        const keep = await o.onProgress({
          iteration: state.done,
          total: state.total,
          pass,
          passes: r.scales.length,
          size,
          losses: state.lastLosses ?? values ?? NO_LOSSES(info.loss),
          ...(image ? { image } : {}),
        });
        if (keep === false) state.stopped = true;
      } finally {
        image?.dispose();
      }
    }
    if (o.signal?.aborted) state.stopped = true;
    return !state.stopped;
  };
}

/** L-BFGS or Adam for `iterations` steps from x0 (none: no optimisation). */
async function optimise(
  r: Resolved,
  objective: Parameters<typeof lbfgs>[0],
  x0: Float32Array,
  iterations: number,
  onIteration: (info: IterationInfo) => Promise<boolean>,
): Promise<OptimizeResult | undefined> {
  if (iterations === 0) return undefined;
  if (r.optimizer === 'lbfgs') {
    return lbfgs(objective, x0, {
      maxIterations: iterations,
      // Iterations are what the caller counts; a line search takes 1-3 evaluations,
      // rarely more (torch's default cap, 1.25 per iteration, would end short runs
      // after their first steps).
      maxEvaluations: iterations * 10,
      learningRate: r.learningRate ?? 1,
      history: r.history,
      lineSearch: r.lineSearch,
      onIteration,
    });
  }
  return adam(objective, x0, {
    maxIterations: iterations,
    learningRate: r.learningRate ?? 0.02,
    onIteration,
  });
}

/**
 * One pass (resolution) of the optimisation: the content and styles at this size, the
 * loss set up, the image optimised from `previous` (disposed here). Returns the image.
 */
async function runPass(
  o: StylizeOptions,
  r: Resolved,
  hooks: StylizeHooks,
  state: RunState,
  pass: number,
  inputs: { content: tf.Tensor4D; styles: InputStyle[]; initImage: tf.Tensor4D | undefined },
  previous: tf.Tensor4D | undefined,
): Promise<tf.Tensor4D> {
  const [, H, W] = inputs.content.shape;
  const side = Math.max(8, Math.round(r.size * r.scales[pass]!));
  const size = fitSize(H, W, side);
  const passContent = resizeImage(inputs.content, size);
  const prepared = prepareStyles(inputs.styles, r, side, size);
  let setup: LossSetup | undefined;
  let evaluation:
    | (ReturnType<typeof gatysObjective> & { dispose?: () => Promise<void> })
    | undefined;
  try {
    setup = buildSetup(passContent, prepared, {
      network: r.network,
      pooling: r.pooling,
      gram: r.gram,
      contentLayers: r.contentLayers,
      styleLayers: r.styleLayers,
      contentWeight: r.contentWeight,
      styleWeight: r.styleWeight,
      tvWeight: r.tvWeight,
      normalizeGradients: r.normalizeGradients,
    });
    hooks.extend?.(setup, size);
    const shape: [number, number, number, number] = [1, size[0], size[1], 3];
    const start = startImage(previous, r, passContent, inputs.initImage, shape);
    const x0 = new Float32Array((await start.data()) as Float32Array);
    start.dispose();
    evaluation =
      r.engine === 'onnxruntime'
        ? await nativeGatysObjective(setup, shape)
        : gatysObjective(setup, shape);
    const passDone = state.done;
    const onIteration = iterationReporter(o, r, state, evaluation.valuesOf, pass, size);
    const result = await optimise(r, evaluation.objective, x0, r.iterations[pass]!, onIteration);
    state.done = passDone + (result?.iterations ?? 0);
    return tf.tensor4d(result ? Float32Array.from(result.x) : x0, shape);
  } finally {
    previous?.dispose();
    await evaluation?.dispose?.();
    passContent.dispose();
    disposeStyles(prepared);
    if (setup) disposeSetup(setup);
  }
}

/** The optimised image clipped to [0, 1], with the content's colours put back where asked, as [H, W, 3] in [0, 255]. */
function finishImage(x: tf.Tensor4D, content: tf.Tensor4D, c: ColorControls): tf.Tensor3D {
  const clipped = tf.tidy(() => tf.clipByValue(x, 0, 1) as tf.Tensor4D);
  let out = clipped;
  if (c.preserve === 'luminance' || c.preserve === 'original') {
    const colors = resizeImage(content, [x.shape[1], x.shape[2]]);
    out = tf.tidy(
      () =>
        tf.clipByValue(
          c.preserve === 'luminance'
            ? restoreChrominance(clipped, colors, c.space)
            : combineLuminance(clipped, colors, c.space),
          0,
          1,
        ) as tf.Tensor4D,
    );
    colors.dispose();
    clipped.dispose();
  }
  const image = toImage(out);
  out.dispose();
  return image;
}

/**
 * Gatys et al.'s neural style transfer: optimises an image so that its features match
 * the content's at the content layers and its Gram matrices the styles' at the style
 * layers, with the options of jcjohnson/neural-style (blend weights, style scale,
 * initialisation, L-BFGS or Adam, gradient normalisation, pooling, size, iterations,
 * seed, progress) and the controls of Gatys et al., "Controlling Perceptual Factors in
 * Neural Style Transfer" (colour: luminance-only and colour histogram matching; space:
 * a region per style; scale: coarse-to-fine passes and per-style layers).
 *
 * Images are RGB in [0, 255]; the result is [H, W, 3] in [0, 255], H×W fitted to `size`.
 */
export async function stylize(
  options: StylizeOptions,
  hooks: StylizeHooks = {},
): Promise<StylizeResult> {
  const o = optionsArg(FN, options);
  if (o === undefined || Object.keys(o).length === 0) {
    throw new ArgumentError(`${FN}: expected { content, styles: [{ image, weight }], ... }`);
  }
  const contentBytes = rgbImageArg(FN, 'content', o.content, 2);
  const content = tf.tidy(() => tf.div(contentBytes, 255) as tf.Tensor4D);
  contentBytes.dispose();
  const [, H, W] = content.shape;
  const held: tf.Tensor[] = [content];
  let styles: InputStyle[] = [];
  let r: Resolved | undefined;
  let x: tf.Tensor4D | undefined;
  try {
    r = resolve(o, Math.max(H, W));
    styles = await readStyles(o.styles, content);
    const colors = readColorControls(o);
    const initImage = readInitImage(o, r, held);
    const optimised = await applyColorControl(colors, content, styles, initImage, held);
    const state: RunState = {
      history: [],
      lastLosses: undefined,
      done: 0,
      total: r.iterations.reduce((a, b) => a + b, 0),
      stopped: false,
    };
    for (let pass = 0; pass < r.scales.length && !state.stopped; pass++) {
      const previous = x;
      x = undefined; // runPass disposes it
      x = await runPass(o, r, hooks, state, pass, { ...optimised, styles }, previous);
    }
    // The losses at the final image, whatever the optimiser last evaluated.
    const image = finishImage(x!, content, colors);
    return {
      image,
      losses: state.lastLosses ?? NO_LOSSES(NaN),
      history: state.history,
      iterations: state.done,
      stopped: state.stopped,
    };
  } finally {
    if (x) x.dispose();
    tf.dispose(held);
    disposeStyles(styles);
    if (r?.ownsNetwork) r.network.dispose();
  }
}
