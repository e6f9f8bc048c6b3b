import { ArgumentError, describe, tf } from '@atelier/core';
import { broadcastsTo, finiteNumber } from '../validate.js';
import { type AdversarialKind, LABELLED_KINDS } from './kinds.js';

/** A target label: a number, or a tensor broadcasting to the logits (noisy labels). */
export type Label = number | tf.Tensor;

export function labelArg(
  fn: string,
  name: string,
  value: unknown,
  fallback: number,
  logits: tf.Tensor,
): Label {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return finiteNumber(fn, name, value);
  if (value instanceof tf.Tensor) {
    broadcastsTo(fn, name, value, logits);
    return value;
  }
  throw new ArgumentError(`${fn}: ${name} must be a number or a tensor, got ${describe(value)}`);
}

/** Labels mean nothing to the Wasserstein and hinge losses: passing one is a mistake. */
export function refuseLabels(
  fn: string,
  kind: AdversarialKind,
  options: Record<string, unknown>,
  names: string[],
): void {
  if ((LABELLED_KINDS as readonly string[]).includes(kind)) return;
  for (const name of names) {
    if (options[name] !== undefined) {
      throw new ArgumentError(
        `${fn}: ${name} has no meaning for kind '${kind}' (only for ${LABELLED_KINDS.map((k) => `'${k}'`).join(', ')})`,
      );
    }
  }
}
