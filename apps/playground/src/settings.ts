import type { BackendChoice } from '@atelier/core';

/** What the page's address asks for: `?backend=webgpu|wasm|cpu|auto` and `?smoke=1`. */
export interface PageSettings {
  backend: BackendChoice;
  /** Tiny sizes and few steps, every demo run on load: the end-to-end test's mode. */
  smoke: boolean;
}

const CHOICES = ['auto', 'webgpu', 'wasm', 'cpu'] as const;

export function readSettings(search: string): PageSettings {
  const params = new URLSearchParams(search);
  const backend = params.get('backend') ?? 'auto';
  if (!(CHOICES as readonly string[]).includes(backend)) {
    throw new RangeError(`?backend= must be one of ${CHOICES.join(', ')}, got '${backend}'`);
  }
  return { backend: backend as BackendChoice, smoke: params.get('smoke') === '1' };
}
