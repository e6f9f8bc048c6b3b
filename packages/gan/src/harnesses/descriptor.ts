import type { Dataset, PreprocessOptions } from '@atelier/datasets';
import type { Harness, Json } from '../trainer/harness.js';

/** How a CLI flag sets a harness option: its value's kind ('true'/'false': a switch). */
export interface HarnessFlag {
  option: string;
  kind: 'string' | 'int' | 'number' | 'true' | 'false';
  help: string;
}

/** The data a harness trains on, ready for the trainer. */
export interface HarnessData {
  dataset: Dataset<unknown>;
  /** For config.json. */
  description: Json;
  /** Channels of the batch's image fields (A, B, or image). */
  channels: Record<string, number>;
  /** Class names, for cgan. */
  classNames?: string[];
  /** Length of the caption embeddings, for text-conditioned harnesses (StackGAN). */
  textDim?: number;
}

/** A synthetic set as a harness takes it: its fields renamed to the harness's batch. */
export interface SyntheticSource {
  /** Samples drawn when `count` is not given. */
  count: number;
  load(base: { seed: number; size: number; count: number }): Omit<HarnessData, 'description'>;
}

/** What a folder layout gets: the resolved data options. */
export interface FolderContext {
  dir: string;
  split: 'train' | 'test';
  size: number;
  seed: number;
  /** The preprocessing as config.json records it. */
  preprocess: PreprocessOptions;
  /** The caller's own preprocess choice, when given. */
  requested: PreprocessOptions['preprocess'];
  description: Record<string, Json>;
  where: string;
}

/** A folder layout of the reference implementations (aligned pairs, trainA/trainB, ...). */
export interface FolderLayout {
  /** For messages: what the folder must hold. */
  describe: string;
  load(context: FolderContext): Promise<HarnessData>;
}

/** Where a harness's data comes from and how its images are prepared. */
export interface HarnessDataSpec {
  /** 'synthetic:<set>' or a folder, when the user gives none. */
  default: string;
  /** The synthetic sets the harness accepts, by name. */
  synthetic: Record<string, SyntheticSource>;
  /**
   * junyanz's resize, random crop and flip on the synthetic pairs' A and B: one draw a
   * pair ('shared', pix2pix) or one a side ('separate', CycleGAN); absent: none.
   */
  pairPreprocess?: 'shared' | 'separate';
  folder: FolderLayout;
}

/** The command line's defaults for a harness. */
export interface HarnessCliDefaults {
  size: number;
  batch: number;
  epochs: number;
  /** junyanz's lr_policy linear (half the epochs constant, half decaying) unless --schedule. */
  linearDecay?: boolean;
  /** The generators' EMA β the command keeps unless --ema says otherwise (ProGAN: 0.999). */
  ema?: number;
}

/**
 * Everything about one harness that the registry, the data resolver and the command
 * line need: a harness is its file, exporting one of these, and one row in
 * `HARNESSES` (harnesses/table.ts).
 */
export interface HarnessDescriptor<O = any> {
  name: string;
  /** One line for the command's help. */
  summary: string;
  /** Checks the options and fills the defaults: what config.json records. */
  resolve(options?: O): Json;
  create(options: O): Harness;
  /** CLI flags (without '--') that set options. */
  flags: Record<string, HarnessFlag>;
  data: HarnessDataSpec;
  cli: HarnessCliDefaults;
  /**
   * Fills, in place, the options the data decides (channels, size, classes) where the
   * user gave none; throws a typed error when the data cannot serve the harness.
   */
  fromData(options: Record<string, unknown>, data: HarnessData, size: number): void;
  /**
   * Work after `create` that needs files (StackGAN's stage II reads its stage-I run);
   * the command awaits it before training or resuming.
   */
  prepare?(harness: Harness, options: Record<string, unknown>): Promise<void>;
}
