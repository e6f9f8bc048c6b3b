// Writes the hostile weight-file corpus into test/fixtures/hostile-weights/ from the
// built package (run `npx tsup` first): `node scripts/make-hostile-weights.mjs`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostileWeightFiles } from '../dist/node/testing.js';

const folder = new URL('../test/fixtures/hostile-weights/', import.meta.url);
mkdirSync(folder, { recursive: true });
for (const name of readdirSync(folder)) rmSync(new URL(name, folder));
let bytes = 0;
for (const file of hostileWeightFiles()) {
  writeFileSync(new URL(file.name, folder), file.bytes);
  bytes += file.bytes.length;
}
console.log(`${hostileWeightFiles().length} files, ${bytes} bytes, in ${folder.pathname}`);
