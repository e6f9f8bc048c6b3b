import { Module, type Rng, rng, ShapeError, type tf as TF, tf } from '@atelier/core';
import { DCGANGenerator } from './dcgan-generator.js';
import type { DcganSize } from './dcgan-size.js';
import { LabelEmbedding } from './label-embedding.js';

export interface ConditionalGeneratorOptions {
  numClasses: number;
  /** Length of z (default 100). */
  latentDim?: number;
  /** Length of the label embedding (default 50). */
  embedDim?: number;
  ngf?: number;
  outChannels?: number;
  size?: DcganSize;
  seed?: number | Rng;
}

/**
 * A class-conditional DCGAN generator (Mirza & Osindero's conditioning on the DCGAN
 * of Radford et al.): the label's embedding is concatenated to z and the pair drives a
 * DCGAN generator with latentDim + embedDim inputs.
 */
export class ConditionalGenerator extends Module {
  readonly embed: LabelEmbedding;
  readonly net: DCGANGenerator;
  readonly latentDim: number;

  constructor(options: ConditionalGeneratorOptions) {
    super();
    const r = typeof options.seed === 'object' ? options.seed : rng(options.seed ?? 0);
    this.latentDim = options.latentDim ?? 100;
    const embedDim = options.embedDim ?? 50;
    this.embed = new LabelEmbedding(options.numClasses, embedDim, r.fork('embed'));
    this.net = new DCGANGenerator({
      latentDim: this.latentDim + embedDim,
      ngf: options.ngf ?? 64,
      outChannels: options.outChannels ?? 3,
      size: options.size ?? 64,
      seed: r.fork('net'),
    });
  }

  /** z [N, latentDim], labels int32 [N] -> images [N, size, size, C] in [-1, 1]. */
  forward(z: TF.Tensor, labels: TF.Tensor): TF.Tensor4D {
    if (z.rank !== 2 || z.shape[1] !== this.latentDim || labels.shape[0] !== z.shape[0]) {
      throw new ShapeError(
        `ConditionalGenerator: expected z [N, ${this.latentDim}] and labels [N], got [${z.shape.join(', ')}] and [${labels.shape.join(', ')}]`,
      );
    }
    return this.net.forward(tf.concat([z, this.embed.forward(labels)], 1));
  }
}
