import { defineConfig } from 'vitest/config';

// The tests run the sources through Vite: tfjs is inlined (its ESM build, as in a
// bundler), which is one of the four loaders the package must work under.
export default defineConfig({
  define: { __NODE__: 'true' },
  resolve: { mainFields: ['module', 'jsnext:main', 'main'] },
  ssr: { resolve: { mainFields: ['module', 'jsnext:main', 'main'] } },
  test: {
    server: { deps: { inline: [/@tensorflow\//] } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
