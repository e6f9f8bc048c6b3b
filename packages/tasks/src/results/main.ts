import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BackendChoice, init, shutdown } from '@atelier/core';
import { autoencoderResults } from './autoencoder-results.js';
import { denoiseResults, exportDenoiseEvaluationSet } from './denoise-results.js';
import { fewShotResults } from './few-shot-results.js';
import { intrinsicsResults } from './intrinsics-results.js';
import { mcDenoiseResults } from './mc-denoise-results.js';
import type { TaskResults } from './result-row.js';
import { sharedSpaceResults } from './shared-space-results.js';
import { simplifyResults } from './simplify-results.js';
import { transferResults } from './transfer-results.js';
import { writeResults } from './write-results.js';

// `npm run results -w @atelier/tasks [task...]`: measures each task against its
// baselines on held-out data and writes results/<task>.json and .md (and the README's
// table). ATELIER_BACKEND picks the backend (default wasm, the same numbers everywhere).

const SUITES: Record<string, (backend: string) => Promise<TaskResults>> = {
  autoencoder: autoencoderResults,
  denoise: denoiseResults,
  simplify: simplifyResults,
  'mc-denoise': mcDenoiseResults,
  intrinsics: intrinsicsResults,
  transfer: transferResults,
  'few-shot': fewShotResults,
  'shared-space': sharedSpaceResults,
};

// `--export-denoise DIR`: the denoising evaluation set for tools/reference/denoise_nl_means.py.
if (process.argv[2] === '--export-denoise') {
  const dir = process.argv[3];
  if (!dir) {
    console.error('--export-denoise needs a folder');
    process.exit(2);
  }
  await init({ backend: 'cpu' });
  await exportDenoiseEvaluationSet(dir);
  console.log(`wrote ${dir}`);
  process.exit(0);
}
const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in SUITES));
if (unknown.length > 0) {
  console.error(
    `unknown task(s) ${unknown.join(', ')}; expected ${Object.keys(SUITES).join(', ')}`,
  );
  process.exit(2);
}
const info = await init({ backend: (process.env.ATELIER_BACKEND as BackendChoice) ?? 'wasm' });
const dir = fileURLToPath(new URL('../results/', import.meta.url));
for (const name of names.length > 0 ? names : Object.keys(SUITES)) {
  const started = Date.now();
  const results = await SUITES[name]!(info.name);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`;
  results.setting += ` Measured on ${info.name} (${machine}), ${((Date.now() - started) / 1000).toFixed(0)} s in all.`;
  await writeResults(dir, results);
  console.log(`results/${name}.json, results/${name}.md`);
}
await shutdown();
