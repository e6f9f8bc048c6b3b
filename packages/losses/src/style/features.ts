import { ArgumentError, describe, tf } from '@atelier/core';
import { finiteNumber, tensorArg } from '../validate.js';

/**
 * What a feature network returns: one tensor, a list (named '0', '1', ...), or layers
 * by name, e.g. { relu1_2, relu2_2, relu3_3, relu4_3 } from VGG-16.
 */
export type Features = tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;

/** Per-layer weights, by layer name (or index for lists); a layer absent is unused. */
export type LayerWeights = Record<string, number> | number[];

export function featureMap(fn: string, name: string, value: unknown): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  if (value instanceof tf.Tensor) {
    out.set('0', tensorArg(fn, name, value));
  } else if (Array.isArray(value)) {
    value.forEach((t, i) => {
      out.set(String(i), tensorArg(fn, `${name}[${i}]`, t));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, t] of Object.entries(value)) out.set(k, tensorArg(fn, `${name}.${k}`, t));
  } else {
    throw new ArgumentError(
      `${fn}: ${name} must be a tensor, an array of tensors or { layer: tensor }, got ${describe(value)}`,
    );
  }
  if (out.size === 0) throw new ArgumentError(`${fn}: ${name} holds no layers`);
  return out;
}

/** The layers to use with their weights: those weighted, else every layer of `from`. */
export function layerWeights(
  fn: string,
  weights: unknown,
  from: Map<string, tf.Tensor>,
): [string, number][] {
  if (weights === undefined) return [...from.keys()].map((k) => [k, 1]);
  let entries: [string, unknown][];
  if (Array.isArray(weights)) entries = weights.map((w, i) => [String(i), w]);
  else if (weights !== null && typeof weights === 'object') entries = Object.entries(weights);
  else {
    throw new ArgumentError(
      `${fn}: weights must be { layer: number } or number[], got ${describe(weights)}`,
    );
  }
  if (entries.length === 0) throw new ArgumentError(`${fn}: weights name no layer`);
  return entries.map(([k, w]) => [k, finiteNumber(fn, `weights.${k}`, w)]);
}

/** The layer `key` of a feature map, or an error naming the layers there are. */
export function layer(
  fn: string,
  name: string,
  map: Map<string, tf.Tensor>,
  key: string,
): tf.Tensor {
  const t = map.get(key);
  if (t === undefined) {
    throw new ArgumentError(
      `${fn}: ${name} has no layer '${key}' (it has ${[...map.keys()].map((k) => `'${k}'`).join(', ')})`,
    );
  }
  return t;
}
