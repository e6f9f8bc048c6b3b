import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { keepFactoryErrors } from './capture.js';

let configuredPrefix: string | undefined;

/**
 * Points the wasm backend at its binaries. In Node they are read from the installed
 * `@tensorflow/tfjs-backend-wasm` package; in the browser they sit beside this bundle
 * (`dist/browser/wasm/`), unless the caller serves them elsewhere.
 */
export async function prepareWasm(prefix?: string): Promise<string> {
  keepFactoryErrors('wasm', 2);
  let resolved = prefix;
  if (resolved === undefined) {
    if (__NODE__) {
      const { createRequire } = await import('node:module');
      const { dirname, join } = await import('node:path');
      const require = createRequire(import.meta.url);
      const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
      resolved = join(dirname(pkg), 'dist') + '/';
    } else {
      resolved = new URL('./wasm/', import.meta.url).href;
    }
  }
  if (resolved !== configuredPrefix) {
    setWasmPaths(resolved);
    configuredPrefix = resolved;
  }
  return configuredPrefix;
}
