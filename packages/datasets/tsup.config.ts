import { defineConfig } from 'tsup';

// One ESM build. Node-only modules (fs, zlib, worker_threads) are imported dynamically
// where needed, so the synthetic sets, the pipeline and the byte-level formats also
// bundle for the browser. The decode worker is its own entry: Node starts it by path.
export default defineConfig({
  entry: { index: 'src/index.ts', 'decode-worker': 'src/pipeline/decode-worker.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  external: [/^@atelier\//],
});
