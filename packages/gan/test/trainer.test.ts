import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, readSafetensors, ShapeError, StateDictError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { Dataset } from '@atelier/datasets';
import { afterAll, expect, it } from 'vitest';
import { harnessData, parseMetrics, pix2pix, type TrainProgress, train } from '../src/index.js';
import { toyData, toyHarness } from './helpers/toy-harness.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-trainer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const folder = () => join(root, `run-${runs++}`);

/** Every tensor of a checkpoint, as bytes. */
function checkpointTensors(dir: string): Map<string, Uint8Array> {
  const { tensors } = readSafetensors(readFileSync(join(dir, 'checkpoint.safetensors')));
  const out = new Map<string, Uint8Array>();
  for (const [k, t] of Object.entries(tensors)) {
    out.set(k, new Uint8Array(t.dataSync().buffer.slice(0)));
    t.dispose();
  }
  return out;
}

describeBackends(
  'trainer',
  () => {
    it('writes the run folder: config, metrics, samples, report, checkpoint, weights', async () => {
      const out = folder();
      const harness = toyHarness();
      const counts: number[] = [];
      const events: TrainProgress[] = [];
      const result = await train(harness, {
        data: toyData(8),
        batch: 2,
        steps: 12,
        out,
        logEvery: 2,
        sampleEvery: 5,
        checkpointEvery: 4,
        seed: 1,
        schedule: { kind: 'linear', nEpochs: 1, nEpochsDecay: 3 },
        onProgress: (p) => {
          events.push(p);
          if (p.phase === 'step') counts.push(tf.memory().numTensors);
        },
      });
      expect(result.status).toBe('finished');
      expect(result.step).toBe(12);
      // The tensor count is unchanged from step to step (Adam's moments appear at step 1).
      expect(new Set(counts.slice(1)).size, `counts ${counts.join(' ')}`).toBe(1);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(config.harness).toBe('toy');
      expect(config.train).toMatchObject({ batch: 2, steps: 12, seed: 1 });
      const metrics = parseMetrics(readFileSync(join(out, 'metrics.jsonl'), 'utf8'));
      // Every second step, plus each epoch's last (4 steps an epoch).
      expect(metrics.map((m) => m.step)).toEqual([2, 4, 6, 8, 10, 12]);
      expect(Object.keys(metrics[0]!.losses).sort()).toEqual(['D_fake', 'D_real', 'G_GAN', 'G_L1']);
      // linear: full rate for one epoch, then 1 - k/4 after k more epochs.
      expect(metrics.map((m) => m.lr.D)).toEqual([0.02, 0.02, 0.015, 0.015, 0.01, 0.01]);
      expect(readdirSync(join(out, 'samples')).sort()).toEqual(
        ['step-0.png', 'step-10.png', 'step-12.png', 'step-5.png'].sort(),
      );
      const html = readFileSync(join(out, 'index.html'), 'utf8');
      expect(html).toContain('<svg');
      expect(html).toContain('samples/step-12.png');
      expect(html).not.toContain('<script');
      expect(html).toContain('finished');
      expect(existsSync(join(out, 'G.safetensors'))).toBe(true);
      expect(events.filter((e) => e.phase === 'checkpoint').map((e) => e.step)).toEqual([4, 8, 12]);
      const last = events.at(-1)!;
      expect(last.phase).toBe('done');
      expect(last.losses.G_L1).toBeGreaterThan(0);
      harness.dispose();
    });

    it('a stopped and resumed run ends bit-identical to an uninterrupted one', async () => {
      const options = {
        data: toyData(6),
        batch: 2,
        steps: 11,
        logEvery: 1,
        sampleEvery: 3,
        checkpointEvery: 100,
        seed: 5,
        ema: { beta: 0.9 },
        schedule: { kind: 'plateau' as const, patience: 0 },
      };
      const whole = folder();
      const a = toyHarness();
      await train(a, { ...options, out: whole });
      a.dispose();

      const parted = folder();
      const controller = new AbortController();
      const b = toyHarness();
      const first = await train(b, {
        ...options,
        out: parted,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'step' && p.step === 4) controller.abort();
        },
      });
      b.dispose();
      expect(first.status).toBe('interrupted');
      expect(first.step).toBe(4);
      const c = toyHarness();
      const second = await train(c, { ...options, out: parted, resume: true });
      c.dispose();
      expect(second.status).toBe('finished');

      const x = checkpointTensors(whole);
      const y = checkpointTensors(parted);
      expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
      expect([...x.keys()].some((k) => k.startsWith('modules.G_ema.'))).toBe(true);
      expect([...x.keys()].some((k) => k.startsWith('optimizers.G.'))).toBe(true);
      for (const [k, bytes] of x)
        expect(Buffer.from(y.get(k)!).equals(Buffer.from(bytes)), k).toBe(true);
      const strip = (dir: string) =>
        parseMetrics(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).map(
          ({ elapsed: _, ...m }) => m,
        );
      expect(strip(parted)).toEqual(strip(whole));
    });

    it('the EMA shadows go with the run: train + dispose leaves what a run without EMA leaves', async () => {
      const leftover = async (ema: { beta: number } | undefined) => {
        const before = tf.memory().numTensors;
        const h = toyHarness();
        await train(h, {
          data: toyData(6),
          batch: 2,
          steps: 3,
          out: folder(),
          ...(ema ? { ema } : {}),
        });
        h.dispose();
        // What stays is Adam's moments (the optimizers are not the harness's to dispose),
        // the same with EMA and without.
        return tf.memory().numTensors - before;
      };
      const plain = await leftover(undefined);
      expect(await leftover({ beta: 0.9 })).toBe(plain);
      expect(await leftover({ beta: 0.5 })).toBe(plain);
    });

    it('a real harness with EMA: train + dispose leaves the tensor count where it was', async () => {
      const data = await harnessData('pix2pix', { size: 32, count: 4, seed: 3 });
      const before = tf.memory().numTensors;
      const h = pix2pix({ netG: 'unet_32', ngf: 4, ndf: 4, seed: 3 });
      await train(h, { data: data.dataset, steps: 2, ema: { beta: 0.9 }, out: folder() });
      h.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('refuses what cannot work, with typed errors', async () => {
      const h = toyHarness();
      const empty = folder();
      await expect(
        train(h, { data: toyData(4), steps: 2, out: empty, resume: true }),
      ).rejects.toThrow(ArgumentError);
      const used = folder();
      await train(h, { data: toyData(4), steps: 2, out: used });
      await expect(train(h, { data: toyData(4), steps: 4, out: used })).rejects.toThrow(
        /already holds a run/,
      );
      const other = toyHarness('other');
      await expect(
        train(other, { data: toyData(4), steps: 4, out: used, resume: true }),
      ).rejects.toThrow(StateDictError);
      await expect(
        train(h, { data: toyData(4), steps: 4, out: used, resume: true, batch: 2 }),
      ).rejects.toThrow(/batch/);
      // Data of the wrong channel count: the harness's check names it.
      const rgb = Dataset.indexed(4, () => ({ A: tf.zeros([4, 4, 3]), B: tf.zeros([4, 4, 3]) }));
      await expect(train(h, { data: rgb, steps: 1 })).rejects.toThrow(ShapeError);
      await expect(train(h, { data: toyData(1), batch: 2, steps: 1 })).rejects.toThrow(
        /fewer than one batch/,
      );
      await expect(train(h, { data: toyData(4), steps: 1, epochs: 1 })).rejects.toThrow(/not both/);
      h.dispose();
      other.dispose();
    });
  },
  { only: ['cpu', 'wasm'] },
);
