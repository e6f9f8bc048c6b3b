import { TransformerNet } from '@atelier/blocks';
import { type BackendName, currentBackend, Module, tf } from '@atelier/core';
import {
  createGatysLoss,
  type GatysLoss,
  runTransformer,
  TransformerInference,
  vggNetwork,
} from '@atelier/style';
import type { BenchCase, BenchResult, CaseStep, Suite } from '../types.js';
import { bestPaths, onnxCase } from './onnx-case.js';

/** SwiftShader runs WGSL on the CPU: these networks take minutes there. */
function softwareWebGPU(backend: BackendName): string | undefined {
  return backend === 'webgpu' && currentBackend()?.adapter?.isSoftware
    ? 'skipped on a software WebGPU adapter (SwiftShader): minutes per run, not a measure of WebGPU'
    : undefined;
}

/**
 * One iteration of Gatys et al.'s optimisation as neural-style runs it: VGG-19 (seeded
 * random weights; timing does not depend on them) to relu5_1 on a 256×256 image,
 * content loss at relu4_2, Gram style losses at relu1_1 … relu5_1, TV, and the gradient
 * of their sum with respect to the image: what one L-BFGS evaluation costs.
 */
function gatysCase(size: number, smoke = false): BenchCase {
  return {
    name: `gatys-vgg19/${size}`,
    description: `Gatys iteration: VGG-19 to relu5_1 (neural-style layers), loss and gradient w.r.t. a ${size}×${size} image`,
    reference: { kind: 'gatys', size },
    skip(backend) {
      if (smoke) return undefined;
      if (backend === 'cpu') {
        return "skipped on cpu: tfjs's plain-JavaScript convolutions need minutes for VGG-19 at this size";
      }
      return softwareWebGPU(backend);
    },
    setup(): CaseStep {
      const content = tf.randomUniform([size, size, 3], 0, 255, 'float32', 1) as tf.Tensor3D;
      const style = tf.randomUniform([size, size, 3], 0, 255, 'float32', 2) as tf.Tensor3D;
      let problem: GatysLoss | undefined;
      let network: Awaited<ReturnType<typeof vggNetwork>> | undefined;
      return {
        // The targets are computed once, in the first (warm-up) run.
        run: async () => {
          if (!problem) {
            network = await vggNetwork({ depth: 19, seed: 0 });
            problem = await createGatysLoss({ content, styles: [{ image: style }], network, size });
          }
          const p = problem;
          return tf.tidy(() => {
            const { value, grads } = tf.valueAndGrads(
              (x: tf.Tensor) => p.loss(x as tf.Tensor4D).total,
            )([p.content]);
            return [value, grads[0]!];
          });
        },
        dispose: () => {
          problem?.dispose();
          network?.dispose();
          tf.dispose([content, style]);
        },
      };
    },
  };
}

/** Johnson et al.'s feed-forward network on one image (runTransformer: inference and clamping). */
function transformerCase(size: number, smoke = false): BenchCase {
  return {
    name: `transformer/${size}`,
    description: `TransformerNet inference (fast_neural_style, 1.7 M parameters), one ${size}×${size} RGB image, through runTransformer`,
    reference: { kind: 'transformer', size },
    skip: (backend) => (smoke ? undefined : softwareWebGPU(backend)),
    setup(): CaseStep {
      const net = new TransformerNet({ seed: 0 }).eval();
      const x = tf.randomUniform([size, size, 3], 0, 255, 'float32', 3) as tf.Tensor3D;
      return {
        run: () => runTransformer(net, x),
        dispose: () => {
          x.dispose();
          net.dispose();
        },
      };
    },
  };
}

/** A Gatys evaluation (loss and its gradient with respect to the image) as one module. */
class GatysEvaluation extends Module {
  constructor(readonly problem: GatysLoss) {
    super();
  }
  forward(x: tf.Tensor4D): tf.Tensor[] {
    const { value, grads } = tf.valueAndGrads(
      (input: tf.Tensor) => this.problem.loss(input as tf.Tensor4D).total,
    )([x]);
    return [value, grads[0]!];
  }
}

/** The Gatys case's evaluation, traced with its backward pass and run by onnxruntime. */
function gatysOnnxCase(size: number): BenchCase {
  return onnxCase({
    of: `gatys-vgg19/${size}`,
    description: `Gatys iteration: VGG-19 to relu5_1 (neural-style layers), loss and gradient w.r.t. a ${size}×${size} image, forward and backward traced (stylize's engine 'onnxruntime')`,
    build: async () => {
      const content = tf.randomUniform([size, size, 3], 0, 255, 'float32', 1) as tf.Tensor3D;
      const style = tf.randomUniform([size, size, 3], 0, 255, 'float32', 2) as tf.Tensor3D;
      const network = await vggNetwork({ depth: 19, seed: 0 });
      const problem = await createGatysLoss({ content, styles: [{ image: style }], network, size });
      return {
        module: new GatysEvaluation(problem),
        input: problem.content,
        dispose: () => {
          problem.dispose();
          network.dispose();
          tf.dispose([content, style]);
        },
      };
    },
  });
}

/** The transformer case's computation, run by onnxruntime from @atelier/onnx's export. */
function transformerOnnxCase(size: number): BenchCase {
  return onnxCase({
    of: `transformer/${size}`,
    description: `TransformerNet inference (fast_neural_style, 1.7 M parameters), one ${size}×${size} RGB image, with runTransformer's crop and clamp`,
    build: () => {
      const module = new TransformerInference(new TransformerNet({ seed: 0 }));
      const x = tf.randomUniform([1, size, size, 3], 0, 255, 'float32', 3);
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

function bestRatios(results: BenchResult[]): string[] {
  return bestPaths(results, 'best', false);
}

export const styleSuite: Suite = {
  name: 'style',
  description:
    'Style transfer (@atelier/style): a Gatys iteration with VGG-19 to relu5_1 at 256², and TransformerNet inference at 256² and 512², beside the same computations in PyTorch (torchvision VGG-19, tools/parity TransformerNet; 2 threads) in the same run.',
  python: 'style.py',
  cases: [
    gatysCase(256),
    transformerCase(256),
    transformerCase(512),
    gatysOnnxCase(256),
    transformerOnnxCase(256),
    transformerOnnxCase(512),
  ],
  // `smoke`: tiny sizes, run on every backend (the software adapter included).
  smokeCases: [gatysCase(16, true), transformerCase(16, true)],
  protocol: {
    cpu: { warmup: 0, runs: 1, budgetMs: 60_000 },
    wasm: { warmup: 1, runs: 3, budgetMs: 30_000 },
    webgpu: { warmup: 1, runs: 5, budgetMs: 30_000 },
    reference: { warmup: 1, runs: 5, budgetMs: 20_000 },
  },
  notes: bestRatios,
};
