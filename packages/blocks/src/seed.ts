import { ArgumentError, describe, Rng, rng } from '@atelier/core';

/**
 * Where a layer's random initial values come from: a seed, or a generator (typically
 * `parent.fork('child')`, which blocks use so that each sub-layer draws its own stream).
 */
export type Seed = number | Rng;

/** The generator of a seed option; 0 when absent, so construction is deterministic. */
export function toRng(seed: Seed | undefined, where: string): Rng {
  if (seed === undefined) return rng(0);
  if (seed instanceof Rng) return seed;
  if (typeof seed === 'number' && Number.isSafeInteger(seed)) return rng(seed);
  throw new ArgumentError(`${where}: seed must be a safe integer or an Rng, got ${describe(seed)}`);
}

/** An independent stream for the sub-layer `label` of a block seeded with `seed`. */
export function forkSeed(seed: Seed | undefined, label: string, where: string): Rng {
  return toRng(seed, where).fork(label);
}
