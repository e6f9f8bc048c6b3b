import { defineConfig } from 'vitest/config';

// Tests run this package's sources and the built dists of @atelier/core, blocks, losses
// and datasets (build them first: `npx tsup` in each).
export default defineConfig({
  test: { testTimeout: 300_000, hookTimeout: 300_000, pool: 'forks' },
});
