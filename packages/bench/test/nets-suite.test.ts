import { describe, expect, it } from 'vitest';
import { getSuite, runReference, torchAvailable } from '../src/index.js';

describe('nets suite', () => {
  it('times UNet-256, ResNet-9 and TransformerNet at 256² and 512², each beside PyTorch', () => {
    const suite = getSuite('nets');
    expect(suite.cases.map((c) => c.name)).toEqual([
      'unet256/256',
      'resnet9/256',
      'transformer/256',
      'transformer/512',
      'unet256/256 onnxruntime',
      'resnet9/256 onnxruntime',
      'transformer/256 onnxruntime',
      'transformer/512 onnxruntime',
    ]);
    // What the PyTorch script is asked to build and time, case by case; the onnxruntime
    // cases are compared with PyTorch's time of the same network.
    expect(suite.cases.map((c) => c.reference ?? c.referenceCase)).toEqual([
      { net: 'unet256', size: 256 },
      { net: 'resnet9', size: 256 },
      { net: 'transformer', size: 256 },
      { net: 'transformer', size: 512 },
      'unet256/256',
      'resnet9/256',
      'transformer/256',
      'transformer/512',
    ]);
    // onnxruntime runs natively: timed once, in the wasm pass.
    expect(suite.cases[4]!.skip?.('cpu')).toMatch(/timed once, in the wasm pass/);
    expect(suite.cases[4]!.skip?.('wasm')).toBeUndefined();
    expect(suite.python).toBe('nets.py');
  });

  // CI has no PyTorch: there the reference is reported missing, and this check is skipped.
  it.skipIf(!torchAvailable().ok)(
    'its PyTorch script builds the same networks and times them',
    async () => {
      const suite = getSuite('nets');
      const small = suite.cases.find((c) => c.name === 'transformer/256')!;
      const outcome = await runReference(
        'nets.py',
        [{ name: small.name, spec: small.reference! }],
        {
          warmup: 0,
          runs: 1,
          budgetMs: 60_000,
        },
      );
      expect(outcome.ok).toBe(true);
      if (outcome.ok) {
        expect(outcome.threads).toBe(2);
        expect(outcome.ms[small.name]).toBeGreaterThan(0);
      }
    },
  );
});
