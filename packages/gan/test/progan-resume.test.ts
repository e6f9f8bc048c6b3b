import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectSameRun, killableChild } from './helpers/killable-child.js';

// A progressive run killed (SIGKILL) in the middle of a fade-in resumes at the same
// image count and α and ends bit-identical to a run never interrupted: weights, both
// optimizers (reset at each phase change), the EMA, the schedule and the metrics.

const root = mkdtempSync(join(tmpdir(), 'atelier-progan-resume-'));
const STEPS = 10;
let child: Awaited<ReturnType<typeof killableChild>>;
beforeAll(async () => {
  child = await killableChild('train-progan-child.ts');
});
afterAll(() => {
  child?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const runChild = (out: string, mode: 'fresh' | 'resume', killAfter?: RegExp) =>
  child.run([out, 'cpu', String(STEPS), mode], killAfter);

it('resumes mid-fade at the same α and image count, bit-identical to an uninterrupted run', async () => {
  const whole = join(root, 'whole');
  const parted = join(root, 'parted');
  const [a, b] = await Promise.all([
    runChild(whole, 'fresh'),
    runChild(parted, 'fresh', /^step 8 /),
  ]);
  expect(a.lines.at(-1)).toBe('done');
  expect(b.signal).toBe('SIGKILL');
  // The checkpoint at step 7: 28 images shown, the 16 px layers half faded in.
  expect(b.lines).toContain('checkpoint 7 images 28 alpha 0.5');
  expect(b.lines).not.toContain('done');
  const c = await runChild(parted, 'resume');
  // Step 8 is redone at the checkpoint's α, then the fade ends and 16 px is stable.
  expect(c.lines[0]).toBe('step 8 alpha 0.5 res 16');
  expect(c.lines).toContain('step 9 alpha 1 res 16');
  expect(c.lines.at(-1)).toBe('done');
  expect(a.lines.filter((l) => l.startsWith('step'))).toEqual([
    ...b.lines.filter((l) => l.startsWith('step')).slice(0, 7),
    ...c.lines.filter((l) => l.startsWith('step')),
  ]);

  expectSameRun(whole, parted, [
    'modules.G.',
    'modules.G_ema.',
    'modules.D.',
    'optimizers.G.',
    'optimizers.D.',
  ]);
  expect(
    readFileSync(join(parted, 'G.safetensors')).equals(readFileSync(join(whole, 'G.safetensors'))),
  ).toBe(true);
});
