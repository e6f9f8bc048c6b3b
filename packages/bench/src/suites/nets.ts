import { ResnetGenerator, TransformerNet, UnetGenerator } from '@atelier/blocks';
import { type BackendName, currentBackend, type Module, tf, wasmThreads } from '@atelier/core';
import type { BenchCase, BenchResult, CaseStep, Suite } from '../types.js';
import { bestPaths, onnxCase } from './onnx-case.js';

/** A network of the suite, as `python/nets.py` builds the same one from tools/parity. */
type NetName = 'unet256' | 'resnet9' | 'transformer';

interface NetSpec {
  net: NetName;
  size: number;
}

function build(net: NetName): Module & { forward(x: tf.Tensor): tf.Tensor } {
  switch (net) {
    case 'unet256':
      return new UnetGenerator({
        inChannels: 3,
        outChannels: 3,
        numDowns: 8,
        ngf: 64,
        norm: 'batch',
      });
    case 'resnet9':
      return new ResnetGenerator({
        inChannels: 3,
        outChannels: 3,
        ngf: 64,
        norm: 'instance',
        nBlocks: 9,
      });
    case 'transformer':
      return new TransformerNet();
  }
}

const WHAT: Record<NetName, string> = {
  unet256: "pix2pix's UNet-256 (numDowns 8, ngf 64, batch norm, 54.4 M parameters)",
  resnet9: "CycleGAN's ResNet-9 generator (ngf 64, instance norm, 11.4 M parameters)",
  transformer: "Johnson et al.'s TransformerNet (fast_neural_style, 1.7 M parameters)",
};

function input(net: NetName, size: number): tf.Tensor4D {
  // TransformerNet takes RGB in [0, 255]; the generators take [-1, 1].
  return net === 'transformer'
    ? tf.randomUniform([1, size, size, 3], 0, 255, 'float32', 1)
    : tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 1);
}

/** `smoke`: a tiny size, run on every backend (the software adapter included). */
function netCase(net: NetName, size: number, smoke = false): BenchCase {
  const spec: NetSpec = { net, size };
  return {
    name: `${net}/${size}`,
    description: `${WHAT[net]}, inference (eval) of one ${size}×${size} RGB image`,
    reference: { ...spec },
    skip(backend: BackendName): string | undefined {
      // SwiftShader runs WGSL on the CPU, one shader invocation at a time per core: a
      // network of tens of GFLOPs takes minutes there and says nothing about WebGPU.
      if (!smoke && backend === 'webgpu' && currentBackend()?.adapter?.isSoftware) {
        return 'skipped on a software WebGPU adapter (SwiftShader): minutes per run, not a measure of WebGPU';
      }
      return undefined;
    },
    setup(): CaseStep {
      const model = build(net).eval();
      const x = input(net, size);
      return {
        run: () => model.call(x),
        dispose: () => {
          x.dispose();
          model.dispose();
        },
      };
    },
  };
}

/** The same network and input, exported to ONNX and run by onnxruntime-node. */
function netOnnxCase(net: NetName, size: number): BenchCase {
  return onnxCase({
    of: `${net}/${size}`,
    description: `${WHAT[net]}, inference (eval) of one ${size}×${size} RGB image`,
    build: () => {
      const module = build(net).eval();
      const x = input(net, size);
      return {
        module,
        input: x,
        dispose: () => {
          x.dispose();
          module.dispose();
        },
      };
    },
  });
}

/** Per network, the best CPU-side path (a tfjs backend or onnxruntime) against PyTorch; and wasm's thread count. */
function bestRatios(results: BenchResult[]): string[] {
  const lines: string[] = [];
  if (results.some((r) => r.backend === 'wasm' && r.ms !== null)) {
    lines.push(
      `- wasm ran on ${wasmThreads()} thread(s) (one per core by default, ATELIER_WASM_THREADS to change); PyTorch on 2.`,
    );
  }
  lines.push(...bestPaths(results, 'best CPU path', true));
  return lines;
}

export const netsSuite: Suite = {
  name: 'nets',
  description:
    "Inference of the papers' networks from @atelier/blocks (random weights, eval mode, batch 1) on each backend, beside the same networks in PyTorch on the CPU (tools/parity/reference_nets.py, eval, no_grad, 2 threads) in the same run.",
  python: 'nets.py',
  cases: [
    netCase('unet256', 256),
    netCase('resnet9', 256),
    netCase('transformer', 256),
    netCase('transformer', 512),
    netOnnxCase('unet256', 256),
    netOnnxCase('resnet9', 256),
    netOnnxCase('transformer', 256),
    netOnnxCase('transformer', 512),
  ],
  // UNet-256 halves its input eight times: it has no size small enough for a smoke run.
  smokeCases: [netCase('resnet9', 16, true), netCase('transformer', 16, true)],
  // A run takes seconds on wasm and minutes on tfjs's plain-JavaScript cpu backend
  // (ResNet-9 about 8): there one run, without a warm-up, whose one-time costs are
  // negligible beside that.
  protocol: {
    cpu: { warmup: 0, runs: 1, budgetMs: 60_000 },
    wasm: { warmup: 1, runs: 5, budgetMs: 30_000 },
    webgpu: { warmup: 1, runs: 5, budgetMs: 30_000 },
    reference: { warmup: 2, runs: 10, budgetMs: 20_000 },
  },
  notes: bestRatios,
};
