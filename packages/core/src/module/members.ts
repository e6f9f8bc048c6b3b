import { tf } from '../tfjs.js';
import type { Module } from './module.js';

/**
 * Marks Module instances. A symbol from the global registry rather than `instanceof`:
 * it keeps this file free of an import cycle with module.ts, and still recognises a
 * module made by a second copy of this package.
 */
export const MODULE_BRAND: unique symbol = Symbol.for('atelier.module') as never;

export function isModule(value: unknown): value is Module {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [MODULE_BRAND]?: unknown })[MODULE_BRAND] === true
  );
}

/** What a module holds in its fields, named by the path that reaches it. */
export type Member =
  | { type: 'module'; name: string; value: Module }
  | { type: 'variable'; name: string; value: tf.Variable }
  | { type: 'tensor'; name: string; value: tf.Tensor };

function isPlainRecord(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function collect(value: unknown, name: string, out: Member[], containers: Set<object>): void {
  if (typeof value !== 'object' || value === null) return;
  if (isModule(value)) {
    out.push({ type: 'module', name, value });
  } else if (value instanceof tf.Variable) {
    out.push({ type: 'variable', name, value });
  } else if (value instanceof tf.Tensor) {
    out.push({ type: 'tensor', name, value });
  } else if (containers.has(value)) {
    // A container that contains itself: each item is already collected once.
  } else if (Array.isArray(value)) {
    // Items keep their index even when some are not modules (a function between two
    // layers), as PyTorch numbers an nn.Sequential's children: `model.1.weight`.
    containers.add(value);
    for (let i = 0; i < value.length; i++) collect(value[i], `${name}.${i}`, out, containers);
    containers.delete(value);
  } else if (value instanceof Map) {
    containers.add(value);
    for (const [key, item] of value) {
      if (typeof key === 'string' || typeof key === 'number') {
        collect(item, `${name}.${key}`, out, containers);
      }
    }
    containers.delete(value);
  } else if (isPlainRecord(value)) {
    containers.add(value);
    for (const key of Object.keys(value)) {
      collect((value as Record<string, unknown>)[key], `${name}.${key}`, out, containers);
    }
    containers.delete(value);
  }
  // Anything else (numbers, functions, instances of other classes) is not state.
}

/**
 * The modules, variables and tensors directly in an object's own enumerable fields, in
 * declaration order, looking into arrays, Maps and plain records (not into modules).
 * `#private` and non-enumerable fields are invisible: the way to hold a module or a
 * tensor without owning it.
 */
export function directMembers(owner: object): Member[] {
  const out: Member[] = [];
  const containers = new Set<object>([owner]);
  for (const key of Object.keys(owner)) {
    collect((owner as Record<string, unknown>)[key], key, out, containers);
  }
  return out;
}
