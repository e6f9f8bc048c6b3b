import { ArgumentError, describe } from '@atelier/core';
import type { Harness } from '../trainer/harness.js';
import type { HarnessDescriptor } from './descriptor.js';
import { HARNESS_NAMES, HARNESSES, type HarnessName } from './table.js';

/** Each harness's options, by name. */
export type HarnessOptionsByName = {
  [N in HarnessName]: (typeof HARNESSES)[N] extends HarnessDescriptor<infer O> ? O : never;
};

/**
 * A harness by name: what the CLI and config.json speak.
 *
 * @example
 * const harness = createHarness('pix2pix', { netG: 'unet_128', direction: 'BtoA', lambdaL1: 100 });
 * const result = await train(harness, { data, batch: 1, steps: 1000, out: 'runs/facades' });
 */
export function createHarness<N extends HarnessName>(
  name: N,
  options: HarnessOptionsByName[N],
): Harness {
  if (!Object.hasOwn(HARNESSES, name)) {
    throw new ArgumentError(
      `createHarness: expected one of ${HARNESS_NAMES.join(', ')}, got ${describe(name)}`,
    );
  }
  return (HARNESSES[name] as HarnessDescriptor).create(options);
}
