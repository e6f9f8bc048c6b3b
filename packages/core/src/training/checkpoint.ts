import { ArgumentError, AtelierError, describe, FormatError, StateDictError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { isModule } from '../module/members.js';
import type { Module } from '../module/module.js';
import { describeProblems, type ShapeMismatch } from '../module/state-dict.js';
import { tf } from '../tfjs.js';
import { nodeFiles, writeFileAtomic } from './atomic-file.js';
import {
  captureOptimizer,
  type OptimizerRecord,
  type OptimizerRestore,
  parseOptimizerRecord,
  planOptimizerRestore,
} from './optimizer-state.js';

/**
 * A checkpoint is one safetensors file:
 *   modules.<module>.<state key>            every module's state dict (tfjs layouts)
 *   optimizers.<optimizer>.<parameter>/<slot>  optimizer weights, by parameter name
 *                                           (`<module>.<state key>`), e.g. Adam's /m, /v
 * and, under the metadata key `atelier.checkpoint`, JSON: the format version, the step,
 * the RNG state, the caller's extra data and each optimizer's record (class, config,
 * iteration count, slot order, scalar state).
 */
const METADATA_KEY = 'atelier.checkpoint';
const FORMAT = 'atelier-checkpoint';
const VERSION = 1;

export interface SaveCheckpointOptions {
  /** The networks, by a name without dots or slashes ('G', 'D_A'). */
  modules: Record<string, Module>;
  /** The optimizers training them; their state must be for these modules' parameters. */
  optimizers?: Record<string, tf.Optimizer>;
  /** The training step reached. */
  step: number;
  /** The random generator's state (JSON), such as `rng.state()`. */
  rng?: unknown;
  /** Anything else to resume with (JSON): epoch, schedule, losses, options. */
  extra?: unknown;
}

export interface LoadCheckpointOptions {
  /** The networks to load into, by the names they were saved under. */
  modules: Record<string, Module>;
  /** The optimizers to restore, by the names they were saved under. */
  optimizers?: Record<string, tf.Optimizer>;
}

export interface CheckpointInfo {
  step: number;
  rng: unknown;
  extra: unknown;
}

interface CheckpointMetadata {
  format: typeof FORMAT;
  version: number;
  step: number;
  rng?: unknown;
  extra?: unknown;
  modules: Record<string, { className: string }>;
  optimizers: Record<string, OptimizerRecord>;
}

const NAME = /^[^./]+$/;

function checkNames(
  record: unknown,
  what: string,
  fn: string,
  isItem: (v: unknown) => boolean,
): string[] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new ArgumentError(
      `${fn}: ${what} must be a record of name -> ${what.replace(/s$/, '')}, got ${describe(record)}`,
    );
  }
  const names = Object.keys(record);
  for (const name of names) {
    if (!NAME.test(name)) {
      throw new ArgumentError(
        `${fn}: ${what} names must be non-empty and free of '.' and '/', got ${JSON.stringify(name)}`,
      );
    }
    if (!isItem((record as Record<string, unknown>)[name])) {
      throw new ArgumentError(
        `${fn}: ${what}.${name} is ${describe((record as Record<string, unknown>)[name])}`,
      );
    }
  }
  return names;
}

const isOptimizer = (value: unknown): boolean => value instanceof tf.Optimizer;

function checkJson(value: unknown, what: string): void {
  if (value === undefined) return;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new ArgumentError(`saveCheckpoint: ${what} must be JSON: ${(error as Error).message}`);
  }
  if (text === undefined)
    throw new ArgumentError(`saveCheckpoint: ${what} must be JSON, got ${describe(value)}`);
}

/**
 * Saves modules, optimizers, the step, the RNG state and extra JSON to one file, so
 * that training resumes exactly (Node only). The file is replaced atomically: a crash
 * while saving leaves the previous checkpoint intact.
 *
 * @example
 * await saveCheckpoint('run/checkpoint.safetensors', {
 *   modules: { G: generator, D: discriminator },
 *   optimizers: { G: optG },
 *   step: 1000,
 *   extra: { epoch: 3 },
 * });
 */
export async function saveCheckpoint(path: string, options: SaveCheckpointOptions): Promise<void> {
  if (!__NODE__) throw new AtelierError('saveCheckpoint: checkpoints are files; they need Node');
  if (typeof path !== 'string' || path === '') {
    throw new ArgumentError(
      `saveCheckpoint: path must be a non-empty string, got ${describe(path)}`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(
      `saveCheckpoint: expected options { modules, step, ... }, got ${describe(options)}`,
    );
  }
  const moduleNames = checkNames(options.modules, 'modules', 'saveCheckpoint', isModule);
  const optimizers = options.optimizers ?? {};
  const optimizerNames = checkNames(optimizers, 'optimizers', 'saveCheckpoint', isOptimizer);
  if (!Number.isSafeInteger(options.step) || options.step < 0) {
    throw new ArgumentError(
      `saveCheckpoint: step must be a non-negative integer, got ${describe(options.step)}`,
    );
  }
  checkJson(options.rng, 'rng');
  checkJson(options.extra, 'extra');

  const owned: tf.Tensor[] = [];
  try {
    const tensors: Record<string, tf.Tensor> = {};
    const parameterName = new Map<string, string>();
    const metadata: CheckpointMetadata = {
      format: FORMAT,
      version: VERSION,
      step: options.step,
      ...(options.rng !== undefined ? { rng: options.rng } : {}),
      ...(options.extra !== undefined ? { extra: options.extra } : {}),
      modules: {},
      optimizers: {},
    };
    for (const name of moduleNames) {
      const module = options.modules[name]!;
      metadata.modules[name] = { className: module.constructor.name };
      const state = module.stateDict();
      for (const [key, tensor] of Object.entries(state)) {
        owned.push(tensor);
        tensors[`modules.${name}.${key}`] = tensor;
      }
      for (const [key, variable] of module.namedParameters()) {
        if (!parameterName.has(variable.name)) parameterName.set(variable.name, `${name}.${key}`);
      }
    }
    for (const name of optimizerNames) {
      const { record, tensors: weights } = await captureOptimizer(
        name,
        optimizers[name]!,
        parameterName,
      );
      metadata.optimizers[name] = record;
      for (const [key, tensor] of Object.entries(weights))
        tensors[`optimizers.${name}.${key}`] = tensor;
    }
    const bytes = await writeSafetensors(tensors, { [METADATA_KEY]: JSON.stringify(metadata) });
    await writeFileAtomic(path, bytes);
  } finally {
    tf.dispose(owned);
  }
}

function parseMetadata(metadata: Record<string, string>): CheckpointMetadata {
  const text = metadata[METADATA_KEY];
  if (text === undefined) {
    throw new FormatError(
      `checkpoint: the file is safetensors but not a checkpoint (no "${METADATA_KEY}" metadata)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`checkpoint: its metadata is not JSON: ${(error as Error).message}`);
  }
  const m = parsed as Partial<CheckpointMetadata> | null;
  if (typeof m !== 'object' || m === null || m.format !== FORMAT) {
    throw new FormatError(`checkpoint: the metadata does not describe an Atelier checkpoint`);
  }
  if (m.version !== VERSION) {
    throw new FormatError(
      `checkpoint: format version ${describe(m.version)}; this version of Atelier reads ${VERSION}`,
    );
  }
  if (!Number.isSafeInteger(m.step) || (m.step as number) < 0) {
    throw new FormatError(`checkpoint: the step is ${describe(m.step)}`);
  }
  for (const field of ['modules', 'optimizers'] as const) {
    if (typeof m[field] !== 'object' || m[field] === null || Array.isArray(m[field])) {
      throw new FormatError(`checkpoint: the metadata has no ${field} record`);
    }
  }
  for (const [name, record] of Object.entries(m.optimizers!)) parseOptimizerRecord(name, record);
  return m as CheckpointMetadata;
}

async function readCheckpointFile(
  path: string,
): Promise<{ tensors: Record<string, tf.Tensor>; metadata: Record<string, string> }> {
  const { fs } = await nodeFiles();
  let file: Uint8Array;
  try {
    file = await fs.readFile(path);
  } catch (error) {
    throw new ArgumentError(
      `loadCheckpoint: cannot read ${JSON.stringify(path)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  // A plain view: Node's Buffer.slice() shares memory where Uint8Array's copies.
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  try {
    return readSafetensors(bytes);
  } catch (error) {
    if (error instanceof FormatError) {
      throw new FormatError(`checkpoint ${JSON.stringify(path)} is corrupt: ${error.message}`, {
        cause: error,
      });
    }
    throw new FormatError(
      `checkpoint ${JSON.stringify(path)} cannot be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Splits `<group>.<name>.<rest>` keys into per-name records of `<rest>` -> tensor. */
function group(
  tensors: Record<string, tf.Tensor>,
  prefix: string,
): Map<string, Record<string, tf.Tensor>> {
  const out = new Map<string, Record<string, tf.Tensor>>();
  for (const [key, tensor] of Object.entries(tensors)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    if (dot <= 0)
      throw new FormatError(
        `checkpoint: tensor ${JSON.stringify(key)} names no ${prefix.slice(0, -2)}`,
      );
    const name = rest.slice(0, dot);
    let record = out.get(name);
    if (!record) out.set(name, (record = {}));
    Object.defineProperty(record, rest.slice(dot + 1), {
      value: tensor,
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

/**
 * Restores modules and optimizers from `saveCheckpoint`'s file and returns the step, RNG
 * state and extra data (Node only). Every named module and optimizer must be in the
 * checkpoint and fit it exactly, or a StateDictError lists every problem and nothing is
 * loaded; the checkpoint may hold more (load a generator alone from a GAN's
 * checkpoint). A file that is not a valid checkpoint is a FormatError.
 *
 * @example
 * const { step, extra } = await loadCheckpoint('run/checkpoint.safetensors', {
 *   modules: { G: generator, D: discriminator },
 *   optimizers: { G: optG },
 * });
 */
export async function loadCheckpoint(
  path: string,
  options: LoadCheckpointOptions,
): Promise<CheckpointInfo> {
  if (!__NODE__) throw new AtelierError('loadCheckpoint: checkpoints are files; they need Node');
  if (typeof path !== 'string' || path === '') {
    throw new ArgumentError(
      `loadCheckpoint: path must be a non-empty string, got ${describe(path)}`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(
      `loadCheckpoint: expected options { modules, optimizers? }, got ${describe(options)}`,
    );
  }
  const moduleNames = checkNames(options.modules, 'modules', 'loadCheckpoint', isModule);
  const optimizers = options.optimizers ?? {};
  const optimizerNames = checkNames(optimizers, 'optimizers', 'loadCheckpoint', isOptimizer);

  const { tensors, metadata } = await readCheckpointFile(path);
  try {
    const meta = parseMetadata(metadata);
    for (const key of Object.keys(tensors)) {
      if (!key.startsWith('modules.') && !key.startsWith('optimizers.')) {
        throw new FormatError(
          `checkpoint: tensor ${JSON.stringify(key)} belongs to no module or optimizer`,
        );
      }
    }
    const moduleStates = group(tensors, 'modules.');
    const optimizerStates = group(tensors, 'optimizers.');

    // Check everything first: a checkpoint that does not fit loads nothing at all.
    const errors: string[] = [];
    const missing: string[] = [];
    const unexpected: string[] = [];
    const mismatched: ShapeMismatch[] = [];
    const variables = new Map<string, tf.Variable>();
    for (const name of moduleNames) {
      const module = options.modules[name]!;
      for (const [key, variable] of module.namedParameters())
        variables.set(`${name}.${key}`, variable);
      if (!Object.hasOwn(meta.modules, name)) {
        errors.push(
          `the checkpoint holds no module '${name}' (it holds ${Object.keys(meta.modules).join(', ') || 'none'})`,
        );
        missing.push(...module.checkStateDict({}).missing.map((k) => `modules.${name}.${k}`));
        continue;
      }
      const result = module.checkStateDict(moduleStates.get(name) ?? {});
      missing.push(...result.missing.map((k) => `modules.${name}.${k}`));
      unexpected.push(...result.unexpected.map((k) => `modules.${name}.${k}`));
      mismatched.push(...result.mismatched.map((m) => ({ ...m, key: `modules.${name}.${m.key}` })));
      for (const m of result.mistyped ?? [])
        errors.push(`modules.${name}.${m.key} is ${m.got}, expected ${m.expected}`);
    }
    const restores: OptimizerRestore[] = [];
    for (const name of optimizerNames) {
      const record = meta.optimizers[name];
      if (!record) {
        errors.push(`the checkpoint holds no optimizer '${name}'`);
        continue;
      }
      const plan = planOptimizerRestore(
        name,
        optimizers[name]!,
        record,
        optimizerStates.get(name) ?? {},
        variables,
      );
      errors.push(...plan.errors);
      missing.push(...plan.missing.map((p) => `optimizers.${name}.${p}`));
      mismatched.push(
        ...plan.mismatched.map((m) => ({ ...m, key: `optimizers.${name}.${m.key}` })),
      );
      restores.push(plan);
    }
    if (errors.length + missing.length + unexpected.length + mismatched.length > 0) {
      const keys = describeProblems({ missing, unexpected, mismatched });
      throw new StateDictError(
        `checkpoint ${JSON.stringify(path)} does not fit (nothing was loaded): ${[...errors, keys].filter(Boolean).join('; ')}`,
        missing,
        unexpected,
        mismatched,
      );
    }

    for (const name of moduleNames)
      options.modules[name]!.loadStateDict(moduleStates.get(name) ?? {});
    for (const restore of restores) await restore.apply();
    return { step: meta.step, rng: meta.rng, extra: meta.extra };
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
