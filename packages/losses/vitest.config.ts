import { configDefaults, defineConfig } from 'vitest/config';

// Tests run this package's sources and @atelier/core's built dist (build it first:
// `cd ../core && npx tsup`). Mutation testing's sandbox copies (.stryker-tmp) are not ours.
export default defineConfig({
  test: {
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    exclude: [...configDefaults.exclude, '.stryker-tmp/**'],
  },
});
