import { type BackendName, currentBackend, rng, tf, wasmThreads } from '@atelier/core';
import { cyclegan, type Harness, pix2pix } from '@atelier/gan';
import { optimizerVariables, StepRun } from '@atelier/gan/internal';
import { formatRatio } from '../report.js';
import type { BenchCase, BenchResult, CaseStep, Suite } from '../types.js';

type HarnessName = 'pix2pix' | 'cyclegan';

const WHAT: Record<HarnessName, string> = {
  pix2pix:
    'one pix2pix training step (UNet (unet_<size>) with dropout + 70x70 PatchGAN, batch norm, vanilla GAN + 100·L1; D then G with Adam), batch 1',
  cyclegan:
    'one CycleGAN training step (two ResNet-9 generators + two PatchGANs, instance norm, LSGAN, cycle 10, identity 0.5, pools of 50; G then D with Adam), batch 1',
};

/** junyanz's default widths; smoke runs take 8 (a 64th of the work). */
const NGF = 64;

/** pix2pix's generator is unet_<size> (unet_256 at 256, as junyanz's default), as gan.py builds it. */
function build(
  name: HarnessName,
  size: number,
  ngf: number,
): Harness<{ A: tf.Tensor4D; B: tf.Tensor4D }> {
  return name === 'pix2pix'
    ? pix2pix({ netG: `unet_${size}`, ngf, ndf: ngf })
    : cyclegan({ size, ngf, ndf: ngf });
}

/** `smoke`: a tiny size, run on every backend (the software adapter included). */
function stepCase(name: HarnessName, size: number, smoke = false): BenchCase {
  const ngf = smoke ? 8 : NGF;
  return {
    name: `${name}/${size}`,
    description: `${WHAT[name]}, ${size}×${size}${ngf !== NGF ? `, ngf = ndf = ${ngf}` : ''}`,
    reference: { harness: name, size, ngf },
    skip(backend: BackendName): string | undefined {
      if (smoke) return undefined;
      if (backend === 'webgpu' && currentBackend()?.adapter?.isSoftware) {
        return 'skipped on a software WebGPU adapter (SwiftShader): minutes per step, not a measure of WebGPU';
      }
      if (backend === 'cpu') {
        return "skipped on tfjs's plain-JavaScript cpu backend: its convolution gradients take many minutes a step at 256²";
      }
      return undefined;
    },
    setup(): CaseStep {
      const harness = build(name, size, ngf);
      const data = rng(0);
      const batch = {
        A: data.uniform([1, size, size, 3], -1, 1),
        B: data.uniform([1, size, size, 3], -1, 1),
      } as {
        A: tf.Tensor4D;
        B: tf.Tensor4D;
      };
      const variables = optimizerVariables(harness);
      const random = rng(1);
      let step = 0;
      return {
        run: () => {
          const run = new StepRun(step++, 0, random, harness, variables);
          harness.step([batch], run);
          // The logged terms: reading them waits for the whole step on any backend.
          return [...run.finish().values()];
        },
        dispose: () => {
          tf.dispose([batch.A, batch.B]);
          harness.dispose();
        },
      };
    },
  };
}

function bestRatios(results: BenchResult[]): string[] {
  const lines: string[] = [];
  if (results.some((r) => r.backend === 'wasm' && r.ms !== null)) {
    lines.push(
      `- wasm ran on ${wasmThreads()} thread(s) (one per core by default, ATELIER_WASM_THREADS to change); PyTorch on 2.`,
    );
  }
  for (const name of [...new Set(results.map((r) => r.case))]) {
    const timed = results.filter(
      (r) => r.case === name && r.ratio !== null && r.backend !== 'webgpu',
    );
    if (timed.length === 0) continue;
    const best = timed.reduce((a, b) => (a.ratio! <= b.ratio! ? a : b));
    lines.push(
      `- ${name}: best CPU backend ${best.backend}, ${formatRatio(best.ratio!)} PyTorch (target ≤ 0.8×).`,
    );
  }
  return lines;
}

export const ganSuite: Suite = {
  name: 'gan',
  description:
    "Training steps of @atelier/gan's pix2pix and CycleGAN harnesses at 256², batch 1, junyanz's default options, on each backend, beside junyanz's optimize_parameters in PyTorch on the CPU (tools/parity/reference_nets.py networks, 2 threads) in the same run.",
  python: 'gan.py',
  cases: [stepCase('pix2pix', 256), stepCase('cyclegan', 256)],
  smokeCases: [stepCase('pix2pix', 32, true), stepCase('cyclegan', 32, true)],
  // Seconds to a minute a step: one warm-up (Adam's state, kernels' first runs), few runs.
  protocol: {
    cpu: { warmup: 0, runs: 1, budgetMs: 600_000 },
    wasm: { warmup: 1, runs: 3, budgetMs: 240_000 },
    webgpu: { warmup: 1, runs: 5, budgetMs: 60_000 },
    reference: { warmup: 1, runs: 3, budgetMs: 240_000 },
  },
  notes: bestRatios,
};
