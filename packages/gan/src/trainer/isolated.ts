import { type Module, tf } from '@atelier/core';
import { randomStates, setRandomStates } from './random-states.js';

/**
 * Runs `fn` and undoes what it did to the modules' buffers (batch-norm statistics) and
 * random streams (dropout), so that drawing samples in training mode, as junyanz does,
 * leaves the run exactly where it was: a run that samples more often ends identical.
 */
export function isolated<T>(modules: Record<string, Module>, fn: () => T): T {
  const buffers = Object.values(modules).flatMap((m) => m.buffers());
  const saved = buffers.map((b) => tf.clone(b));
  const streams = randomStates(modules);
  try {
    return fn();
  } finally {
    buffers.forEach((b, i) => {
      b.assign(saved[i]!);
    });
    tf.dispose(saved);
    setRandomStates(modules, streams);
  }
}
