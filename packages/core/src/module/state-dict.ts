import { ArgumentError, describe, StateDictError } from '../errors.js';
import {
  convFromTorch,
  convToTorch,
  convTransposeFromTorch,
  convTransposeToTorch,
  depthwiseFromTorch,
  depthwiseToTorch,
  linearFromTorch,
  linearToTorch,
} from '../io/torch-layout.js';
import { tf } from '../tfjs.js';
import type { ParameterKind } from './parameter.js';

/** One key of a module's state dict and the variable behind it. */
export interface StateEntry {
  key: string;
  variable: tf.Variable;
  kind: ParameterKind;
  role: 'parameter' | 'buffer';
}

export interface LoadOptions {
  /** Refuse (and load nothing) unless the keys and shapes match exactly. Default true. */
  strict?: boolean;
  /** The dict holds PyTorch layouts (OIHW convs, (out, in) linears): convert on load. */
  from?: 'torch';
}

export interface ShapeMismatch {
  key: string;
  expected: number[];
  got: number[];
}

export interface DtypeMismatch {
  key: string;
  expected: tf.DataType;
  got: tf.DataType;
}

export interface LoadResult {
  /** Keys the module has and the dict lacks (left as they were). */
  missing: string[];
  /** Keys the dict has and the module does not know (nor ignores). */
  unexpected: string[];
  /** Keys present in both whose shapes differ (left as they were). */
  mismatched: ShapeMismatch[];
  /**
   * Keys present in both whose dtypes cannot be loaded into each other (left as they
   * were); absent when there are none.
   */
  mistyped?: DtypeMismatch[];
}

/** A checked load, ready to apply; `release()` frees the converted tensors it holds. */
export interface LoadPlan {
  className: string;
  strict: boolean;
  result: LoadResult;
  assignments: { variable: tf.Variable; value: tf.Tensor }[];
  release(): void;
}

type Convert = (t: tf.Tensor, target: number[]) => tf.Tensor;

const FROM_TORCH: Record<ParameterKind, Convert | undefined> = {
  conv: (t) => convFromTorch(t),
  convTranspose: (t) => convTransposeFromTorch(t),
  linear: (t) => linearFromTorch(t),
  // The target shape [kh, kw, C, m] tells C, which PyTorch's (C*m, 1, kh, kw) cannot.
  depthwise: (t, target) => depthwiseFromTorch(t, target[2]),
  plain: undefined,
};

const TO_TORCH: Record<ParameterKind, ((t: tf.Tensor) => tf.Tensor) | undefined> = {
  conv: convToTorch,
  convTranspose: convTransposeToTorch,
  linear: linearToTorch,
  depthwise: depthwiseToTorch,
  plain: undefined,
};

/** The state dict of `entries`, cloned (or converted to PyTorch's layouts). */
export function exportStateDict(
  entries: StateEntry[],
  toTorch: boolean,
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const { key, variable, kind } of entries) {
    const convert = toTorch ? TO_TORCH[kind] : undefined;
    out[key] = convert ? convert(variable) : tf.clone(variable);
  }
  return out;
}

/** A shape in PyTorch's layout, for messages (computed by the conversion itself). */
function torchShape(shape: number[], kind: ParameterKind): number[] {
  const convert = TO_TORCH[kind];
  if (!convert) return shape;
  return tf.tidy(() => convert(tf.zeros(shape)).shape);
}

function isIgnored(key: string, ignored: { prefix: string; patterns: RegExp[] }[]): boolean {
  for (const { prefix, patterns } of ignored) {
    if (prefix !== '' && !key.startsWith(`${prefix}.`)) continue;
    const rest = prefix === '' ? key : key.slice(prefix.length + 1);
    for (const pattern of patterns) {
      pattern.lastIndex = 0; // a /g or /y pattern remembers where it stopped
      if (pattern.test(rest)) return true;
    }
  }
  return false;
}

const LIST_LIMIT = 12;

function list(items: string[]): string {
  const shown = items.slice(0, LIST_LIMIT).join(', ');
  return items.length > LIST_LIMIT ? `${shown}, ... (${items.length - LIST_LIMIT} more)` : shown;
}

/** One message naming every problem (the first dozen of each sort, then a count). */
export function describeProblems(result: LoadResult): string {
  const parts: string[] = [];
  const { missing, unexpected, mismatched, mistyped = [] } = result;
  if (missing.length > 0) parts.push(`${missing.length} missing: ${list(missing)}`);
  if (unexpected.length > 0) parts.push(`${unexpected.length} unexpected: ${list(unexpected)}`);
  if (mismatched.length > 0) {
    const shapes = mismatched.map(
      (m) => `${m.key} (expected [${m.expected.join(', ')}], got [${m.got.join(', ')}])`,
    );
    parts.push(`${mismatched.length} of another shape: ${list(shapes)}`);
  }
  if (mistyped.length > 0) {
    const dtypes = mistyped.map((m) => `${m.key} (expected ${m.expected}, got ${m.got})`);
    parts.push(`${mistyped.length} of another dtype: ${list(dtypes)}`);
  }
  return parts.join('; ');
}

function hasProblems(result: LoadResult): boolean {
  const { missing, unexpected, mismatched, mistyped = [] } = result;
  return missing.length + unexpected.length + mismatched.length + mistyped.length > 0;
}

/**
 * Whether a tensor of dtype `given` may be loaded into a variable of dtype `target`.
 * Floats take floats only: integer weights silently cast into a convolution would
 * hide a wrong file (PyTorch refuses them too). Integer buffers (counters such as
 * num_batches_tracked, int64 in PyTorch) also take float32, as some tools save them.
 */
function loadableDtype(given: tf.DataType, target: tf.DataType): boolean {
  return given === target || (target === 'int32' && given === 'float32');
}

/** PyTorch fills in a batch norm's missing counter (safetensors conversions drop it). */
const FILLED_WHEN_MISSING = /(^|\.)num_batches_tracked$/;

/**
 * Matches a dict against a module's entries without changing anything: which keys go
 * where (converted from PyTorch's layout if asked), and what is missing, unexpected or
 * of another shape.
 */
export function planLoad(
  className: string,
  entries: StateEntry[],
  ignored: { prefix: string; patterns: RegExp[] }[],
  dict: Record<string, tf.Tensor>,
  options: LoadOptions,
): LoadPlan {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(
      `${className}.loadStateDict: options must be an object, got ${describe(options)}`,
    );
  }
  const strict = options.strict ?? true;
  if (typeof strict !== 'boolean') {
    throw new ArgumentError(
      `${className}.loadStateDict: strict must be a boolean, got ${describe(strict)}`,
    );
  }
  if (options.from !== undefined && options.from !== 'torch') {
    throw new ArgumentError(
      `${className}.loadStateDict: from must be 'torch' or absent, got ${describe(options.from)}`,
    );
  }
  if (
    typeof dict !== 'object' ||
    dict === null ||
    Array.isArray(dict) ||
    dict instanceof tf.Tensor
  ) {
    throw new ArgumentError(
      `${className}.loadStateDict: expected a record of name -> tensor, got ${describe(dict)}`,
    );
  }
  for (const key of Object.keys(dict)) {
    const value = dict[key];
    if (!(value instanceof tf.Tensor)) {
      throw new ArgumentError(
        `${className}.loadStateDict: '${key}' should be a tensor, got ${describe(value)}`,
      );
    }
    if (value.isDisposed) {
      throw new ArgumentError(`${className}.loadStateDict: the tensor '${key}' is disposed`);
    }
  }

  const fromTorch = options.from === 'torch';
  const owned: tf.Tensor[] = [];
  const result: LoadResult = { missing: [], unexpected: [], mismatched: [] };
  const mistyped: DtypeMismatch[] = [];
  const assignments: LoadPlan['assignments'] = [];
  const known = new Set<string>();

  for (const { key, variable, kind, role } of entries) {
    known.add(key);
    if (!Object.hasOwn(dict, key)) {
      if (role === 'buffer' && FILLED_WHEN_MISSING.test(key)) {
        const zero = tf.zeros(variable.shape, variable.dtype);
        owned.push(zero);
        assignments.push({ variable, value: zero });
      } else result.missing.push(key);
      continue;
    }
    const given = dict[key]!;
    if (!loadableDtype(given.dtype, variable.dtype)) {
      mistyped.push({ key, expected: variable.dtype, got: given.dtype });
      continue;
    }
    let value = given;
    const convert = fromTorch ? FROM_TORCH[kind] : undefined;
    if (convert) {
      try {
        value = convert(given, variable.shape);
        owned.push(value);
      } catch {
        // A weight whose rank does not fit the layout cannot be converted: a mismatch.
        result.mismatched.push({
          key,
          expected: torchShape(variable.shape, kind),
          got: given.shape,
        });
        continue;
      }
    }
    if (!tf.util.arraysEqual(value.shape, variable.shape)) {
      result.mismatched.push({
        key,
        expected: fromTorch ? torchShape(variable.shape, kind) : variable.shape,
        got: given.shape,
      });
      continue;
    }
    if (value.dtype !== variable.dtype) {
      // An integer counter saved as float32 (see loadableDtype).
      value = tf.cast(value, variable.dtype);
      owned.push(value);
    }
    assignments.push({ variable, value });
  }
  for (const key of Object.keys(dict)) {
    if (!known.has(key) && !isIgnored(key, ignored)) result.unexpected.push(key);
  }
  if (mistyped.length > 0) result.mistyped = mistyped;

  return {
    className,
    strict,
    result,
    assignments,
    release: () => tf.dispose(owned),
  };
}

/** Loads a plan: all of it, or (strict, with problems) none of it and a StateDictError. */
export function applyLoad(plan: LoadPlan): LoadResult {
  try {
    if (plan.strict && hasProblems(plan.result)) {
      const { missing, unexpected, mismatched, mistyped } = plan.result;
      throw new StateDictError(
        `${plan.className}: the state dict does not fit (nothing was loaded): ${describeProblems(plan.result)}`,
        missing,
        unexpected,
        mismatched,
        mistyped,
      );
    }
    for (const { variable, value } of plan.assignments) variable.assign(value);
    return plan.result;
  } finally {
    plan.release();
  }
}
