import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

// The wasm backend's binaries ship in @atelier/core's browser build (dist/browser/wasm);
// the page serves them under /wasm/ and tells init() so (wasmPaths), as any app must.
const require = createRequire(import.meta.url);
const wasmDir = join(dirname(require.resolve('@atelier/core/package.json')), 'dist/browser/wasm');

function wasmBinaries(): Plugin {
  const files = () => readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'));
  return {
    name: 'atelier-wasm-binaries',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = /^\/wasm\/([\w.-]+\.wasm)$/.exec((req.url ?? '').split('?')[0]!)?.[1];
        if (!name || !files().includes(name)) return next();
        res.setHeader('content-type', 'application/wasm');
        res.end(readFileSync(join(wasmDir, name)));
      });
    },
    generateBundle() {
      for (const name of files()) {
        this.emitFile({
          type: 'asset',
          fileName: `wasm/${name}`,
          source: readFileSync(join(wasmDir, name)),
        });
      }
    },
  };
}

export default defineConfig({
  // Relative asset paths: the built site works from any folder it is served from.
  base: './',
  plugins: [wasmBinaries()],
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
});
