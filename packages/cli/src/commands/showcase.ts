import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { init, shutdown } from '@atelier/core';
import {
  formatDuration,
  harnessData,
  type Json,
  pix2pix,
  type TrainProgress,
  train,
} from '@atelier/gan';
import { UsageError } from '../errors.js';
import { type Command, parse } from './command.js';
import { backendFlag, numberFlag } from './flags.js';

export const showcaseUsage =
  'atelier showcase [--seconds 60] [--size 64] [--out DIR] [--backend auto|webgpu|wasm|cpu]';

/** Progress against the time budget: the step count is open-ended here. */
function timePrinter(seconds: number) {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(p: TrainProgress) {
      const left = p.etaSeconds ?? seconds;
      const fraction = Math.min(1, Math.max(0, 1 - left / seconds));
      const bar = `[${'#'.repeat(Math.round(fraction * 24))}${'.'.repeat(24 - Math.round(fraction * 24))}]`;
      const losses = Object.entries(p.losses)
        .map(([k, v]) => `${k} ${v.toPrecision(3)}`)
        .join(' ');
      const line = `${bar} ${formatDuration(left)} left, step ${p.step}, ${p.stepsPerSecond.toPrecision(2)} step/s ${losses}`;
      if (tty)
        process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
      else if (Date.now() - last > 10_000 || p.phase === 'done') {
        last = Date.now();
        process.stderr.write(`${line}\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/**
 * The short demonstration `npm start` runs: pix2pix learns synthetic facades (label map
 * -> photo) at a small size for about a minute on the best backend, writing a run folder
 * whose index.html shows the loss curves and the sample grids as they improve.
 */
export const showcaseCommand: Command = {
  summary:
    'a one-minute demonstration: pix2pix learns synthetic facades; prints where its report is',
  usage: showcaseUsage,
  async run(args) {
    const { values } = parse(args, {
      seconds: { type: 'string' },
      size: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
    });
    const seconds = numberFlag('seconds', values.seconds, { exclusiveMin: 0 }) ?? 60;
    const size = Number(values.size ?? 64);
    if (![32, 64, 128, 256].includes(size))
      throw new UsageError(`--size: expected 32, 64, 128 or 256, got '${values.size}'`);
    const backend = backendFlag(values.backend);
    const out = resolve(
      (values.out as string | undefined) ?? (await mkdtemp(join(tmpdir(), 'atelier-showcase-'))),
    );
    const info = await init({ backend });
    console.log(
      `pix2pix on synthetic facades (labels -> photo), ${size}x${size}, for ${seconds} s on ${info.name} (${info.reason})`,
    );
    console.log(`run folder: ${out} (open index.html while it runs; it refreshes itself)`);
    const data = await harnessData('pix2pix', { data: 'synthetic:facades', size, seed: 0 });
    // Narrower networks and a higher rate than junyanz's (ngf 64, 2e-4): a minute is a
    // few hundred steps, not 200 epochs.
    const harness = pix2pix({ netG: `unet_${size}`, ngf: 16, ndf: 16, lr: 2e-3 });
    const printer = timePrinter(seconds);
    try {
      const result = await train(harness, {
        data: data.dataset,
        batch: 1,
        steps: 1_000_000,
        maxSeconds: seconds,
        sampleEvery: 25,
        logEvery: 5,
        checkpointEvery: 0,
        handleSignals: true,
        out,
        dataDescription: {
          ...(data.description as Record<string, Json>),
          options: { data: 'synthetic:facades', size, seed: 0 },
        },
        onProgress: (p) => printer.update(p),
      });
      printer.done();
      const l1 = result.losses.G_L1;
      console.log(
        `trained ${result.step} steps${l1 !== undefined ? `; L1 to the photo ${l1.toFixed(3)} (images in [-1, 1])` : ''}`,
      );
      console.log(`report: ${result.report}`);
    } finally {
      harness.dispose();
      await shutdown();
    }
  },
};
