import { defineConfig } from 'tsup';

// One ESM build. The run folder (files, signals) imports Node modules dynamically, so
// the harnesses, schedules and metrics also bundle for the browser.
export default defineConfig({
  entry: { index: 'src/index.ts', internal: 'src/internal.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  dts: true,
  clean: true,
  external: [/^@atelier\//],
});
