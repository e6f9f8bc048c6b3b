import type { Module, Rng, RngState, tf } from '@atelier/core';

/** A value config.json and checkpoints can hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An optimizer of a harness, the modules it trains and its base learning rate. */
export interface HarnessOptimizer {
  optimizer: tf.Optimizer;
  /** Names in `Harness.modules`; their trainable parameters, in this order, are updated. */
  modules: string[];
  /** The rate the learning-rate schedule multiplies. */
  lr: number;
}

/** Scalar losses by name, as a training step computes and logs them. */
export type LossTerms = Record<string, tf.Scalar>;

/**
 * What a harness's step gets from the trainer. `update` is the only way parameters
 * change: it runs `loss` under a gradient tape for one optimizer's variables, weighs
 * the terms, applies the gradients and logs every term.
 */
export interface StepContext {
  /** This step's index, from 0. */
  readonly step: number;
  /** The epoch the step's batches come from, from 0. */
  readonly epoch: number;
  /** The harness's random stream (noise, pool draws); saved in checkpoints. */
  readonly rng: Rng;
  /**
   * One gradient update of optimizer `name`: total = Σ weights[k]·terms[k] (weight 1
   * where not given; a weight 0 logs a term without training on it). Calls may nest:
   * an update run inside another's `loss` (a discriminator step inside the generator's
   * forward pass, to reuse its fakes) applies before the outer loss is read on.
   * A list of loss functions is one update whose gradients are summed part by part:
   * the same step as one loss of all their terms, in a fraction of the memory (each
   * part's tape is freed before the next is recorded).
   */
  update(
    name: string,
    loss: (() => LossTerms) | (() => LossTerms)[],
    weights?: Record<string, number>,
  ): void;
  /** Logs values without training on them. */
  log(terms: LossTerms): void;
  /** Keeps a tensor made inside an update's loss until the step ends. */
  keep<T extends tf.Tensor>(tensor: T): T;
}

/** One column of the sample grid: a title and one image per row, [N, H, W, C] in [-1, 1]. */
export interface SampleColumn {
  title: string;
  images: tf.Tensor4D;
}

/**
 * A training harness: the networks, their optimizers and one training step. The trainer
 * owns everything around it: data order, schedules, EMA, checkpoints, logs, samples,
 * reports, progress, resuming. `B` is the batch the step takes (the dataset's samples
 * stacked by field).
 *
 * Harnesses compose: a chain of harnesses is a harness whose modules and optimizers
 * are its stages' under prefixed names and whose step runs the stages' steps.
 */
export interface Harness<B = unknown> {
  /** 'pix2pix', 'cyclegan', ...: checkpoints record it and refuse another harness. */
  readonly name: string;
  /** The harness's resolved options, as config.json records them. */
  readonly config: JsonObject;
  /** Every network and stateful part (pools), by a name without '.' or '/'. */
  readonly modules: Record<string, Module>;
  readonly optimizers: Record<string, HarnessOptimizer>;
  /** The generators: their weights get the EMA and are what a run exports. */
  readonly generators: string[];
  /** Batches one step consumes (nCritic: one per critic update); default 1. */
  readonly batchesPerStep?: number;
  /** The logged term a plateau schedule watches (lower is better). */
  readonly monitor?: string;
  /** Checks a batch before training on it: typed errors for wrong shapes or channels. */
  check(batch: B): void;
  /** One training step. */
  step(batches: B[], ctx: StepContext): void;
  /**
   * The columns of a sample grid for `batch` (fixed samples the trainer keeps), made
   * with `generators` (the EMA shadows when the run keeps them). Runs inside tf.tidy.
   */
  samples(batch: B, generators: Record<string, Module>): SampleColumn[];
  /** A fresh network like `modules[name]`, for an EMA shadow. */
  createModule(name: string): Module;
  /** State besides modules and the RNG that a resume needs (JSON). */
  state?(): Json;
  setState?(state: Json): void;
  /** Called once the modules' state was loaded from a checkpoint. */
  afterLoad?(): void;
  dispose(): void;
}

/** Modules whose layers draw random numbers of their own (dropout) expose their stream. */
export interface RandomStateful {
  randomState(): RngState;
  setRandomState(state: RngState): void;
}

export function isRandomStateful(value: unknown): value is RandomStateful {
  return (
    typeof (value as RandomStateful | null)?.randomState === 'function' &&
    typeof (value as RandomStateful | null)?.setRandomState === 'function'
  );
}
