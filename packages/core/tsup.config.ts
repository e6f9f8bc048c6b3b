import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

// tfjs is bundled (see src/tfjs.ts): its ESM build, so deep imports share one copy.
const shared: Options = {
  entry: { index: 'src/index.ts' },
  sourcemap: true,
  target: 'es2022',
  noExternal: [/^@tensorflow\//],
  external: ['webgpu', 'pngjs', 'jpeg-js'],
  esbuildOptions(options) {
    options.mainFields = ['module', 'main'];
  },
};

// Modules tfjs only `require`s on Node code paths; left as requires in the browser build.
const nodeOnly = [
  'util',
  'fs',
  'path',
  'os',
  'crypto',
  'worker_threads',
  'perf_hooks',
  'node-fetch',
];

function copyWasmBinaries(to: string): void {
  const require = createRequire(import.meta.url);
  const from = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from)) {
    if (file.endsWith('.wasm')) copyFileSync(join(from, file), join(to, file));
  }
}

export default defineConfig([
  {
    ...shared,
    // The testing helpers share tfjs with the main entry through a common chunk.
    entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
    format: ['esm'],
    splitting: true,
    platform: 'node',
    outDir: 'dist/node',
    external: [...(shared.external as string[]), 'vitest'],
    dts: true,
    // The wasm backend's emscripten glue reads __dirname in Node.
    shims: true,
    define: { __NODE__: 'true' },
    // tfjs calls `require` on Node code paths; ESM has none, so give it one.
    banner: {
      js: "import { createRequire as __atelierCreateRequire } from 'node:module';\nconst require = __atelierCreateRequire(import.meta.url);",
    },
    clean: true,
  },
  {
    ...shared,
    format: ['cjs'],
    platform: 'node',
    outDir: 'dist/cjs',
    // CommonJS consumers need their own declarations (.d.cts): an ESM .d.ts read under
    // `require` types the package as ESM-only.
    dts: true,
    shims: true,
    define: { __NODE__: 'true' },
    clean: true,
  },
  {
    ...shared,
    format: ['esm'],
    platform: 'browser',
    outDir: 'dist/browser',
    dts: true,
    define: { __NODE__: 'false' },
    // Node-only requires inside tfjs (never reached in a browser) become empty modules,
    // so a user's bundler has nothing to resolve.
    esbuildPlugins: [
      {
        name: 'empty-node-modules',
        setup(build) {
          const filter = new RegExp(`^(node:)?(${nodeOnly.join('|')})$`);
          build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'empty-node' }));
          build.onLoad({ filter: /.*/, namespace: 'empty-node' }, () => ({
            contents: 'module.exports = {};',
          }));
        },
      },
    ],
    clean: true,
    onSuccess: async () => copyWasmBinaries('dist/browser/wasm'),
  },
]);
