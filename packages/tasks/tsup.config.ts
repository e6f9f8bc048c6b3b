import { defineConfig } from 'tsup';

// One ESM build of the library, and the results command (`npm run results`), which is
// not part of the published API. tfjs comes from @atelier/core, never bundled here.
export default defineConfig({
  entry: { index: 'src/index.ts', results: 'src/results/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: false,
  clean: true,
  external: [/^@atelier\//, /^node:/],
});
