import { describe, expect, it } from 'vitest';
import { getSuite, runReference, torchAvailable } from '../src/index.js';

describe('style suite', () => {
  it('times a Gatys iteration with VGG-19 at 256² and TransformerNet at 256² and 512², each beside PyTorch', () => {
    const suite = getSuite('style');
    expect(suite.cases.map((c) => c.name)).toEqual([
      'gatys-vgg19/256',
      'transformer/256',
      'transformer/512',
      'gatys-vgg19/256 onnxruntime',
      'transformer/256 onnxruntime',
      'transformer/512 onnxruntime',
    ]);
    expect(suite.cases.map((c) => c.reference ?? c.referenceCase)).toEqual([
      { kind: 'gatys', size: 256 },
      { kind: 'transformer', size: 256 },
      { kind: 'transformer', size: 512 },
      'gatys-vgg19/256',
      'transformer/256',
      'transformer/512',
    ]);
    expect(suite.python).toBe('style.py');
    // VGG-19 at 256² on tfjs's plain-JavaScript backend would take minutes.
    expect(suite.cases[0]!.skip?.('cpu')).toMatch(/skipped on cpu/);
  });

  // CI has no PyTorch: there the reference is reported missing, and this check is skipped.
  it.skipIf(!torchAvailable().ok)('its PyTorch script runs both kinds of case', async () => {
    const suite = getSuite('style');
    const cases = suite.cases
      .filter((c) => c.reference && c.name !== 'transformer/512')
      .map((c) => ({ name: c.name, spec: { ...c.reference!, size: 64 } }));
    const outcome = await runReference('style.py', cases, { warmup: 0, runs: 1, budgetMs: 60_000 });
    expect(outcome.ok, outcome.ok ? '' : outcome.reason).toBe(true);
    if (outcome.ok) {
      expect(outcome.threads).toBe(2);
      for (const c of cases) expect(outcome.ms[c.name]).toBeGreaterThan(0);
    }
  });
});
