// `npm run results -w @atelier/style`: temporal consistency of video style transfer on a
// synthetic moving scene with exact flow (Ruder et al.'s single-pass short-term,
// long-term and multi-pass algorithms, beside per-frame stylisation and the input),
// written to results/video.json and results/video.md. `--quick` for a small run.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { init, readImage, tf } from '@atelier/core';
import { randomNetwork } from '../features/random-network.js';
import { movingScene } from './moving-scene.js';
import { measureVideo, type VideoMeasurement, type VideoMethod } from './video-results.js';

const quick = process.argv.includes('--quick');
const config = quick
  ? {
      frames: 24,
      size: 24,
      orbit: 0.3,
      iterations: 12,
      firstIterations: 100,
      passIterations: 2,
      passes: 9,
      longTerm: [1, 5, 10],
      gap: 10,
    }
  : {
      frames: 45,
      size: 32,
      orbit: 0.16,
      iterations: 40,
      firstIterations: 300,
      passIterations: 4,
      passes: 15,
      longTerm: [1, 10, 20, 40],
      gap: 20,
    };
const networkConfig = { seed: 0, sizes: [3, 5, 7, 11], maps: 16 };

function methods(): VideoMethod[] {
  const { iterations, passIterations, passes, longTerm } = config;
  const single = { iterations, firstIterations: config.firstIterations, size: config.size };
  const multi = { passes, iterations: passIterations, size: config.size };
  return [
    { name: 'input frames (no stylisation)', kind: 'input', iterations: 0 },
    { name: 'per frame, no temporal loss', kind: 'independent', iterations },
    { name: 'single pass, short-term J = {1}', options: single, iterations },
    {
      name: `single pass, long-term J = {${longTerm.join(', ')}}`,
      options: { ...single, longTerm },
      iterations,
    },
    {
      name: `multi-pass, ${passes} passes, J = {1}`,
      options: multi,
      iterations: passes * passIterations,
    },
    {
      name: `multi-pass, ${passes} passes, J = {${longTerm.join(', ')}}`,
      options: { ...multi, longTerm },
      iterations: passes * passIterations,
    },
  ];
}

function table(rows: VideoMeasurement[]): string {
  const lines = [
    `| method | temporal error (t, t−1) | long-range error (t, t−${config.gap}) | same, reappearing pixels | iterations per frame | seconds |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.method} | ${r.temporalError.toExponential(3)} | ${r.longRangeError.toExponential(3)} | ${r.reappearingError.toExponential(3)} | ${r.iterationsPerFrame} | ${r.seconds.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const backend = await init({ backend: (process.env.ATELIER_BACKEND as 'wasm') ?? 'wasm' });
  const scene = movingScene({
    frames: config.frames,
    height: config.size,
    width: config.size,
    orbit: config.orbit,
  });
  const stylePath = fileURLToPath(new URL('../samples/coffee.png', import.meta.url));
  const style = await readImage(stylePath, { channels: 3 });
  const network = randomNetwork(networkConfig);
  const rows: VideoMeasurement[] = [];
  for (const method of methods()) {
    const row = await measureVideo({ scene, style, network, gap: config.gap, seed: 0 }, method);
    console.log(
      `${row.method}: temporal ${row.temporalError.toExponential(3)}, long-range ${row.longRangeError.toExponential(3)}, reappearing ${row.reappearingError.toExponential(3)}, ${row.seconds.toFixed(0)} s`,
    );
    rows.push(row);
  }
  tf.dispose(style);
  network.dispose();
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; tfjs ${tf.getBackend()} backend`;
  const data = `synthetic moving scene (movingScene: panning textured background, orbiting spinning textured disc), ${config.frames} frames of ${config.size}x${config.size}, exact analytic flow given to stylizeVideo as a flow function; errors on the pixels visible in both frames (exact visibility, 1.5 px from the disc's outline excluded), mean squared difference in [0, 1] units`;
  const budget = `L-BFGS; single pass ${config.iterations} iterations a frame (first frame ${config.firstIterations}); multi-pass ${config.passes} passes x ${config.passIterations} iterations, temporal loss from pass ${Math.ceil(config.passes / 2)}; embedded random network (filter sizes ${networkConfig.sizes.join(', ')}; ${networkConfig.maps} maps each; seed 0); style samples/coffee.png; preset temporal weight (1e6, halved in multi-pass)`;
  const out = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(out, { recursive: true });
  const name = quick ? 'video-quick' : 'video';
  const json = { data, budget, machine, backend: backend.name, config, rows };
  await writeFile(`${out}${name}.json`, `${JSON.stringify(json, null, 2)}\n`);
  const md = `# Video style transfer: temporal consistency\n\nData: ${data}.\n\nBudget: ${budget}.\n\nMachine: ${machine}.\n\n${table(rows)}\n`;
  await writeFile(`${out}${name}.md`, md);
  console.log(md);
}

await main();
