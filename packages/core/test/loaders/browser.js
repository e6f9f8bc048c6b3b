import * as core from '@atelier/core';
import { check } from './check.js';

// Whether this Chromium offers a WebGPU adapter at all, asked before the backends start:
// without one the webgpu check is skipped with this reason, with one it must pass.
async function webgpuAdapter() {
  if (!globalThis.navigator?.gpu) return { found: false, reason: 'navigator.gpu is undefined' };
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { found: false, reason: 'navigator.gpu.requestAdapter() returned null' };
    return {
      found: true,
      reason: `adapter ${adapter.info?.vendor ?? ''} ${adapter.info?.architecture ?? ''}`,
    };
  } catch (error) {
    return { found: false, reason: `navigator.gpu.requestAdapter() threw: ${error?.message}` };
  }
}

webgpuAdapter().then(async (adapter) => {
  const out = await check(core, ['cpu', 'wasm', 'webgpu']);
  globalThis.__result = { ...out, adapter };
});
