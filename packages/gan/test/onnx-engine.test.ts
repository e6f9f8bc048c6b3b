import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Module, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, expect, it } from 'vitest';
import { createHarness, type Harness, type HarnessName, harnessData, train } from '../src/index.js';
import { tensorBytes } from './helpers/killable-child.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-onnx-engine-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const folder = () => join(root, `run-${runs++}`);

/** Every parameter and buffer of every module, by `<module>.<name>`. */
async function weights(harness: Harness): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [m, module] of Object.entries(harness.modules) as [string, Module][]) {
    for (const [name, t] of [...module.namedParameters(), ...module.namedBuffers()])
      out.set(`${m}.${name}`, (await t.data()) as Float32Array);
  }
  return out;
}

/** The largest difference of any weight between two runs. */
function worstDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>) {
  let worst = { key: '', diff: 0 };
  for (const [key, x] of a) {
    const y = b.get(key)!;
    for (let i = 0; i < x.length; i++) {
      const diff = Math.abs(x[i]! - y[i]!);
      if (diff > worst.diff || Number.isNaN(diff)) worst = { key, diff };
    }
  }
  return worst;
}

const CASES: { name: HarnessName; options: Record<string, unknown>; batch: number }[] = [
  { name: 'gan', options: { size: 32, ngf: 4, ndf: 4, latentDim: 8 }, batch: 4 },
  { name: 'pix2pix', options: { netG: 'unet_32', ngf: 4, ndf: 4 }, batch: 1 },
];

/**
 * Adam moves a weight by about the learning rate (2e-4) a step; two summation orders
 * may differ in the last bits of a gradient, which Adam passes on for weights whose
 * gradient is tiny. 1e-6, a two-hundredth of one step, after 5 steps (measured: 7e-9 for
 * gan, 9e-8 on cpu and 1.4e-7 on wasm for pix2pix).
 */
const TOLERANCE = 1e-6;

describeBackends(
  'training engine onnxruntime',
  () => {
    for (const c of CASES) {
      it(`${c.name}: 5 steps agree with the tfjs engine, leak no tensor`, async () => {
        const data = await harnessData(c.name, { size: 32, count: 8, seed: 1 });
        const ends: Map<string, Float32Array>[] = [];
        const losses: Record<string, number>[] = [];
        for (const engine of ['tfjs', 'onnxruntime'] as const) {
          const harness = createHarness(c.name, c.options as never);
          const counts: number[] = [];
          const result = await train(harness, {
            data: data.dataset,
            batch: c.batch,
            steps: 5,
            logEvery: 1,
            seed: 3,
            engine,
            onProgress: (p) => {
              if (p.phase === 'step') counts.push(tf.memory().numTensors);
            },
          });
          expect(result.engine).toBe(engine);
          expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(' ')}`).toBe(1);
          ends.push(await weights(harness));
          losses.push(result.losses);
          harness.dispose();
        }
        const worst = worstDifference(ends[0]!, ends[1]!);
        expect(worst.diff, `${worst.key} differs by ${worst.diff}`).toBeLessThan(TOLERANCE);
        for (const [term, v] of Object.entries(losses[0]!))
          expect(Math.abs(losses[1]![term]! - v), term).toBeLessThan(
            1e-4 * Math.max(1, Math.abs(v)),
          );
      });
    }
  },
  { only: ['cpu', 'wasm'] },
);

// The engine's own behaviour, the same whichever backend traced: on cpu only.
describeBackends(
  'training engine onnxruntime: resume and refusals',
  () => {
    it('a stopped and resumed run with EMA is bit-identical to an uninterrupted one on the engine', async () => {
      const c = CASES[0]!;
      const data = await harnessData(c.name, { size: 32, count: 8, seed: 1 });
      // EMA too: the engine's weights come back to the modules at every step for it.
      const options = {
        data: data.dataset,
        batch: c.batch,
        seed: 5,
        engine: 'onnxruntime' as const,
        ema: { beta: 0.9 },
      };
      const whole = folder();
      const parted = folder();
      let h = createHarness(c.name, c.options as never);
      await train(h, { ...options, steps: 4, out: whole });
      h.dispose();
      h = createHarness(c.name, c.options as never);
      await train(h, { ...options, steps: 2, out: parted });
      h.dispose();
      h = createHarness(c.name, c.options as never);
      await train(h, { ...options, steps: 4, out: parted, resume: true });
      h.dispose();
      const [a, b] = [
        tensorBytes(join(whole, 'checkpoint.safetensors')),
        tensorBytes(join(parted, 'checkpoint.safetensors')),
      ];
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      expect([...a.keys()].some((k) => k.includes('G_ema'))).toBe(true);
      for (const [key, bytes] of a) expect(b.get(key)!.equals(bytes), key).toBe(true);
    });

    it('refuses a step it cannot trace before any step; auto takes tfjs for it', async () => {
      const data = await harnessData('cgan', { size: 32, count: 8, seed: 1 });
      const options = { size: 32, ngf: 4, ndf: 4, latentDim: 8, numClasses: 4 };
      const harness = createHarness('cgan', options as never);
      const before = await weights(harness);
      await expect(
        train(harness, { data: data.dataset, batch: 4, steps: 2, engine: 'onnxruntime' }),
      ).rejects.toThrow(/harness 'cgan': the step draws random numbers on the host \(Rng\.int\)/);
      expect(worstDifference(before, await weights(harness)).diff).toBe(0);
      const result = await train(harness, {
        data: data.dataset,
        batch: 4,
        steps: 2,
        engine: 'auto',
      });
      expect(result.engine).toBe('tfjs');
      expect(result.step).toBe(2);
      harness.dispose();
      // CycleGAN's first step only fills its image pool (no draw on the host yet): the
      // second trace, with a fuller pool, differs, and the step is refused.
      const pairs = await harnessData('cyclegan', { size: 32, count: 4, seed: 1 });
      const cycle = createHarness('cyclegan', {
        netG: 'resnet_6blocks',
        ngf: 2,
        ndf: 2,
        size: 32,
        poolSize: 2,
      } as never);
      const untouched = await weights(cycle);
      await expect(
        train(cycle, { data: pairs.dataset, steps: 1, engine: 'onnxruntime' }),
      ).rejects.toThrow(
        /harness 'cyclegan': its step is not the same graph from one step to the next/,
      );
      expect(worstDifference(untouched, await weights(cycle)).diff).toBe(0);
      cycle.dispose();
      await expect(
        train(createHarness('gan', CASES[0]!.options as never), {
          data: data.dataset,
          steps: 1,
          engine: 'fast' as never,
        }),
      ).rejects.toThrow(/engine must be one of tfjs, onnxruntime, auto, got .*fast/);
    });
  },
  { only: ['cpu'] },
);
