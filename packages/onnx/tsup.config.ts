import { defineConfig } from 'tsup';

// One ESM build for Node and bundlers; @atelier/core (and its one tfjs) stays external.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  platform: 'neutral',
  target: 'es2022',
  dts: true,
  clean: true,
  external: [/^@atelier\//, 'onnxruntime-node'],
});
