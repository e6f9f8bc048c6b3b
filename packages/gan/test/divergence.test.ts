import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, readSafetensors, rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { Dataset } from '@atelier/datasets';
import { afterAll, expect, it } from 'vitest';
import {
  DivergenceError,
  LossWatch,
  nonFiniteWeight,
  type TrainOptions,
  train,
} from '../src/index.js';
import { toyHarness } from './helpers/toy-harness.js';

// A run whose losses or weights go NaN stops with a DivergenceError naming the step, and
// writes nothing non-finite: the checkpoint left is the last finite one, no weights are
// exported. Before, NaN was only seen on logged steps, so a checkpoint, an interrupt or
// a time budget between them saved NaN weights (and the run could end 'finished').

const root = mkdtempSync(join(tmpdir(), 'atelier-divergence-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const folder = () => join(root, `run-${runs++}`);

/** toyData's pairs, with a NaN pixel in sample `bad`: the step that takes it goes NaN. */
function nanData(count: number, bad: number) {
  return Dataset.indexed(count, (i) => {
    const A = tf.tidy(() => {
      const a = rng(100 + i).uniform([4, 4, 1], -1, 1);
      return i === bad ? tf.mul(a, tf.scalar(Number.NaN)) : a;
    }) as tf.Tensor3D;
    return { A, B: tf.tidy(() => tf.mul(A, 0.5)) as tf.Tensor3D };
  });
}

/** The checkpoint's step and whether all its tensors are finite. */
function readCheckpoint(dir: string): { step: number; finite: boolean } {
  const { tensors, metadata } = readSafetensors(readFileSync(join(dir, 'checkpoint.safetensors')));
  let finite = true;
  for (const t of Object.values(tensors)) {
    if (t.dtype === 'float32' && !(t.dataSync() as Float32Array).every(Number.isFinite))
      finite = false;
    t.dispose();
  }
  return { step: JSON.parse(metadata['atelier.checkpoint']!).step, finite };
}

async function divergence(run: Promise<unknown>): Promise<DivergenceError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DivergenceError);
  return error as DivergenceError;
}

// Sample 4 (no shuffle, batch 1) is step 5's batch; logging only at the end.
const base = (out: string): TrainOptions => ({
  data: nanData(12, 4),
  batch: 1,
  steps: 12,
  shuffle: false,
  logEvery: 100,
  sampleEvery: 100,
  checkpointEvery: 2,
  sampleData: nanData(4, -1),
  out,
});

describeBackends(
  'divergence',
  () => {
    it('a NaN between logged steps: the error names its step, the checkpoint stays finite', async () => {
      const out = folder();
      const h = toyHarness();
      const error = await divergence(train(h, base(out)));
      h.dispose();
      expect(error.step).toBe(5);
      expect(error.checkpointStep).toBe(4);
      expect(error.message).toMatch(/diverged at step 5.*checkpoint of step 4/);
      expect(readCheckpoint(out)).toEqual({ step: 4, finite: true });
      expect(existsSync(join(out, 'G.safetensors'))).toBe(false);
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/diverged at step 5/);
    });

    it('an interrupt or a time budget after a NaN step saves nothing non-finite', async () => {
      for (const stop of ['signal', 'time'] as const) {
        const out = folder();
        const h = toyHarness();
        const controller = new AbortController();
        const options: TrainOptions = {
          ...base(out),
          checkpointEvery: 0,
          onProgress: (p) => {
            if (p.phase === 'step' && p.step === 6) controller.abort();
          },
          ...(stop === 'signal' ? { signal: controller.signal } : {}),
        };
        if (stop === 'time') {
          // The budget ends the run after the first step; its batch is the NaN one.
          options.data = nanData(12, 0);
          options.maxSeconds = 1e-6;
        }
        const error = await divergence(train(h, options));
        h.dispose();
        expect(error.step, stop).toBe(stop === 'time' ? 1 : 5);
        expect(error.checkpointStep).toBeUndefined();
        expect(existsSync(join(out, 'checkpoint.safetensors')), stop).toBe(false);
        expect(existsSync(join(out, 'G.safetensors')), stop).toBe(false);
      }
    });

    it('non-finite weights with finite losses are named before a checkpoint', async () => {
      const out = folder();
      const h = toyHarness();
      const options: TrainOptions = {
        ...base(out),
        data: nanData(12, -1),
        onProgress: (p) => {
          // After step 4's update and losses, before its checkpoint.
          if (p.phase === 'step' && p.step === 4)
            h.modules.D!.namedParameters()[1]![1].assign(tf.fill([1], Number.POSITIVE_INFINITY));
        },
      };
      const error = await divergence(train(h, options));
      h.dispose();
      expect(error.step).toBe(4);
      expect(error.message).toMatch(/D\.bias holds NaN or infinite values/);
      expect(readCheckpoint(out)).toEqual({ step: 2, finite: true });
    });

    it('nonFiniteWeight names the tensor and ignores large finite values', async () => {
      const h = toyHarness();
      expect(await nonFiniteWeight(h.modules)).toBeUndefined();
      h.modules.G!.namedParameters()[0]![1].assign(tf.fill([1, 1, 1, 1], 3e38));
      h.modules.D!.namedParameters()[0]![1].assign(tf.fill([1, 1, 1, 1], 3e38));
      // A plain sum would overflow to Infinity here.
      expect(await nonFiniteWeight(h.modules)).toBeUndefined();
      h.modules.D!.namedParameters()[1]![1].assign(tf.fill([1], Number.NaN));
      expect(await nonFiniteWeight(h.modules)).toBe('D.bias');
      await expect(nonFiniteWeight({ G: {} as never })).rejects.toThrow(ArgumentError);
      const watch = new LossWatch();
      expect(() => watch.observe(0, [])).toThrow(ArgumentError);
      expect(() => watch.observe(1, [tf.zeros([2]) as tf.Scalar])).toThrow(/scalars/);
      watch.dispose();
      h.dispose();
    });

    it('a diverged run leaves no tensors behind', async () => {
      const h = toyHarness();
      const run = (data: Dataset<unknown>) =>
        train(h, { data, batch: 2, steps: 4, ema: { beta: 0.9 }, out: folder() });
      // Adam's moments appear in the first run and stay (the optimizers are not disposed).
      await run(nanData(6, -1));
      const before = tf.memory().numTensors;
      await divergence(run(nanData(6, 5)));
      expect(tf.memory().numTensors).toBe(before);
      h.dispose();
    });
  },
  { only: ['cpu', 'wasm'] },
);
