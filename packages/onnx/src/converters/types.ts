import type { GraphBuilder } from '../graph-builder.js';
import { UnsupportedError } from '../graph-builder.js';
import type { TracedKernel, TracedRef, TracedValue } from '../trace.js';

/** Writes the ONNX nodes of one traced kernel, defining its outputs. */
export type Converter = (b: GraphBuilder, k: TracedKernel) => void;

/** A named input of the kernel. */
export function inputOf(k: TracedKernel, name: string): TracedRef {
  const found = k.inputs.find(([key]) => key === name);
  if (!found) throw new UnsupportedError(`${k.name} without its input '${name}'`);
  return found[1];
}

/** The input if the op passed it (optional inputs such as a fused bias). */
export function optionalInputOf(k: TracedKernel, name: string): TracedRef | undefined {
  return k.inputs.find(([key]) => key === name)?.[1];
}

export function outputOf(k: TracedKernel, index = 0): TracedValue {
  const out = k.outputs[index];
  if (!out) throw new UnsupportedError(`${k.name} without output ${index}`);
  return out;
}

/** `n` or `[h, w]` as [h, w]. */
export function pair(value: unknown, what: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    return [value[0] as number, value[1] as number];
  }
  throw new UnsupportedError(`${what} ${JSON.stringify(value)}`);
}

/** An axis of a rank-`rank` tensor, negative ones counted from the end. */
export function normaliseAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
