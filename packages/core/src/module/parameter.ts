import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';

/**
 * How a parameter's axes are laid out, so weights can move to and from PyTorch:
 * - `conv`: tfjs [kh, kw, in, out] (HWIO), PyTorch (out, in, kh, kw) (OIHW)
 * - `convTranspose`: tfjs [kh, kw, out, in], PyTorch (in, out, kh, kw)
 * - `linear`: tfjs [in, out], PyTorch (out, in)
 * - `depthwise`: tfjs [kh, kw, in, multiplier], PyTorch (in * multiplier, 1, kh, kw)
 * - `plain`: the same in both (biases, norm scales, buffers)
 */
export type ParameterKind = 'conv' | 'convTranspose' | 'linear' | 'depthwise' | 'plain';

export const PARAMETER_KINDS: readonly ParameterKind[] = [
  'conv',
  'convTranspose',
  'linear',
  'depthwise',
  'plain',
];

/** The rank each layout needs; `plain` takes any. */
const KIND_RANK: Partial<Record<ParameterKind, number>> = {
  conv: 4,
  convTranspose: 4,
  linear: 2,
  depthwise: 4,
};

/** A trainable tf.Variable created by `parameter()`: what optimizers update. */
export type Parameter = tf.Variable;

interface VariableInfo {
  role: 'parameter' | 'buffer';
  kind: ParameterKind;
}

// Kept beside the variables rather than on them: tf.Variable has no slot for it, and a
// WeakMap lets a disposed, forgotten variable go.
const info = new WeakMap<tf.Variable, VariableInfo>();

let counter = 0;

/**
 * A name no registered tfjs variable has. tfjs keys variables by name (optimizers and
 * variableGrads too), so two modules must never share one; the counter guarantees it
 * within this process, the lookup against a variable somebody else named so.
 */
function freshName(role: 'parameter' | 'buffer'): string {
  const registered = tf.engine().registeredVariables;
  let name: string;
  do {
    name = `atelier_${role}_${++counter}`;
  } while (registered[name] !== undefined);
  return name;
}

/** A tensor, or a function making one (run inside tf.tidy, so its temporaries go). */
export type TensorInit = tf.Tensor | (() => tf.Tensor);

function initialValue(init: TensorInit, what: string): tf.Tensor {
  if (typeof init === 'function') {
    const value = tf.tidy(init);
    if (!(value instanceof tf.Tensor)) {
      throw new ArgumentError(
        `${what}: the initialiser must return a tensor, got ${describe(value)}`,
      );
    }
    return value;
  }
  if (!(init instanceof tf.Tensor) || init instanceof tf.Variable) {
    throw new ArgumentError(
      `${what}: expected a tensor (or a function returning one), got ${
        init instanceof tf.Variable ? 'a tf.Variable' : describe(init)
      }`,
    );
  }
  if (init.isDisposed) throw new ArgumentError(`${what}: the tensor given is disposed`);
  return init;
}

function makeVariable(
  init: TensorInit,
  role: 'parameter' | 'buffer',
  kind: ParameterKind,
): tf.Variable {
  const what = role === 'parameter' ? `parameter(${kind})` : 'buffer()';
  if (!PARAMETER_KINDS.includes(kind)) {
    throw new ArgumentError(
      `${what}: kind must be one of ${PARAMETER_KINDS.join(', ')}, got ${describe(kind)}`,
    );
  }
  const value = initialValue(init, what);
  const rank = KIND_RANK[kind];
  if (rank !== undefined && value.rank !== rank) {
    value.dispose();
    throw new ShapeError(`${what}: a ${kind} weight has rank ${rank}, got ${describe(value)}`);
  }
  if (role === 'parameter' && value.dtype !== 'float32') {
    value.dispose();
    throw new ArgumentError(`${what}: parameters are float32, got ${value.dtype}`);
  }
  // The variable shares the value's memory; the value itself is taken over and released.
  const variable = tf.variable(value, role === 'parameter', freshName(role));
  value.dispose();
  info.set(variable, { role, kind });
  return variable;
}

/**
 * A trainable parameter: a tf.Variable with a unique name, usable with tfjs optimizers
 * and tf.variableGrads, whose `kind` says how to convert it to and from PyTorch.
 * A tensor given directly is taken over (disposed here; the variable keeps its memory).
 */
export function parameter(init: TensorInit, kind: ParameterKind = 'plain'): Parameter {
  return makeVariable(init, 'parameter', kind);
}

/**
 * A buffer: state that is saved and loaded with the module but not trained, such as
 * batch norm's running_mean, running_var and num_batches_tracked (int32). Update it in
 * place with `assign`. A tensor given directly is taken over.
 */
export function buffer(init: TensorInit): tf.Variable {
  return makeVariable(init, 'buffer', 'plain');
}

/**
 * The layout kind of a variable. Variables made without `parameter()` count as `plain`.
 */
export function parameterKind(variable: tf.Variable): ParameterKind {
  return info.get(variable)?.kind ?? 'plain';
}

/**
 * True for a parameter (made by `parameter()`, or a trainable variable made otherwise),
 * false for a buffer (made by `buffer()`, or a non-trainable variable made otherwise).
 * Freezing a parameter (`trainable = false`) keeps it a parameter.
 */
export function isParameter(variable: tf.Variable): boolean {
  const known = info.get(variable);
  return known ? known.role === 'parameter' : variable.trainable;
}
