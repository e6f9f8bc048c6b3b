import { defineConfig } from 'vitest/config';

// Tests run this package's sources and the built dists of @atelier/core, blocks, losses,
// datasets and gan (build them first: `npx tsup` in each).
export default defineConfig({
  test: { testTimeout: 300_000, hookTimeout: 180_000, pool: 'forks' },
});
