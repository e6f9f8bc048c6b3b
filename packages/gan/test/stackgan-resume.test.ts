import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectSameRun, killableChild } from './helpers/killable-child.js';

// A StackGAN stage-II run killed (SIGKILL) two steps after a checkpoint resumes and
// ends bit-identical to one never interrupted: stage II's G and D (BN statistics), the
// frozen stage I, both optimizers, G's EMA, the augmentation's and z's draws, and the
// metrics.

const root = mkdtempSync(join(tmpdir(), 'atelier-stackgan-resume-'));
const STEPS = 8;
let child: Awaited<ReturnType<typeof killableChild>>;
beforeAll(async () => {
  child = await killableChild('train-stackgan-child.ts');
});
afterAll(() => {
  child?.dispose();
  rmSync(root, { recursive: true, force: true });
});

it('stackgan stage II resumes after SIGKILL bit-identical to an uninterrupted run', async () => {
  const whole = join(root, 'whole');
  const parted = join(root, 'parted');
  const [a, b] = await Promise.all([
    child.run([whole, String(STEPS), 'fresh']),
    child.run([parted, String(STEPS), 'fresh'], 'step 5'),
  ]);
  expect(a.lines.at(-1)).toBe('done');
  expect(b.signal).toBe('SIGKILL');
  expect(b.lines).toContain('checkpoint 3');
  const c = await child.run([parted, String(STEPS), 'resume']);
  expect(c.lines[0]).toBe('step 4');
  expect(c.lines.at(-1)).toBe('done');
  expectSameRun(whole, parted, ['modules.G.', 'modules.D.', 'modules.G1.', 'modules.G_ema.']);
});
