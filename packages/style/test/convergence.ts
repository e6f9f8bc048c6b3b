import { type BackendName, tf } from '@atelier/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FeatureNetwork, randomNetwork, stylize, vggNetwork } from '../src/index.js';
import { measure, sample } from './helpers.js';

/**
 * Gatys optimisation converges for both feature networks: from the content image, the
 * style loss (measured with @atelier/losses, independently of the optimiser's own
 * Gram code) falls at least 10× while the content loss stays bounded — below the
 * content loss of the style image itself, i.e. the output stays nearer the content
 * than the style is. Square crops of the shipped samples, small sizes: 32 px on wasm,
 * 16 px on cpu and on webgpu (SwiftShader), where each iteration of VGG-19 costs seconds.
 */
const SIZE: Record<BackendName, number> = { wasm: 32, cpu: 16, webgpu: 16 };
const ITERATIONS: Record<BackendName, number> = { wasm: 20, cpu: 15, webgpu: 12 };

export async function converges(
  backend: BackendName,
  network: FeatureNetwork,
  content: tf.Tensor3D,
  style: tf.Tensor3D,
  engine: 'tfjs' | 'onnxruntime' = 'tfjs',
): Promise<{ before: number; after: number; content: number; styleContent: number }> {
  const full = network.presets[network.defaultPreset]!;
  // On webgpu (SwiftShader) VGG-19 stops at relu3_1: each distinct conv shape costs
  // seconds of shader compilation there, and relu5_1 needs 13 of them, forward and back.
  const shallow = backend === 'webgpu' && network.kind === 'vgg19';
  const preset = shallow
    ? { ...full, content: { relu3_1: 1 }, style: { relu1_1: 1, relu2_1: 1, relu3_1: 1 } }
    : full;
  const before = tf.memory().numTensors;
  const result = await stylize({
    content,
    styles: [{ image: style }],
    network,
    size: SIZE[backend],
    iterations: ITERATIONS[backend],
    contentLayers: preset.content,
    styleLayers: preset.style,
    engine,
  });
  // Only the result is left behind.
  expect(tf.memory().numTensors).toBe(before + 1);
  expect(result.image.shape).toEqual([SIZE[backend], SIZE[backend], 3]);
  const [h, w] = result.image.shape;
  const start = tf.tidy(
    () =>
      tf.squeeze(
        tf.image.resizeBilinear(tf.expandDims(content, 0) as tf.Tensor4D, [h, w], false, true),
        [0],
      ) as tf.Tensor3D,
  );
  const styleAtSize = tf.tidy(
    () =>
      tf.squeeze(
        tf.image.resizeBilinear(tf.expandDims(style, 0) as tf.Tensor4D, [h, w], false, true),
        [0],
      ) as tf.Tensor3D,
  );
  const m0 = await measure(network, preset, start, content, style);
  const m1 = await measure(network, preset, result.image, content, style);
  const ms = await measure(network, preset, styleAtSize, content, style);
  tf.dispose([start, styleAtSize, result.image]);
  console.log(
    `[${backend}${engine === 'onnxruntime' ? ', onnxruntime' : ''}] ${network.kind}: style ${m0.style.toExponential(3)} -> ${m1.style.toExponential(3)} (${(m0.style / m1.style).toFixed(1)}x), content ${m1.content.toExponential(3)} (style image's: ${ms.content.toExponential(3)})`,
  );
  return { before: m0.style, after: m1.style, content: m1.content, styleContent: ms.content };
}

export function convergenceSuite(backend: BackendName): void {
  let content: tf.Tensor3D;
  let style: tf.Tensor3D;
  beforeAll(async () => {
    content = await sample('chelsea', true);
    style = await sample('coffee', true);
  });
  afterAll(() => tf.dispose([content, style]));

  it('random multi-scale network (sizes 3, 5, 7; 16 maps each)', async () => {
    const network = randomNetwork({ seed: 0, sizes: [3, 5, 7], maps: 16 });
    const r = await converges(backend, network, content, style);
    network.dispose();
    expect(r.after).toBeLessThan(r.before / 10);
    expect(r.content).toBeLessThan(r.styleContent);
  });

  it('VGG-19 to relu5_1 (seeded random weights), neural-style layers (webgpu: to relu3_1)', async () => {
    const network = await vggNetwork({ depth: 19, seed: 0 });
    const r = await converges(backend, network, content, style);
    network.dispose();
    expect(r.after).toBeLessThan(r.before / 10);
    expect(r.content).toBeLessThan(r.styleContent);
  });
}
