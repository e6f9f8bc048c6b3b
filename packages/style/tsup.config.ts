import { defineConfig } from 'tsup';

// One ESM build for Node and bundlers; tfjs comes from @atelier/core, never bundled here.
// Node modules (files, paths) are imported dynamically where a path is given, so the
// rest bundles for the browser. `results` is the results command (`npm run results`),
// not part of the published API.
export default defineConfig({
  entry: { index: 'src/index.ts', results: 'src/results/main.ts' },
  format: ['esm'],
  platform: 'neutral',
  target: 'es2022',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: false,
  clean: true,
  external: [/^@atelier\//, /^node:/],
});
