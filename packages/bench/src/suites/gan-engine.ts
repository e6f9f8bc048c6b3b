import { rng, tf } from '@atelier/core';
import { type Harness, OnnxStepEngine, pix2pix } from '@atelier/gan';
import { optimizerVariables } from '@atelier/gan/internal';
import type { BenchCase, BenchResult, CaseStep, Suite } from '../types.js';

/**
 * A harness's training step on @atelier/gan's onnxruntime engine (`engine:
 * 'onnxruntime'`): traced once (two dry runs on the current tfjs backend) into one ONNX
 * graph of all its updates, then run by onnxruntime-node with the weights and Adam's
 * moments kept there. Timed once, in the wasm pass, beside PyTorch's step of the same
 * harness (`referenceCase`).
 */
function engineStepCase(
  name: string,
  size: number,
  what: string,
  build: () => Harness<{ A: tf.Tensor4D; B: tf.Tensor4D }>,
): BenchCase {
  return {
    name: `${name}/${size} onnxruntime`,
    description: `${what}, ${size}×${size}; on the onnxruntime engine (the whole step one ONNX graph, onnxruntime-node, its default threads)`,
    referenceCase: `${name}/${size}`,
    skip: (backend) =>
      backend === 'wasm' ? undefined : 'onnxruntime runs natively: timed once, in the wasm pass',
    async setup(): Promise<CaseStep> {
      const harness = build();
      const data = rng(0);
      const batch = {
        A: data.uniform([1, size, size, 3], -1, 1),
        B: data.uniform([1, size, size, 3], -1, 1),
      } as { A: tf.Tensor4D; B: tf.Tensor4D };
      const random = rng(1);
      const lr = Object.fromEntries(Object.entries(harness.optimizers).map(([k, o]) => [k, o.lr]));
      let engine: OnnxStepEngine | undefined;
      let step = 0;
      const once = async () => {
        const { logged } = await engine!.step([batch], 0, step++, random, lr);
        return [...logged.values()];
      };
      try {
        engine = await OnnxStepEngine.create(harness, optimizerVariables(harness));
        // The trace and compilation, then onnxruntime's arena growing: untimed.
        for (let i = 0; i < 2; i++) tf.dispose(await once());
      } catch (error) {
        await engine?.dispose();
        tf.dispose([batch.A, batch.B]);
        harness.dispose();
        throw error;
      }
      return {
        run: once,
        dispose: () => {
          // The sessions hold no tfjs tensor: released in the background.
          void engine!.dispose();
          tf.dispose([batch.A, batch.B]);
          harness.dispose();
        },
        note: 'onnxruntime engine: trace on wasm, onnxruntime-node with its default threads',
      };
    },
  };
}

type HarnessName = 'pix2pix' | 'cyclegan';

const WHAT: Record<HarnessName, string> = {
  pix2pix:
    'one pix2pix training step (UNet-256 with dropout + 70x70 PatchGAN, batch norm, vanilla GAN + 100·L1; D then G with Adam), batch 1',
  cyclegan:
    'one CycleGAN training step (two ResNet-9 generators + two PatchGANs, instance norm, LSGAN, cycle 10, identity 0.5, pools of 50; G then D with Adam), batch 1',
};

/** PyTorch's step of the harness (python/gan.py), the row the engine's case is compared with. */
function pytorchCase(name: HarnessName, size: number): BenchCase {
  return {
    name: `${name}/${size}`,
    description: `${WHAT[name]}, ${size}×${size}: junyanz's optimize_parameters in PyTorch`,
    reference: { harness: name, size, ngf: 64 },
    skip: () => "PyTorch's row: the tfjs backends' times are the gan suite's",
    setup: () => ({ run: () => tf.scalar(0), dispose: () => undefined }),
  };
}

const SIZE = 256;

export const ganEngineSuite: Suite = {
  name: 'gan-engine',
  description: `A training step of @atelier/gan's pix2pix harness at ${SIZE}², batch 1, junyanz's default options, on the onnxruntime engine (train's engine: 'onnxruntime'), beside junyanz's optimize_parameters in PyTorch on the CPU in the same run (python/gan.py, 2 threads).`,
  python: 'gan.py',
  cases: [
    pytorchCase('pix2pix', SIZE),
    engineStepCase('pix2pix', SIZE, WHAT.pix2pix, () => pix2pix({ netG: `unet_${SIZE}` })),
    // CycleGAN's step is refused by the engine (its image pool draws on the host): no
    // case until the pool runs in JavaScript between per-update graphs.
  ],
  protocol: {
    wasm: { warmup: 1, runs: 5, budgetMs: 240_000 },
    reference: { warmup: 1, runs: 5, budgetMs: 240_000 },
  },
  notes: (results: BenchResult[]) =>
    results
      .filter((r) => r.case.endsWith(' onnxruntime') && r.ratio !== null)
      .map((r) => `- ${r.case}: ${r.ratio!.toFixed(2)}× PyTorch (target ≤ 0.8×).`),
};
