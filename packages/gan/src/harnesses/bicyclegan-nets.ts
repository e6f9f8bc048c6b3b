import {
  ConvEncoder,
  initWeights,
  type LatentEncoder,
  MultiscaleDiscriminator,
  ResnetEncoder,
  UnetZGenerator,
} from '@atelier/blocks';
import { type Module, type Rng, tf } from '@atelier/core';
import type { ResolvedBicycleGan } from './bicyclegan-options.js';
import { parseBicycleD, parseBicycleE } from './bicyclegan-options.js';
import { parseNetG } from './junyanz-nets.js';

function init<M extends Module>(net: M, o: ResolvedBicycleGan, seed: Rng): M {
  return initWeights(net, { type: o.initType, gain: o.initGain, seed: seed.fork('init') });
}

/** BicycleGAN's `define_G`: a UNet taking z at its input or every level. */
export function createBicycleG(o: ResolvedBicycleGan, seed: Rng): UnetZGenerator {
  const parsed = parseNetG(o.netG, 'bicyclegan');
  const numDowns = parsed.kind === 'unet' ? parsed.numDowns : 8;
  const net = new UnetZGenerator({
    inChannels: o.inChannels,
    outChannels: o.outChannels,
    nz: o.nz,
    numDowns,
    ngf: o.ngf,
    norm: o.norm,
    dropout: o.dropout,
    whereAdd: o.whereAdd,
    seed: seed.fork('build'),
  });
  return init(net, o, seed);
}

/** `define_E`: resnet_N or conv_N, giving μ and log σ² of z. */
export function createBicycleE(o: ResolvedBicycleGan, seed: Rng): LatentEncoder {
  const { kind, size } = parseBicycleE(o.netE, 'bicyclegan');
  const common = {
    inChannels: o.outChannels,
    nz: o.nz,
    nef: o.nef,
    size,
    norm: o.norm,
    seed: seed.fork('build'),
  };
  return init(kind === 'resnet' ? new ResnetEncoder(common) : new ConvEncoder(common), o, seed);
}

/** `define_D` (conditional_D off: D sees B alone): PatchGANs at one or two scales. */
export function createBicycleD(o: ResolvedBicycleGan, netD: string, seed: Rng) {
  const { nLayers, numD } = parseBicycleD(netD, 'bicyclegan');
  const net = new MultiscaleDiscriminator({
    inChannels: o.outChannels,
    ndf: o.ndf,
    nLayers,
    numD,
    norm: o.norm,
    seed: seed.fork('build'),
  });
  return init(net, o, seed);
}

/** E's copy through which the cLR-GAN z loss reaches G only (E is frozen for it). */
export function syncCopy(from: Module, to: Module): void {
  const source = from.parameters();
  const target = to.parameters();
  tf.tidy(() => {
    for (let i = 0; i < source.length; i++) target[i]!.assign(source[i]!);
  });
}
