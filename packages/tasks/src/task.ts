import type { tf } from '@atelier/core';
import type { Dataset } from '@atelier/datasets';
import type { Harness, Json, JsonObject, TrainProgress, TrainResult } from '@atelier/gan';

/** Where a task's samples come from and how many. */
export interface TaskDataOptions {
  /** 'synthetic:<set>' or a folder of images; default the task's embedded set. */
  data?: string;
  /** Side of the square images the networks see. */
  size: number;
  /** Seeds synthetic data; the 'test' split of a synthetic set uses another seed. */
  seed: number;
  /** Synthetic samples; default the task's. */
  count?: number;
  /** 'train' (default) or 'test' (held out). */
  split?: 'train' | 'test';
}

export interface TaskData {
  /** Unbatched samples, one record of tensors each, as the trainer collates them. */
  dataset: Dataset<unknown>;
  /** For config.json: where the data came from. */
  description: Json;
  /** Options the data decides (channels), filled in where the user gave none. */
  fills: JsonObject;
}

/** A network trained by a task, ready for inference (eval mode). */
export interface TaskModel {
  /** The task's CLI name. */
  readonly task: string;
  /** The resolved options the networks were built with. */
  readonly config: JsonObject;
  /**
   * The task's output for images [N, H, W, C] in [0, 1]: the reconstruction, the
   * denoised image, the simplified sketch, ... also in [0, 1]. Runs inside tf.tidy.
   */
  apply(images: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/** A command-line flag of a task: the option it sets and how to read its value. */
export interface TaskFlag {
  option: string;
  kind: 'int' | 'number' | 'string' | 'boolean';
  help: string;
}

/** What a task trains with when the caller says nothing. */
export interface TaskDefaults {
  data: string;
  size: number;
  steps: number;
  batch: number;
}

/**
 * One task: its options and flags, its data, its harness on the gan trainer and its
 * inference model. Adding a task is one file exporting one descriptor and one row in
 * the table of `registry.ts`.
 */
export interface TaskDescriptor<
  O extends object = object,
  H extends Harness = Harness,
  M extends TaskModel = TaskModel,
> {
  /** The CLI name: `atelier task <name>`. */
  readonly name: string;
  readonly summary: string;
  /** Flags of `atelier task <name>` beyond the common ones, by flag name. */
  readonly flags: Record<string, TaskFlag>;
  readonly defaults: TaskDefaults;
  /** True when the networks take only their training size (a dense layer): inputs are resized. */
  readonly fixedSize?: boolean;
  /** Sides the networks take must be multiples of this (inputs are resized to fit); default 1. */
  readonly sizeMultiple?: number;
  /** Modules whose weights a run exports (`<name>.safetensors`) and `load` reads. */
  readonly exported: readonly string[];
  /** The task's samples (training or held-out split). */
  data(options: TaskDataOptions): Promise<TaskData>;
  /** The training harness, from options (resolved and validated, typed errors). */
  create(options?: O): H;
  /** The inference model from exported weights (PyTorch layout) and the resolved options. */
  fromWeights(weights: Record<string, Record<string, tf.Tensor>>, config: JsonObject): M;
}

/** Options of `train` for every task. */
export interface TaskTrainOptions<O extends object = object> {
  /** The task's own options (network, loss weights, ...). */
  options?: O;
  /** 'synthetic:<set>' or a folder; or a dataset of samples in the task's fields. */
  data?: string | Dataset<unknown>;
  /** Image side; default the task's. */
  size?: number;
  /** Synthetic samples. */
  count?: number;
  steps?: number;
  batch?: number;
  /** Seeds data, weights and noise; default 0. */
  seed?: number;
  /** The run folder (config, metrics, samples, checkpoint, weights, report). */
  out?: string;
  /** Continue the run in `out`. */
  resume?: boolean;
  /** Start a new run in `out` even though it holds files or a run (they are replaced). */
  force?: boolean;
  checkpointEvery?: number;
  logEvery?: number;
  sampleEvery?: number;
  /** A time budget in seconds (the run ends normally after the step that reaches it). */
  maxSeconds?: number;
  onProgress?: (progress: TrainProgress) => void;
  signal?: AbortSignal;
  handleSignals?: boolean;
}

export interface TaskTrainResult<M extends TaskModel = TaskModel> {
  result: TrainResult;
  /** The trained networks (the exported ones), for inference; the caller disposes it. */
  model: M;
}
