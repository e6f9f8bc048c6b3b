import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectSameRun, killableChild } from './helpers/killable-child.js';

// A BicycleGAN run killed (SIGKILL) two steps after a checkpoint resumes and ends
// bit-identical to one never interrupted: G with dropout (unet_64 has an 8ngf block),
// E, D, D2, the optimizers, the EMA of G and E, the step's z draws, and the metrics.

const root = mkdtempSync(join(tmpdir(), 'atelier-bicyclegan-resume-'));
const STEPS = 8;
let child: Awaited<ReturnType<typeof killableChild>>;
beforeAll(async () => {
  child = await killableChild('train-bicyclegan-child.ts');
});
afterAll(() => {
  child?.dispose();
  rmSync(root, { recursive: true, force: true });
});

it('bicyclegan resumes after SIGKILL bit-identical to an uninterrupted run', async () => {
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
  expectSameRun(whole, parted, ['modules.G.', 'modules.E.', 'modules.D2.', 'modules.E_ema.']);
});
