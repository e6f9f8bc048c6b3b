import { BACKEND_NAMES, type BackendName } from '@atelier/core';
import { UsageError } from '../errors.js';
import { bench } from './bench.js';
import { type Command, parse } from './command.js';
import { convert } from './convert.js';
import { doctor, formatDoctor } from './doctor.js';
import { exportCommandEntry } from './export.js';
import { intFlag, numberFlag } from './flags.js';
import { generateCommandEntry } from './generate.js';
import { showcaseCommand } from './showcase.js';
import { styleCommand } from './style.js';
import { taskCommand } from './task.js';
import { trainCommandEntry } from './train.js';
import { translateCommand } from './translate.js';

function parseBackends(value: string | undefined): BackendName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(
        `--backend: expected ${BACKEND_NAMES.join(', ')} (comma separated), got '${name}'`,
      );
    }
  }
  return names as BackendName[];
}

export const commands: Record<string, Command> = {
  doctor: {
    summary: 'check each backend (webgpu, wasm, cpu), its adapter and its speed',
    usage: 'atelier doctor [--seconds N] [--backend webgpu,wasm,cpu] [--json]',
    async run(args) {
      const { values } = parse(args, {
        seconds: { type: 'string' },
        backend: { type: 'string' },
        json: { type: 'boolean' },
      });
      const seconds = numberFlag('seconds', values.seconds, { exclusiveMin: 0 }) ?? 10;
      const backends = parseBackends(values.backend as string | undefined);
      const result = await doctor({
        seconds,
        ...(backends ? { backends } : {}),
        onProgress: (m) => {
          if (!values.json && process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${m}...`);
        },
      });
      if (!values.json && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      console.log(values.json ? JSON.stringify(result, null, 2) : formatDoctor(result));
    },
  },
  convert: {
    summary: 'convert a PyTorch .pth/.pt state dict to safetensors (names and layouts kept)',
    usage: 'atelier convert <in.pth> <out.safetensors> [--key state_dict] [--strip-prefix module.]',
    async run(args) {
      const { values, positionals } = parse(args, {
        key: { type: 'string' },
        'strip-prefix': { type: 'string' },
      });
      if (positionals.length !== 2) {
        throw new UsageError(
          `expected an input and an output file, got ${positionals.length} argument(s)`,
        );
      }
      const [input, output] = positionals as [string, string];
      const result = await convert(input, output, {
        ...(values.key ? { key: values.key as string } : {}),
        ...(values['strip-prefix'] ? { stripPrefix: values['strip-prefix'] as string } : {}),
      });
      console.log(`${output}: ${result.tensors} tensors, ${result.bytes} bytes`);
    },
  },
  bench: {
    summary:
      'run benchmark suites beside PyTorch and write results/<suite>.{json,md} (in the repository)',
    usage:
      'atelier bench [suite...] [--backend webgpu,wasm,cpu] [--no-reference] [--runs N] [--out DIR]',
    async run(args) {
      const { values, positionals } = parse(args, {
        backend: { type: 'string' },
        'no-reference': { type: 'boolean' },
        runs: { type: 'string' },
        out: { type: 'string' },
      });
      const runs = intFlag('runs', values.runs);
      const backends = parseBackends(values.backend as string | undefined);
      await bench({
        suites: positionals,
        ...(backends ? { backends } : {}),
        ...(values['no-reference'] ? { reference: false } : {}),
        ...(runs !== undefined ? { runs } : {}),
        ...(values.out ? { outDir: values.out as string } : {}),
      });
    },
  },
  train: trainCommandEntry,
  translate: translateCommand,
  export: exportCommandEntry,
  generate: generateCommandEntry,
  showcase: showcaseCommand,
  style: styleCommand,
  task: taskCommand,
};
