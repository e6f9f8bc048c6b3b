import { ArgumentError, describe, FormatError } from '../errors.js';
import type { ShapeMismatch } from '../module/state-dict.js';
import { tf } from '../tfjs.js';

/** tfjs' (unexported) type of an optimizer weight. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * What a checkpoint keeps of a tfjs optimizer beside its tensors.
 *
 * tfjs names an optimizer's weights after the variables they belong to (Adam's moments
 * are `<variable name>/m` and `/v`), and variable names differ from one process to the
 * next. A checkpoint therefore names each weight by the parameter's place in the
 * modules (`G.down1.conv.weight/m`) and maps it back to whatever the variable is called
 * when it is loaded.
 */
export interface OptimizerRecord {
  /** tfjs' class name ('Adam', 'SGD', ...): state only loads into the same kind. */
  className: string;
  /** getConfig(), for the record (learning rate and so on); loading does not apply it. */
  config: unknown;
  iterations: number;
  /** The per-variable weights in getWeights() order, as [parameter name, slot]. */
  slots: [string, string][];
  /** Scalar variables the optimizer keeps outside getWeights (Adam's powers of beta). */
  scalars: Record<string, { value: number; dtype: 'float32' | 'int32' }>;
}

/** The name a checkpoint gives an optimizer weight: `<parameter>/<slot>`. */
export function slotKey(parameter: string, slot: string): string {
  return `${parameter}/${slot}`;
}

/**
 * Own fields holding scalar tf.Variables: state that getWeights() leaves out. Adam
 * recomputes its accumulated beta powers as beta^(t+1) in setWeights, which can differ
 * from the product it accumulated by an ulp; keeping them makes a resumed run exact.
 */
function scalarFields(optimizer: tf.Optimizer): [string, tf.Variable][] {
  return Object.entries(optimizer).filter(
    (entry): entry is [string, tf.Variable] =>
      entry[1] instanceof tf.Variable &&
      entry[1].rank === 0 &&
      (entry[1].dtype === 'float32' || entry[1].dtype === 'int32'),
  );
}

async function weightsOf(label: string, optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  try {
    return await optimizer.getWeights();
  } catch (error) {
    throw new ArgumentError(
      `optimizer '${label}' (${optimizer.getClassName()}) cannot report its state: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * An optimizer's state: its record and its weights by `slotKey`. The tensors are the
 * optimizer's own variables (read them before the optimizer steps again; do not
 * dispose them). `parameterName` maps a tfjs variable name to its checkpoint name.
 */
export async function captureOptimizer(
  label: string,
  optimizer: tf.Optimizer,
  parameterName: Map<string, string>,
): Promise<{ record: OptimizerRecord; tensors: Record<string, tf.Tensor> }> {
  const weights = await weightsOf(label, optimizer);
  // The first weight is the iteration count, a fresh scalar.
  const [iterations, ...rest] = weights;
  if (iterations) tf.dispose(iterations.tensor);
  const slots: [string, string][] = [];
  const tensors: Record<string, tf.Tensor> = {};
  for (const { name, tensor } of rest) {
    const split = splitWeightName(name, parameterName);
    if (!split) {
      throw new ArgumentError(
        `optimizer '${label}' holds state for the variable ${JSON.stringify(name.replace(/\/[^/]*$/, ''))}, which belongs to none of the modules saved with it`,
      );
    }
    const key = slotKey(split[0], split[1]);
    if (Object.hasOwn(tensors, key)) {
      throw new ArgumentError(
        `optimizer '${label}' holds two weights named ${JSON.stringify(key)}`,
      );
    }
    slots.push(split);
    tensors[key] = tensor;
  }
  const scalars: OptimizerRecord['scalars'] = {};
  for (const [field, variable] of scalarFields(optimizer)) {
    scalars[field] = {
      value: (await variable.data())[0]!,
      dtype: variable.dtype as 'float32' | 'int32',
    };
  }
  return {
    record: {
      className: optimizer.getClassName(),
      config: optimizer.getConfig(),
      iterations: optimizer.iterations,
      slots,
      scalars,
    },
    tensors,
  };
}

/** `<variable name>/<slot>` -> [parameter name, slot], trying the longest name first. */
function splitWeightName(
  name: string,
  parameterName: Map<string, string>,
): [string, string] | undefined {
  for (let cut = name.lastIndexOf('/'); cut > 0; cut = name.lastIndexOf('/', cut - 1)) {
    const parameter = parameterName.get(name.slice(0, cut));
    if (parameter !== undefined) return [parameter, name.slice(cut + 1)];
  }
  return undefined;
}

/** Checks a record read from a file; anything malformed is a FormatError. */
export function parseOptimizerRecord(label: string, value: unknown): OptimizerRecord {
  const fail = (what: string): never => {
    throw new FormatError(`checkpoint: the record of optimizer '${label}' ${what}`);
  };
  if (typeof value !== 'object' || value === null) fail(`is ${describe(value)}`);
  const r = value as Partial<OptimizerRecord>;
  if (typeof r.className !== 'string') fail('names no class');
  if (!Number.isSafeInteger(r.iterations) || (r.iterations as number) < 0)
    fail('has no iteration count');
  if (
    !Array.isArray(r.slots) ||
    !r.slots.every(
      (s) =>
        Array.isArray(s) && s.length === 2 && typeof s[0] === 'string' && typeof s[1] === 'string',
    )
  ) {
    fail('has no valid slot list');
  }
  if (typeof r.scalars !== 'object' || r.scalars === null) fail('has no scalars');
  for (const [field, s] of Object.entries(r.scalars as object)) {
    const scalar = s as { value?: unknown; dtype?: unknown };
    if (
      typeof scalar?.value !== 'number' ||
      (scalar.dtype !== 'float32' && scalar.dtype !== 'int32')
    ) {
      fail(`has an invalid scalar '${field}'`);
    }
  }
  return r as OptimizerRecord;
}

/** A checked restore: what does not fit, and how to apply it when everything does. */
export interface OptimizerRestore {
  /** Problems other than keys: another optimizer class. */
  errors: string[];
  /** Parameters the state is for that the modules lack. */
  missing: string[];
  mismatched: ShapeMismatch[];
  apply(): Promise<void>;
}

/**
 * Matches a saved optimizer state with an optimizer and the variables it will train
 * (`variables`: checkpoint parameter name -> variable), changing nothing until
 * `apply()`. The saved weights must come in the order the optimizer will see the
 * variables (tfjs' Adam keeps its moments by position): pass the same variable list,
 * e.g. `module.parameters()`, before and after resuming.
 */
export function planOptimizerRestore(
  label: string,
  optimizer: tf.Optimizer,
  record: OptimizerRecord,
  tensors: Record<string, tf.Tensor>,
  variables: Map<string, tf.Variable>,
): OptimizerRestore {
  const errors: string[] = [];
  const missing: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  if (record.className !== optimizer.getClassName()) {
    errors.push(
      `optimizer '${label}' is ${optimizer.getClassName()}, but the checkpoint holds the state of ${record.className}`,
    );
  }
  const weights: NamedTensor[] = [];
  for (const [parameter, slot] of record.slots) {
    const key = slotKey(parameter, slot);
    const tensor = tensors[key];
    if (!Object.hasOwn(tensors, key) || !tensor) {
      throw new FormatError(
        `checkpoint: optimizer '${label}' lists ${JSON.stringify(key)}, but the file lacks it`,
      );
    }
    const variable = variables.get(parameter);
    if (!variable) {
      missing.push(parameter);
      continue;
    }
    if (!tf.util.arraysEqual(variable.shape, tensor.shape)) {
      mismatched.push({ key, expected: variable.shape, got: tensor.shape });
      continue;
    }
    weights.push({ name: slotKey(variable.name, slot), tensor });
  }

  const apply = async () => {
    // setWeights replaces the optimizer's weight variables without releasing the old.
    const old = await weightsOf(label, optimizer);
    tf.dispose(old.map((w) => w.tensor));
    const iterations = tf.scalar(record.iterations, 'int32');
    try {
      // setWeights wraps each tensor in a new variable sharing its memory, so the
      // caller may dispose the tensors afterwards.
      await optimizer.setWeights([{ name: 'iter', tensor: iterations }, ...weights]);
    } finally {
      iterations.dispose();
    }
    const fields = new Map(scalarFields(optimizer));
    for (const [field, { value, dtype }] of Object.entries(record.scalars)) {
      const variable = fields.get(field);
      if (variable && variable.dtype === dtype) {
        tf.tidy(() => variable.assign(tf.scalar(value, dtype)));
      }
    }
  };
  return { errors, missing, mismatched, apply };
}
