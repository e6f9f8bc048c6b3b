import { ResnetGenerator, TransformerNet, UnetGenerator } from '@atelier/blocks';
import { type Module, tf } from '@atelier/core';

/** A case of @atelier/bench's `nets` suite: one network's inference on one RGB image. */
export interface NetCase {
  /** As the suite names it: `<net>/<size>`. */
  name: string;
  net: 'unet256' | 'resnet9' | 'transformer';
  size: number;
  description: string;
}

const WHAT = {
  unet256: "pix2pix's UNet-256 (numDowns 8, ngf 64, batch norm)",
  resnet9: "CycleGAN's ResNet-9 generator (ngf 64, instance norm)",
  transformer: "Johnson et al.'s TransformerNet (fast_neural_style)",
} as const;

/** The suite's cases ('as the nets suite'), or smaller sides of the same networks. */
export function netCases(scale: number): NetCase[] {
  const cases: [NetCase['net'], number][] =
    scale >= 1
      ? [
          ['unet256', 256],
          ['resnet9', 256],
          ['transformer', 256],
          ['transformer', 512],
        ]
      : scale >= 0.25
        ? [
            ['resnet9', 64],
            ['transformer', 64],
            ['transformer', 128],
          ]
        : // Tiny: what a software adapter compiles and runs in seconds.
          [['transformer', 16]];
  return cases.map(([net, size]) => ({
    name: `${net}/${size}`,
    net,
    size,
    description: `${WHAT[net]}, inference (eval) of one ${size}×${size} RGB image`,
  }));
}

function build(net: NetCase['net']): Module & { forward(x: tf.Tensor): tf.Tensor } {
  if (net === 'unet256') {
    return new UnetGenerator({
      inChannels: 3,
      outChannels: 3,
      numDowns: 8,
      ngf: 64,
      norm: 'batch',
    });
  }
  if (net === 'resnet9') {
    return new ResnetGenerator({
      inChannels: 3,
      outChannels: 3,
      ngf: 64,
      norm: 'instance',
      nBlocks: 9,
    });
  }
  return new TransformerNet();
}

/** The network (random weights, eval mode) and its input, as the suite builds them. */
export function prepareNet(c: NetCase): { run: () => tf.Tensor[]; dispose: () => void } {
  const model = build(c.net).eval();
  // TransformerNet takes RGB in [0, 255]; the generators take [-1, 1].
  const x =
    c.net === 'transformer'
      ? tf.randomUniform([1, c.size, c.size, 3], 0, 255, 'float32', 1)
      : tf.randomUniform([1, c.size, c.size, 3], -1, 1, 'float32', 1);
  return {
    run: () => [model.call(x) as tf.Tensor],
    dispose: () => {
      x.dispose();
      model.dispose();
    },
  };
}
