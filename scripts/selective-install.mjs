#!/usr/bin/env node
// Installs packages the way a user does: `npm pack` each one, install @atelier/core plus
// one other package from the tarballs into an empty folder outside the workspace, and
// run that package's README example (its first ```js block) with plain Node (ESM).
// Catches broken `exports`, missing files and imports that only work in the workspace.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const sh = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** Packs a workspace package; returns the tarball's absolute path. */
function pack(dir, into) {
  const out = JSON.parse(
    sh('npm', ['pack', '--json', '--pack-destination', into], join(root, dir)),
  );
  return join(into, out[0].filename);
}

function example(dir) {
  const readme = readFileSync(join(root, dir, 'README.md'), 'utf8');
  const match = readme.match(/```js\n([\s\S]*?)```/);
  if (!match) throw new Error(`${dir}/README.md has no \`\`\`js example`);
  return match[1];
}

// Workspace packages by name, to install each example's package with its @atelier
// dependencies (transitively) and nothing else.
const workspace = new Map(
  readdirSync(join(root, 'packages')).flatMap((dir) => {
    const file = join(root, 'packages', dir, 'package.json');
    if (!existsSync(file)) return [];
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    return [[pkg.name, { dir: `packages/${dir}`, pkg }]];
  }),
);

function closure(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys(workspace.get(name).pkg.dependencies ?? {})) {
    if (workspace.has(dep)) closure(dep, seen);
  }
  return seen;
}

// Every public package whose sources exist runs its README example.
const cases = [...workspace.values()]
  .filter(({ dir, pkg }) => !pkg.private && existsSync(join(root, dir, 'src/index.ts')))
  .map(({ dir, pkg }) => ({
    packages: [...closure(pkg.name)].map((name) => workspace.get(name).dir),
    example: dir,
  }));

let passed = 0;
let failed = 0;
const tarballs = mkdtempSync(join(tmpdir(), 'atelier-packs-'));
const packed = new Map();
for (const c of cases) {
  const name = `${c.example.split('/')[1]} (with ${c.packages.length - 1} dependencies)`;
  try {
    const files = c.packages.map((p) => {
      if (!packed.has(p)) packed.set(p, pack(p, tarballs));
      return packed.get(p);
    });
    const app = mkdtempSync(join(tmpdir(), 'atelier-user-'));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'user-app', private: true, type: 'module' }),
    );
    sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], app);
    writeFileSync(join(app, 'example.mjs'), example(c.example));
    const out = sh('node', ['example.mjs'], app);
    console.log(`ok   ${name}: README example ran\n${out.replace(/^/gm, '     ')}`);
    passed++;
  } catch (error) {
    console.log(`FAIL ${name}: ${error.message}`);
    failed++;
  }
}
console.log(`selective installs: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
