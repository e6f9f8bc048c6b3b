import type { LayerPreset } from './feature-network.js';

const NEURAL_STYLE_LAYERS = {
  content: { relu4_2: 1 },
  style: { relu1_1: 1, relu2_1: 1, relu3_1: 1, relu4_1: 1, relu5_1: 1 },
};

/** Gatys et al.'s notebook: style weights 1e3 / n² (n = 64, 128, 256, 512, 512). */
const GATYS_LAYERS = {
  content: { relu4_2: 1 },
  style: {
    relu1_1: 1e3 / 64 ** 2,
    relu2_1: 1e3 / 128 ** 2,
    relu3_1: 1e3 / 256 ** 2,
    relu4_1: 1e3 / 512 ** 2,
    relu5_1: 1e3 / 512 ** 2,
  },
};

const JOHNSON_LAYERS = {
  content: { relu2_2: 1 },
  style: { relu1_2: 1, relu2_2: 1, relu3_3: 1, relu4_3: 1 },
};

/**
 * The layer sets of the reference implementations, with loss weights for the feature
 * scale of each preprocessing. The image being optimised is RGB in [0, 1]; content and
 * style losses are neural-style's mean squared errors (Gram divided by C·H·W unless said),
 * the TV loss is Σ Δx² + Δy² over the image in [0, 1].
 *
 * - 'neural-style' (VGG-19): content relu4_2, style relu1_1 … relu5_1 at equal weight
 *   (jcjohnson/neural-style). Caffe: its own 5 and 100, and its TV 1e-3 on [0, 255]
 *   (half the squared sum) = 32.5 here. torchvision: features of normalised input are
 *   ~58× smaller than Caffe's, which shrinks the (fourth-order) style term 58² times
 *   more than the content term; the PyTorch neural-transfer tutorial's 1 and 1e6 fit
 *   them, with TV 1e-3 keeping neural-style's ratio of TV to content.
 * - 'gatys' (VGG-19): the same layers, style weights 1e3 / n², Gram matrices divided by
 *   H·W only, content weight 1, no TV (leongatys/PytorchNeuralStyleTransfer, Caffe
 *   weights); for torchvision inputs the style weight is raised by 58² ≈ 3.3e3.
 * - 'johnson' (VGG-16): content relu2_2, style relu1_2, relu2_2, relu3_3, relu4_3
 *   (pytorch/examples fast_neural_style), weights as 'neural-style'.
 *
 * The rescaling for torchvision inputs is an estimate (ReLU networks with biases are
 * not exactly homogeneous): tune styleWeight when a result has too little or too much
 * style.
 */
export function vggPresets(preprocessing: 'torchvision' | 'caffe'): Record<string, LayerPreset> {
  const caffe = preprocessing === 'caffe';
  // Temporal: artistic-videos' 1e3 on [0, 255] pixels is 1e3 · 255² here (Caffe); for
  // torchvision features, whose content loss is ~58² smaller, the same ratio to content.
  const weights = caffe
    ? { contentWeight: 5, styleWeight: 100, tvWeight: 32.5, temporalWeight: 6.5e7 }
    : { contentWeight: 1, styleWeight: 1e6, tvWeight: 1e-3, temporalWeight: 4e3 };
  return {
    'neural-style': { ...NEURAL_STYLE_LAYERS, ...weights },
    gatys: {
      ...GATYS_LAYERS,
      contentWeight: 1,
      styleWeight: caffe ? 1 : 3.3e3,
      tvWeight: 0,
      temporalWeight: caffe ? 1.3e7 : 800,
      gram: 'hw',
    },
    johnson: { ...JOHNSON_LAYERS, ...weights },
  };
}
