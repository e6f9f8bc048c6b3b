// The long fuzz of the weight-file parsers (unpickler, torch zip, torch legacy,
// safetensors): `node scripts/fuzz-weights.mjs [inputs per parser, default 100000] [seed]`
// after `npx tsup`. Writes results/fuzz-weights.json and results/fuzz-weights.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { runFuzz, weightFuzzTargets } from '../dist/node/testing.js';

const inputs = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? 1);
const reports = [];
for (const target of weightFuzzTargets()) {
  const report = runFuzz(target, {
    inputs,
    seed,
    onProgress: (done) => {
      if (done % 20_000 === 0) console.error(`${target.name}: ${done}/${inputs}`);
    },
  });
  reports.push(report);
  console.error(JSON.stringify(report));
}
const machine = `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const result = { date: new Date().toISOString(), machine, seed, inputsPerParser: inputs, reports };
const folder = new URL('../results/', import.meta.url);
mkdirSync(folder, { recursive: true });
writeFileSync(new URL('fuzz-weights.json', folder), `${JSON.stringify(result, null, 2)}\n`);
const rows = reports.map(
  (r) =>
    `| ${r.target} | ${r.inputs} | ${r.accepted} | ${r.typed} | ${r.crashes.length} | ${r.maxMs} | ${r.maxRssMiB} | ${r.seconds} |`,
);
const md = [
  `Fuzz of the weight-file parsers: ${inputs} mutated inputs per parser (seed ${seed}), each read through decodeWeights, on ${machine}, ${result.date.slice(0, 10)}.`,
  'A crash is an untyped error, a message of several lines or without the file name, or an input over 2 s.',
  '',
  '| parser | inputs | read | typed errors | crashes | max ms / input | max RSS MiB | seconds |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
  '',
].join('\n');
writeFileSync(new URL('fuzz-weights.md', folder), md);
console.log(md);
if (reports.some((r) => r.crashes.length > 0)) process.exitCode = 1;
