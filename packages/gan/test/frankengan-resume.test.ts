import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectSameRun, killableChild } from './helpers/killable-child.js';

// A FrankenGAN run killed (SIGKILL) one step after a checkpoint resumes as one run and
// ends bit-identical to one never interrupted: every stage's G (with dropout), E, D and
// D2, their optimizers, each stage's z draws, the data order and the metrics.

const root = mkdtempSync(join(tmpdir(), 'atelier-frankengan-resume-'));
const STEPS = 4;
let child: Awaited<ReturnType<typeof killableChild>>;
beforeAll(async () => {
  child = await killableChild('train-frankengan-child.ts');
});
afterAll(() => {
  child?.dispose();
  rmSync(root, { recursive: true, force: true });
});

it('frankengan resumes after SIGKILL bit-identical to an uninterrupted run', async () => {
  const whole = join(root, 'whole');
  const parted = join(root, 'parted');
  const [a, b] = await Promise.all([
    child.run([whole, String(STEPS), 'fresh']),
    child.run([parted, String(STEPS), 'fresh'], 'step 3'),
  ]);
  expect(a.lines.at(-1)).toBe('done');
  expect(b.signal).toBe('SIGKILL');
  expect(b.lines).toContain('checkpoint 2');
  const c = await child.run([parted, String(STEPS), 'resume']);
  expect(c.lines[0]).toBe('step 3');
  expect(c.lines.at(-1)).toBe('done');
  expectSameRun(
    whole,
    parted,
    ['shape', 'labels', 'details'].flatMap((s) =>
      ['G', 'E', 'D', 'D2'].map((m) => `modules.${s}_${m}.`),
    ),
  );
});
