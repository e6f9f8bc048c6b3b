// Writes the figure of synthetic.scenes for the README (assets/scenes.png) and times the
// generator at a few settings (results/scenes.json and .md). Run after `npx tsup`:
//   node scripts/scenes-report.mjs [--figure-only | --timing-only]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng, imageGrid, init, tf } from '@atelier/core';
import { synthetic } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
await init({ backend: 'cpu' });

/** Linear radiance to display: clipped to [0, 1], gamma 1/2.2. */
const display = (t) => tf.tidy(() => tf.pow(tf.clipByValue(t, 0, 1), 1 / 2.2));
const grey = (t) => tf.tidy(() => tf.tile(t, [1, 1, 3]));

function idColours(ids) {
  return tf.tidy(() => {
    const v = ids.dataSync();
    const out = new Float32Array(v.length * 3);
    for (let i = 0; i < v.length; i++) {
      const h = Math.imul(v[i] + 1, 0x9e3779b1) >>> 0;
      out[i * 3] = (h & 255) / 255;
      out[i * 3 + 1] = ((h >>> 8) & 255) / 255;
      out[i * 3 + 2] = ((h >>> 16) & 255) / 255;
    }
    return tf.tensor3d(out, [ids.shape[0], ids.shape[1], 3]);
  });
}

/** Flow as colour: hue the direction, saturation the length (relative to `max`). */
function flowColours(flow, max) {
  const v = flow.dataSync();
  const n = v.length / 2;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const u = v[i * 2];
    const w = v[i * 2 + 1];
    const h = (Math.atan2(-w, -u) / Math.PI + 1) * 3;
    const s = Math.min(1, Math.hypot(u, w) / max);
    for (let c = 0; c < 3; c++) {
      const k = (h + [0, 4, 2][c]) % 6;
      out[i * 3 + c] = 1 - s * Math.max(0, Math.min(1, Math.min(k, 4 - k)));
    }
  }
  return tf.tensor3d(out, [flow.shape[0], flow.shape[1], 3]);
}

async function figure() {
  const size = 96;
  const tiles = [];
  const ds = synthetic.scenes({ seed: 3, size, count: 4, range: 'unit', noisySpp: 4 });
  for (let i = 0; i < 4; i++) {
    const s = await ds.get(i);
    tiles.push(
      display(s.reference),
      display(s.noisy),
      display(s.albedo),
      display(s.shading),
      display(s.specular),
      tf.tidy(() => tf.div(tf.add(s.normals, 1), 2)),
      grey(s.depth),
      idColours(s.ids),
      grey(s.edges),
    );
    tf.dispose(Object.values(s));
  }
  const video = synthetic.sceneVideo({ seed: 4, size, count: 9, range: 'unit', referenceSpp: 32 });
  let first;
  let last;
  for (const t of [0, 2, 4, 6, 8]) {
    const f = await video.get(t);
    tiles.push(display(f.reference));
    if (t === 0) first = f;
    else if (t === 8) last = f;
    else tf.dispose(Object.values(f));
  }
  tiles.push(flowColours(first.flow, 2), grey(tf.sub(1, first.occluded)));
  tiles.push(flowColours(last.flowBackward, 2), grey(tf.sub(1, last.occludedBackward)));
  tf.dispose([...Object.values(first), ...Object.values(last)]);
  const grid = tf.tidy(() => tf.mul(imageGrid(tiles, { cols: 9, pad: 2, padValue: 1 }), 255));
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'assets/scenes.png'), await encodePng(grid));
  tf.dispose([grid, ...tiles]);
  console.log('wrote assets/scenes.png');
}

/** Median CPU and wall milliseconds per sample over `count` samples (after one warm-up). */
async function time(make, count) {
  const ds = make();
  tf.dispose(Object.values(await ds.get(0)));
  const cpu = [];
  const wall = [];
  for (let i = 1; i <= count; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const s = await ds.get(i);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    tf.dispose(Object.values(s));
  }
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  return { cpuMs: +median(cpu).toFixed(1), wallMs: +median(wall).toFixed(1) };
}

async function timing() {
  const count = 9;
  const loadStart = loadavg()[0];
  const cases = [
    {
      what: 'scenes, 64², defaults (reference 64 spp, noisy 4 spp)',
      make: () => synthetic.scenes({ size: 64, count: count + 1 }),
    },
    {
      what: 'scenes, 64², reference 16 spp',
      make: () => synthetic.scenes({ size: 64, count: count + 1, referenceSpp: 16 }),
    },
    {
      what: 'scenes, 64², reference 128 spp',
      make: () => synthetic.scenes({ size: 64, count: count + 1, referenceSpp: 128 }),
    },
    {
      what: 'scenes, 128², defaults',
      make: () => synthetic.scenes({ size: 128, count: count + 1 }),
    },
    {
      what: 'sceneVideo, 64², defaults (+ forward and backward flow)',
      make: () => synthetic.sceneVideo({ size: 64, count: count + 1 }),
    },
  ];
  const rows = [];
  for (const c of cases) {
    const r = await time(c.make, count);
    rows.push({ case: c.what, ...r, samples: count });
    console.log(`${c.what}: ${r.cpuMs} ms CPU, ${r.wallMs} ms wall`);
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${platform()} ${release()}, Node ${process.versions.node}`;
  const load = `load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`;
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync(join(root, 'results'), { recursive: true });
  writeFileSync(
    join(root, 'results/scenes.json'),
    `${JSON.stringify({ date, machine, load, protocol: `median of ${count} samples after one warm-up, one thread`, rows }, null, 2)}\n`,
  );
  const md = [
    '# synthetic.scenes: time per sample',
    '',
    `Measured ${date} on ${machine}; ${load}. Median of ${count} samples after one warm-up, one thread; CPU time of the process (wall time is longer on a busy machine).`,
    '',
    '| case | CPU ms / sample | wall ms / sample |',
    '| --- | ---: | ---: |',
    ...rows.map((r) => `| ${r.case} | ${r.cpuMs} | ${r.wallMs} |`),
    '',
  ].join('\n');
  writeFileSync(join(root, 'results/scenes.md'), md);
  console.log('wrote results/scenes.json and results/scenes.md');
}

if (!args.has('--timing-only')) await figure();
if (!args.has('--figure-only')) await timing();
