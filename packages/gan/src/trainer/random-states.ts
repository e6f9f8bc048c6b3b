import type { Module, RngState } from '@atelier/core';
import { isRandomStateful } from './harness.js';

/**
 * The random streams held inside modules (dropout masks), by `<module>.<path>`: what a
 * checkpoint must keep, beside the weights, for a resumed run to draw the same masks.
 */
export function randomStates(modules: Record<string, Module>): Record<string, RngState> {
  const out: Record<string, RngState> = {};
  for (const [name, module] of Object.entries(modules)) {
    for (const [path, m] of module.namedModules()) {
      if (isRandomStateful(m)) out[path === '' ? name : `${name}.${path}`] = m.randomState();
    }
  }
  return out;
}

/** Restores `randomStates`' result; returns the paths it had no state for. */
export function setRandomStates(
  modules: Record<string, Module>,
  states: Record<string, RngState>,
): string[] {
  const missing: string[] = [];
  for (const [name, module] of Object.entries(modules)) {
    for (const [path, m] of module.namedModules()) {
      if (!isRandomStateful(m)) continue;
      const key = path === '' ? name : `${name}.${path}`;
      const state = states[key];
      if (state) m.setRandomState(state);
      else missing.push(key);
    }
  }
  return missing;
}
