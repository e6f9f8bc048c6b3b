import * as core from '@atelier/core';
import { check } from './check.js';

check(core, ['cpu', 'wasm', 'webgpu']).then((out) => {
  globalThis.__result = out;
});
