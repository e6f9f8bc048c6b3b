import type { tf } from '@atelier/core';
import type {
  OnnxAttribute,
  OnnxDataType,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx-model.js';
import type { TracedConstant, TracedRef, TracedValue, TypedValues } from './trace.js';

/**
 * Builds the ONNX graph of a trace. TensorFlow.js images are NHWC and ONNX's
 * convolutions, pools, norms and resizes are NCHW: a rank-4 value lives in the graph in
 * whichever layout its producer made (`nchw` after a convolution, `nhwc` for the input
 * and after shape ops), and a consumer that wants the other one gets a Transpose, made
 * once per value. Layout-neutral ops (element-wise, concat, pad, slice) follow their
 * inputs, so a network of convolutions runs in NCHW from its first layer to its last.
 */

export type Layout = 'nhwc' | 'nchw';

export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];
/** Where NHWC axis i went in NCHW. */
export const NCHW_AXIS = [0, 2, 3, 1];

export class UnsupportedError extends Error {}

interface ValueNames {
  shape: number[];
  dtype: tf.DataType;
  /** The layout its producer made. */
  primary: Layout;
  names: Partial<Record<Layout, string>>;
}

export function onnxType(dtype: tf.DataType): OnnxDataType {
  switch (dtype) {
    case 'float32':
      return 'float32';
    case 'int32':
      return 'int32';
    case 'bool':
      return 'bool';
    default:
      throw new UnsupportedError(`tensors of dtype ${dtype}`);
  }
}

/** Reorders a row-major array of the given shape by a permutation of its axes. */
export function transposeValues<T extends TypedValues>(
  values: T,
  shape: number[],
  perm: number[],
): T {
  const rank = shape.length;
  const out = new (values.constructor as new (n: number) => T)(values.length);
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i]!;
  }
  const permStrides = perm.map((p) => inStrides[p]!);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < values.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += index[i]! * permStrides[i]!;
    out[o] = values[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

export const attr = {
  int: (value: number): OnnxAttribute => ({ type: 'int', value }),
  float: (value: number): OnnxAttribute => ({ type: 'float', value }),
  string: (value: string): OnnxAttribute => ({ type: 'string', value }),
  ints: (value: number[]): OnnxAttribute => ({ type: 'ints', value }),
};

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly #values = new Map<number, ValueNames>();
  readonly #constants = new Map<string, string>();
  readonly #memo = new Map<string, string>();
  #counter = 0;

  /**
   * The name `make` gives, made once per key: a weight a step reads several times (each
   * forward and the input gradients) is put in ONNX's layout once, not at every use.
   */
  memo(key: string, make: () => string): string {
    let name = this.#memo.get(key);
    if (name === undefined) {
      name = make();
      this.#memo.set(key, name);
    }
    return name;
  }

  #fresh(prefix: string): string {
    return `${prefix}_${this.#counter++}`;
  }

  /** Declares a traced value under an ONNX name in a layout. */
  define(value: TracedValue, name: string, layout: Layout): void {
    if (layout === 'nchw' && value.shape.length !== 4) {
      throw new Error(`internal: a rank-${value.shape.length} value cannot be NCHW`);
    }
    this.#values.set(value.id, {
      shape: value.shape,
      dtype: value.dtype,
      primary: layout,
      names: { [layout]: name },
    });
  }

  /** The layout a traced value (or constant: NHWC) is in already. */
  layoutOf(ref: TracedRef): Layout {
    if (ref.kind === 'constant') return 'nhwc';
    return this.#value(ref).primary;
  }

  #value(ref: TracedValue): ValueNames {
    const v = this.#values.get(ref.id);
    if (!v) throw new Error(`internal: value ${ref.id} used before it was produced`);
    return v;
  }

  /** Adds an initializer and returns its name. */
  tensor(values: TypedValues | BigInt64Array, dims: number[], dtype: OnnxDataType): string {
    const name = this.#fresh('const');
    this.initializers.push({ name, dtype, dims, data: values });
    return name;
  }

  int64(values: number[]): string {
    return this.tensor(BigInt64Array.from(values.map(BigInt)), [values.length], 'int64');
  }

  scalar(value: number): string {
    return this.tensor(Float32Array.of(value), [], 'float32');
  }

  #constant(c: TracedConstant, layout: Layout): string {
    const key = `${c.id}/${layout}`;
    let name = this.#constants.get(key);
    if (name === undefined) {
      const dtype = onnxType(c.dtype);
      name =
        layout === 'nchw' && c.shape.length === 4
          ? this.tensor(
              transposeValues(c.values, c.shape, TO_NCHW),
              TO_NCHW.map((p) => c.shape[p]!),
              dtype,
            )
          : this.tensor(c.values, c.shape, dtype);
      this.#constants.set(key, name);
    }
    return name;
  }

  /**
   * The ONNX name of an input in a layout. Rank-4 values and constants are transposed
   * to `layout`; other ranks are returned as they are, whatever layout was asked.
   */
  input(ref: TracedRef, layout: Layout): string {
    if (ref.kind === 'constant')
      return this.#constant(ref, ref.shape.length === 4 ? layout : 'nhwc');
    const v = this.#value(ref);
    const want: Layout = v.shape.length === 4 ? layout : 'nhwc';
    const have = v.names[want];
    if (have !== undefined) return have;
    const from = v.names[want === 'nchw' ? 'nhwc' : 'nchw']!;
    const [name] = this.node('Transpose', [from], {
      perm: attr.ints(want === 'nchw' ? TO_NCHW : TO_NHWC),
    });
    v.names[want] = name!;
    return name!;
  }

  /**
   * An input of an element-wise op whose output is rank 4 in `layout`: lower ranks are
   * broadcast as NumPy (and TensorFlow) do, from the last axis, so in NCHW they are
   * first made rank 4 and transposed like the others.
   */
  broadcastInput(ref: TracedRef, layout: Layout): string {
    const rank = ref.shape.length;
    if (layout === 'nhwc' || rank === 4 || rank === 0) return this.input(ref, layout);
    const padded = [...new Array<number>(4 - rank).fill(1), ...ref.shape];
    if (ref.kind === 'constant') {
      return this.#constant({ ...ref, shape: padded, id: ref.id }, 'nchw');
    }
    const [reshaped] = this.node('Reshape', [this.input(ref, 'nhwc'), this.int64(padded)]);
    const [name] = this.node('Transpose', [reshaped!], { perm: attr.ints(TO_NCHW) });
    return name!;
  }

  node(
    op: string,
    inputs: string[],
    attributes: Record<string, OnnxAttribute> = {},
    outputs = 1,
  ): string[] {
    const name = this.#fresh(op);
    const names = Array.from({ length: outputs }, (_, i) =>
      outputs === 1 ? name : `${name}_${i}`,
    );
    this.nodes.push({ op, name, inputs, outputs: names, attributes });
    return names;
  }

  /** Runs one node and defines the kernel's output as its result. */
  emit(
    output: TracedValue,
    layout: Layout,
    op: string,
    inputs: string[],
    attributes: Record<string, OnnxAttribute> = {},
  ): void {
    const [name] = this.node(op, inputs, attributes);
    this.define(output, name!, output.shape.length === 4 ? layout : 'nhwc');
  }

  valueInfo(ref: TracedValue, name: string): OnnxValueInfo {
    return { name, dtype: onnxType(ref.dtype), dims: ref.shape };
  }
}
