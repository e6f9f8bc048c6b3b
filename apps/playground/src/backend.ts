import { type BackendInfo, init } from '@atelier/core';
import type { PageSettings } from './settings.js';

/**
 * Starts the backend: WebGPU where the browser has a hardware adapter, wasm otherwise
 * (core's 'auto' rule), or the one the address names. A named backend that cannot
 * start is an error on the page, never a silent fallback.
 */
export async function startBackend(settings: PageSettings): Promise<BackendInfo> {
  // The wasm binaries are served beside the page (see vite.config.ts).
  const wasmPaths = new URL('wasm/', document.baseURI).href;
  return init({ backend: settings.backend, wasmPaths });
}

/** A sentence for the banner: which backend, why, and on which adapter. */
export function describeBackend(info: BackendInfo): string {
  const adapter = info.adapter
    ? ` Adapter: ${[info.adapter.vendor, info.adapter.architecture, info.adapter.description]
        .filter(Boolean)
        .join(' ')}${info.adapter.isSoftware ? ' (software)' : ''}.`
    : '';
  return `Running on ${info.name}: ${info.reason}.${adapter}`;
}
