import { ArgumentError } from '@atelier/core';
import type { Suite } from './types.js';

const suites = new Map<string, Suite>();

/** Makes a suite runnable by name (`npm run bench -- <name>`, `atelier bench <name>`). */
export function registerSuite(suite: Suite): void {
  if (suites.has(suite.name)) {
    throw new ArgumentError(`registerSuite: a suite named '${suite.name}' is already registered`);
  }
  suites.set(suite.name, suite);
}

export function suiteNames(): string[] {
  return [...suites.keys()];
}

export function getSuite(name: string): Suite {
  const suite = suites.get(name);
  if (suite === undefined) {
    throw new ArgumentError(
      `no benchmark suite named '${name}'; the suites are: ${suiteNames().join(', ')}`,
    );
  }
  return suite;
}
