import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, FormatError, saveCheckpoint } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, expect, it } from 'vitest';
import { parseMetrics, type TrainOptions, train } from '../src/index.js';
import { toyData, toyHarness } from './helpers/toy-harness.js';

// What a run does to the folder it is given: it removes the temporary files that
// killed writes left (by their pattern and only when their writer is gone), and it
// starts only in an empty folder unless forced, so no user's file and no run killed
// before its first checkpoint is overwritten.

const root = mkdtempSync(join(tmpdir(), 'atelier-run-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const folder = () => join(root, `run-${runs++}`);

const options = (out: string, more: Partial<TrainOptions> = {}): TrainOptions => ({
  data: toyData(4),
  batch: 2,
  steps: 2,
  logEvery: 1,
  out,
  ...more,
});

async function run(out: string, more: Partial<TrainOptions> = {}) {
  const h = toyHarness();
  try {
    return await train(h, options(out, more));
  } finally {
    h.dispose();
  }
}

describeBackends(
  'run folder',
  () => {
    it('a run that opens its folder removes stale temporaries of killed writes', async () => {
      const out = folder();
      await run(out, { steps: 1 });
      // What SIGKILLs in the middle of writes leave: no process has these ids.
      const stale = [
        '.checkpoint.safetensors.4194305.k2j4x9ab.tmp',
        '.index.html.4194306.a1.tmp',
        'samples/.step-4.png.4194307.zz.tmp',
      ];
      for (const name of stale) writeFileSync(join(out, name), Buffer.alloc(1024));
      // Not of the pattern, or of a writer that runs (pid 1): kept.
      const kept = ['.user-notes.tmp', '.G.safetensors.1.abc.tmp'];
      for (const name of kept) writeFileSync(join(out, name), 'mine');
      const result = await run(out, { steps: 2, resume: true });
      expect(result.step).toBe(2);
      const left = readdirSync(out).filter((n) => n.endsWith('.tmp'));
      expect(left.sort()).toEqual([...kept].sort());
      expect(readdirSync(join(out, 'samples')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    });

    it('refuses a folder that holds files but no run, unless forced', async () => {
      const out = folder();
      mkdirSync(out);
      writeFileSync(join(out, 'index.html'), 'my page');
      writeFileSync(join(out, 'config.json'), '{"mine": true}');
      const error = await run(out).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArgumentError);
      expect((error as Error).message).toMatch(/not empty \(config\.json, index\.html\).*--force/);
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('my page');
      expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{"mine": true}');
      expect(readdirSync(out).sort()).toEqual(['config.json', 'index.html']);

      const forced = await run(out, { force: true });
      expect(forced.status).toBe('finished');
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<svg');
    });

    it('refuses a run killed before its first checkpoint; forced, starts it over', async () => {
      const out = folder();
      mkdirSync(join(out, 'samples'), { recursive: true });
      writeFileSync(join(out, 'config.json'), '{"harness": "toy"}');
      writeFileSync(
        join(out, 'metrics.jsonl'),
        '{"step":7,"epoch":0,"elapsed":1,"lr":{},"losses":{}}\n',
      );
      writeFileSync(join(out, 'samples/step-70.png'), 'old');
      await expect(run(out)).rejects.toThrow(/not empty .*holds no run to resume/);
      await expect(run(out, { resume: true })).rejects.toThrow(/nothing to resume.*--force/);
      await run(out, { force: true });
      expect(readdirSync(join(out, 'samples')).sort()).toEqual(['step-0.png', 'step-2.png']);
      expect(
        parseMetrics(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).map((m) => m.step),
      ).toEqual([1, 2]);
    });

    it('an empty folder, or one with an empty samples/, is used; a run is resumed or forced over', async () => {
      const empty = folder();
      mkdirSync(join(empty, 'samples'), { recursive: true });
      expect((await run(empty)).status).toBe('finished');
      await expect(run(empty, { steps: 3 })).rejects.toThrow(/already holds a run/);
      const over = await run(empty, { steps: 1, force: true });
      // Started over: one step, not a resumed third.
      expect(over.step).toBe(1);
      expect(over.metrics.map((m) => m.step)).toEqual([1]);
    });

    it('resuming a damaged run is a FormatError naming the file, not a crash', async () => {
      const out = folder();
      await run(out);
      writeFileSync(join(out, 'config.json'), '{"harness": "toy", "tr');
      const error = await run(out, { resume: true, steps: 3 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FormatError);
      expect((error as Error).message).toContain(join(out, 'config.json'));
      // A checkpoint whose trainer state lacks fields (written by something else).
      rmSync(join(out, 'config.json'));
      const h = toyHarness();
      await saveCheckpoint(join(out, 'checkpoint.safetensors'), {
        modules: h.modules,
        optimizers: { G: h.optimizers.G!.optimizer, D: h.optimizers.D!.optimizer },
        step: 1,
        extra: { harness: 'toy', batch: 2, seed: 0 },
      });
      h.dispose();
      const state = await run(out, { resume: true, steps: 3 }).catch((e: unknown) => e);
      expect(state).toBeInstanceOf(FormatError);
      expect((state as Error).message).toMatch(
        /checkpoint\.safetensors is damaged: .*elapsed undefined/,
      );
    });
  },
  { only: ['cpu'] },
);
