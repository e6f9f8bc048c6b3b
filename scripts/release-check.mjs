#!/usr/bin/env node
// Proves a release would work, without publishing anything:
// 1. `changeset status` can plan a release from the pending changesets;
// 2. `changeset version`, on a scratch copy of the repository, bumps every package a
//    changeset names, writes its CHANGELOG entry and consumes the changesets;
// 3. each public package of that scratch copy (built dist copied in) packs, its tarball
//    holds every file its package.json points at and its @atelier dependencies name the
//    bumped versions;
// 4. publint and arethetypeswrong lint each package as its consumers will see it.
// Run after the build (`npm test` builds); CI runs it after the tests.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules/.bin', name);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.log(`  FAIL ${message}`);
};
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Workspace package folders (relative) with their package.json. */
function workspacePackages(base) {
  return ['packages', 'apps'].flatMap((group) =>
    existsSync(join(base, group))
      ? readdirSync(join(base, group))
          .map((dir) => `${group}/${dir}`)
          .filter((dir) => existsSync(join(base, dir, 'package.json')))
          .map((dir) => ({ dir, pkg: readJson(join(base, dir, 'package.json')) }))
      : [],
  );
}

/** Packages named in the front matter of the pending changesets. */
function pendingBumps(base) {
  const names = new Set();
  const folder = join(base, '.changeset');
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const front = readFileSync(join(folder, file), 'utf8').match(/^---\n([\s\S]*?)\n---/);
    if (!front) {
      fail(`.changeset/${file} has no front matter`);
      continue;
    }
    for (const line of front[1].split('\n')) {
      const entry = line.match(/^['"]?([^'":]+)['"]?:\s*(major|minor|patch)\s*$/);
      if (entry) names.add(entry[1]);
      else if (line.trim()) fail(`.changeset/${file}: unreadable front matter line ${line}`);
    }
  }
  return names;
}

/** The repository's files as git sees them (tracked and untracked, not ignored), copied. */
function scratchCopy() {
  const scratch = mkdtempSync(join(tmpdir(), 'atelier-release-'));
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
    .split('\0')
    .filter((file) => file && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    cpSync(join(root, file), join(scratch, file));
  }
  return scratch;
}

/** Every file a package.json points at (main, module, types, bin, exports' targets). */
function pointedFiles(pkg) {
  const targets = [pkg.main, pkg.module, pkg.types];
  if (typeof pkg.bin === 'string') targets.push(pkg.bin);
  else if (pkg.bin) targets.push(...Object.values(pkg.bin));
  const walk = (node) => {
    if (typeof node === 'string') targets.push(node);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(pkg.exports);
  return [...new Set(targets.filter((t) => typeof t === 'string' && !t.includes('*')))].map((t) =>
    t.replace(/^\.\//, ''),
  );
}

function checkStatus() {
  console.log('changeset status');
  try {
    run(bin('changeset'), ['status'], root);
  } catch (error) {
    fail(`changeset status failed:\n${error.stdout}${error.stderr}`);
  }
}

function checkVersion(scratch, before) {
  console.log('changeset version (scratch copy)');
  const bumps = pendingBumps(scratch);
  run(bin('changeset'), ['version'], scratch);
  const left = readdirSync(join(scratch, '.changeset')).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  );
  if (left.length > 0) fail(`changeset version left ${left.join(', ')} unconsumed`);
  const after = new Map(workspacePackages(scratch).map(({ pkg, dir }) => [pkg.name, { pkg, dir }]));
  for (const name of bumps) {
    const old = before.get(name);
    const now = after.get(name);
    if (!old || !now) {
      fail(`a changeset names ${name}, which is not a workspace package`);
      continue;
    }
    if (now.pkg.version === old.pkg.version) fail(`${name} was not bumped (${old.pkg.version})`);
    const changelog = join(scratch, now.dir, 'CHANGELOG.md');
    if (
      !existsSync(changelog) ||
      !readFileSync(changelog, 'utf8').includes(`## ${now.pkg.version}`)
    )
      fail(`${name}: CHANGELOG.md has no entry for ${now.pkg.version}`);
    else console.log(`  ${name} ${old.pkg.version} -> ${now.pkg.version}, CHANGELOG written`);
  }
  return after;
}

function checkPack(dir, pkg, versions, into) {
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', into], dir));
  const packed = new Set(out[0].files.map((f) => f.path));
  for (const file of ['package.json', 'README.md', ...pointedFiles(pkg)])
    if (!packed.has(file)) fail(`${pkg.name}: the tarball lacks ${file}`);
  for (const file of packed)
    if (/^(src|test)\//.test(file) || file.endsWith('.map'))
      fail(`${pkg.name}: the tarball ships ${file}`);
  for (const [dep, range] of Object.entries(pkg.dependencies ?? {}))
    if (versions.has(dep) && range !== versions.get(dep) && range !== `^${versions.get(dep)}`)
      fail(`${pkg.name}: depends on ${dep}@${range}, but the release makes ${versions.get(dep)}`);
  console.log(`  ${pkg.name}@${pkg.version}: ${packed.size} files, ${out[0].size} bytes packed`);
}

function lint(dir, pkg) {
  try {
    run(bin('publint'), ['--strict'], dir);
  } catch (error) {
    fail(`${pkg.name}: publint\n${error.stdout}${error.stderr}`);
  }
  // Packages whose only `require` target is absent are ESM-only by design.
  const hasCjs = JSON.stringify(pkg.exports ?? {}).includes('"require"');
  const args = ['--pack', '.', '--profile', hasCjs ? 'node16' : 'esm-only', '--format', 'ascii'];
  // ESM-only subpaths (test helpers) of a package that also ships CommonJS.
  if (hasCjs) args.push('--ignore-rules', 'cjs-resolves-to-esm');
  try {
    run(bin('attw'), args, dir);
  } catch (error) {
    fail(`${pkg.name}: arethetypeswrong\n${error.stdout}${error.stderr}`);
  }
}

checkStatus();
const before = new Map(workspacePackages(root).map(({ pkg, dir }) => [pkg.name, { pkg, dir }]));
const scratch = scratchCopy();
const after = checkVersion(scratch, before);
const versions = new Map([...after].map(([name, { pkg }]) => [name, pkg.version]));
console.log('pack, publint, arethetypeswrong (scratch copy, built dist copied in)');
const tarballs = mkdtempSync(join(tmpdir(), 'atelier-release-packs-'));
for (const [, { dir, pkg }] of after) {
  if (pkg.private) continue;
  if (!existsSync(join(root, dir, 'dist'))) {
    fail(`${pkg.name}: ${dir}/dist is missing (build first)`);
    continue;
  }
  cpSync(join(root, dir, 'dist'), join(scratch, dir, 'dist'), { recursive: true });
  checkPack(join(scratch, dir), pkg, versions, tarballs);
  lint(join(scratch, dir), pkg);
}
if (failures.length > 0) {
  console.log(`release check: ${failures.length} problem(s)`);
  process.exit(1);
}
console.log('release check: a release would work');
