import { ArgumentError, describe } from '@atelier/core';
import { bicycleganDescriptor } from './bicyclegan.js';
import { cganDescriptor } from './cgan.js';
import { cycleganDescriptor } from './cyclegan.js';
import type { HarnessDescriptor } from './descriptor.js';
import { frankenganDescriptor } from './frankengan.js';
import { ganDescriptor } from './gan.js';
import { pix2pixDescriptor } from './pix2pix.js';
import { proganDescriptor } from './progan.js';
import { stackganDescriptor } from './stackgan.js';

/**
 * Every harness, by the name the CLI and config.json speak: the registry, the data
 * resolver and the command line read this one table. Adding a harness is its file
 * (exporting a descriptor) and one row here.
 */
export const HARNESSES = {
  gan: ganDescriptor,
  cgan: cganDescriptor,
  pix2pix: pix2pixDescriptor,
  cyclegan: cycleganDescriptor,
  bicyclegan: bicycleganDescriptor,
  progan: proganDescriptor,
  stackgan: stackganDescriptor,
  frankengan: frankenganDescriptor,
} as const satisfies Record<string, HarnessDescriptor>;

export type HarnessName = keyof typeof HARNESSES;
export const HARNESS_NAMES = Object.keys(HARNESSES) as HarnessName[];

/** The descriptor of a harness, or a typed error naming the known ones. */
export function harnessDescriptor(name: string): HarnessDescriptor {
  if (!Object.hasOwn(HARNESSES, name)) {
    throw new ArgumentError(
      `expected a harness, one of ${HARNESS_NAMES.join(', ')}; got ${describe(name)}`,
    );
  }
  return HARNESSES[name as HarnessName];
}
