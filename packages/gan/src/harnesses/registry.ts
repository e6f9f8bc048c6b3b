import { ArgumentError, describe } from '@atelier/core';
import { HARNESS_NAMES, type HarnessName } from '../data/harness-data.js';
import type { Harness } from '../trainer/harness.js';
import { type CganOptions, cgan } from './cgan.js';
import { type CycleGanOptions, cyclegan } from './cyclegan.js';
import { type GanOptions, gan } from './gan.js';
import { type Pix2PixOptions, pix2pix } from './pix2pix.js';

export interface HarnessOptionsByName {
  gan: GanOptions;
  cgan: CganOptions;
  pix2pix: Pix2PixOptions;
  cyclegan: CycleGanOptions;
}

/** A harness by name: what the CLI and config.json speak. */
export function createHarness<N extends HarnessName>(
  name: N,
  options: HarnessOptionsByName[N],
): Harness {
  switch (name) {
    case 'gan':
      return gan(options as GanOptions) as Harness;
    case 'cgan':
      return cgan(options as CganOptions) as Harness;
    case 'pix2pix':
      return pix2pix(options as Pix2PixOptions) as Harness;
    case 'cyclegan':
      return cyclegan(options as CycleGanOptions) as Harness;
    default:
      throw new ArgumentError(
        `createHarness: expected one of ${HARNESS_NAMES.join(', ')}, got ${describe(name)}`,
      );
  }
}
