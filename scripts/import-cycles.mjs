#!/usr/bin/env node
// Finds import cycles between the source files of each package (relative imports only:
// packages depend on each other one way by construction). Prints every cycle and exits 1
// when there is one. Usage: node scripts/import-cycles.mjs [packages/cli ...]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const packages = args.length
  ? args.map((p) => resolve(p))
  : readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p));

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

// Static imports and re-exports; `import type` is skipped (erased, no runtime cycle),
// dynamic import() too (it runs later, by design).
const IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm;

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

let found = 0;
for (const pkg of packages) {
  const files = sourceFiles(join(pkg, 'src'));
  if (files.length === 0) {
    console.error(`no source files under ${join(pkg, 'src')}`);
    process.exit(2);
  }
  const graph = new Map(
    files.map((file) => {
      const text = readFileSync(file, 'utf8');
      const deps = [...text.matchAll(IMPORT)].map((m) => resolveImport(file, m[1])).filter(Boolean);
      return [file, deps];
    }),
  );
  // Tarjan's strongly connected components: each component of more than one file is a cycle.
  let index = 0;
  const stack = [];
  const info = new Map();
  const strong = (v) => {
    info.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!info.has(w)) {
        strong(w);
        info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
      } else if (info.get(w).onStack) {
        info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
      }
    }
    if (info.get(v).low === info.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        info.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) {
        found++;
        console.log(
          `cycle of ${component.length} files in ${relative(root, pkg)}:\n  ${component
            .map((f) => relative(pkg, f))
            .sort()
            .join('\n  ')}`,
        );
      }
    }
  };
  for (const file of files) if (!info.has(file)) strong(file);
}
if (found === 0)
  console.log(`no import cycles in ${packages.map((p) => relative(root, p)).join(', ')}`);
process.exit(found ? 1 : 0);
