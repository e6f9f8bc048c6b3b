import { BatchNorm2d, Conv2d, Linear, Upsample } from '@atelier/blocks';
import { Module, type Rng, Sequential, ShapeError, tf } from '@atelier/core';

// StackGAN's networks (hanzhanggit/StackGAN-Pytorch, code/model.py) on NHWC tensors,
// their widths scaled by gf/df and their depths by the image sizes.

const relu = (x: tf.Tensor) => tf.relu(x);
const leaky = (x: tf.Tensor) => tf.leakyRelu(x, 0.2);

function conv(inC: number, outC: number, k: number, stride: number, seed: Rng, bias = false) {
  return new Conv2d({
    inChannels: inC,
    outChannels: outC,
    kernelSize: k,
    stride,
    padding: k === 3 ? 1 : stride === 2 ? 1 : 0,
    bias,
    seed,
  });
}

/** The reference's upBlock: nearest ×2, conv3, BN, ReLU. */
function upBlock(inC: number, outC: number, seed: Rng): Sequential {
  return new Sequential([
    new Upsample({ scaleFactor: 2, mode: 'nearest' }),
    conv(inC, outC, 3, 1, seed),
    new BatchNorm2d(outC),
    relu,
  ]);
}

/** A stride-2 4×4 conv (BN unless first) and LeakyReLU 0.2: the discriminators' steps. */
function downBlock(inC: number, outC: number, bn: boolean, seed: Rng): Sequential {
  return new Sequential(
    bn
      ? [conv(inC, outC, 4, 2, seed), new BatchNorm2d(outC), leaky]
      : [conv(inC, outC, 4, 2, seed), leaky],
  );
}

/** log2 of a power of two, or a typed error. */
export function log2Size(size: number, where: string): number {
  const k = Math.log2(size);
  if (!Number.isInteger(k)) throw new ShapeError(`${where}: ${size} is not a power of two`);
  return k;
}

/** Conditioning augmentation's output: c = μ + ε·σ and the Gaussian it was drawn from. */
export interface Conditioning {
  c: tf.Tensor2D;
  mu: tf.Tensor2D;
  logvar: tf.Tensor2D;
}

/**
 * CA_NET: fc (text → 2·cDim) and ReLU (the reference's, on both halves), split into μ
 * and log σ²; c = μ + ε·exp(½ log σ²) with ε given by the caller (the step's stream).
 * Without augmentation (`eps` null) c = μ: the ablation of the paper's Table 3.
 */
export class ConditioningAugmentation extends Module {
  readonly fc: Linear;
  readonly conditionDim: number;
  readonly textDim: number;

  constructor(textDim: number, conditionDim: number, seed: Rng) {
    super();
    this.textDim = textDim;
    this.conditionDim = conditionDim;
    this.fc = new Linear({ inFeatures: textDim, outFeatures: conditionDim * 2, seed });
  }

  forward(text: tf.Tensor2D, eps: tf.Tensor2D | null): Conditioning {
    if (text.rank !== 2 || text.shape[1] !== this.textDim) {
      throw new ShapeError(
        `ConditioningAugmentation: expected text embeddings [N, ${this.textDim}], got [${text.shape.join(', ')}]`,
      );
    }
    const x = tf.relu(this.fc.forward(text)) as tf.Tensor2D;
    const mu = tf.slice(x, [0, 0], [-1, this.conditionDim]);
    const logvar = tf.slice(x, [0, this.conditionDim], [-1, this.conditionDim]);
    const c = eps ? (tf.add(mu, tf.mul(eps, tf.exp(tf.mul(logvar, 0.5)))) as tf.Tensor2D) : mu;
    return { c, mu, logvar };
  }
}

export interface StageOneOptions {
  textDim: number;
  conditionDim: number;
  latentDim: number;
  /** The reference's GF_DIM; the 4×4 map has gf·8 channels, halving each up block. */
  gf: number;
  /** Side of the stage-I image: 4·2^k. */
  size: number;
  channels: number;
  seed: Rng;
}

/**
 * STAGE1_G: [z, c] → fc to gf·8·4·4 features, BatchNorm1d over those features, ReLU,
 * viewed as gf·8 channels of 4×4 (PyTorch's order: channel, row, column) → up blocks to
 * `size` → conv3, tanh.
 */
export class StageOneGenerator extends Module {
  readonly ca: ConditioningAugmentation;
  readonly fc: Linear;
  readonly fcNorm: BatchNorm2d;
  readonly ups: Sequential;
  readonly img: Conv2d;
  readonly latentDim: number;
  readonly #width: number;

  constructor(o: StageOneOptions) {
    super();
    this.latentDim = o.latentDim;
    this.#width = o.gf * 8;
    this.ca = new ConditioningAugmentation(o.textDim, o.conditionDim, o.seed.fork('ca'));
    this.fc = new Linear({
      inFeatures: o.latentDim + o.conditionDim,
      outFeatures: this.#width * 16,
      bias: false,
      seed: o.seed.fork('fc'),
    });
    // The reference's BatchNorm1d(gf·8·4·4): one mean and variance per fc feature,
    // applied as a BatchNorm2d over [N, 1, 1, features] (the same statistics and keys).
    this.fcNorm = new BatchNorm2d(this.#width * 16);
    const n = log2Size(o.size, 'StackGAN stage I') - 2;
    const blocks: Sequential[] = [];
    let c = this.#width;
    for (let i = 0; i < n; i++) {
      const next = Math.max(4, Math.floor(c / 2));
      blocks.push(upBlock(c, next, o.seed.fork(`up${i}`)));
      c = next;
    }
    this.ups = new Sequential(blocks);
    this.img = conv(c, o.channels, 3, 1, o.seed.fork('img'));
  }

  /** text [N, T], z [N, latentDim], eps [N, cDim] or null → image [N, size, size, C] in [-1, 1]. */
  forward(text: tf.Tensor2D, z: tf.Tensor2D, eps: tf.Tensor2D | null) {
    const cond = this.ca.forward(text, eps);
    if (z.rank !== 2 || z.shape[1] !== this.latentDim || z.shape[0] !== text.shape[0]) {
      throw new ShapeError(
        `StackGAN stage I: expected z [${text.shape[0]}, ${this.latentDim}], got [${z.shape.join(', ')}]`,
      );
    }
    const n = text.shape[0];
    const features = tf.reshape(this.fc.forward(tf.concat([z, cond.c], 1)), [n, 1, 1, -1]);
    const flat = tf.relu(this.fcNorm.forward(features));
    // PyTorch's view(-1, gf·8, 4, 4), then NHWC.
    const h = tf.transpose(tf.reshape(flat, [n, this.#width, 4, 4]), [0, 2, 3, 1]);
    const x = this.ups.forward(h);
    return { image: tf.tanh(this.img.forward(x)) as tf.Tensor4D, ...cond };
  }
}

export interface DiscriminatorOptions {
  conditionDim: number;
  /** The reference's DF_DIM. */
  df: number;
  size: number;
  channels: number;
  /** Stage II's extra unconditional head. */
  unconditional: boolean;
  seed: Rng;
}

/**
 * STAGE1_D / STAGE2_D: stride-2 convs to 4×4 (channels doubling from df, at most df·8;
 * stage II adds a conv3 back to df·8), then D_GET_LOGITS: the conditional head
 * concatenates μ tiled at 4×4, conv3 df·8, BN, LeakyReLU, conv4 to one logit; the
 * unconditional head (stage II) is a conv4 on the image code alone. Logits, not
 * probabilities: the loss takes the sigmoid.
 */
export class StackDiscriminator extends Module {
  readonly encode: Sequential;
  readonly joint: Sequential;
  readonly logits: Conv2d;
  readonly uncondLogits: Conv2d | undefined;
  readonly conditionDim: number;
  readonly size: number;
  readonly channels: number;

  constructor(o: DiscriminatorOptions) {
    super();
    this.conditionDim = o.conditionDim;
    this.size = o.size;
    this.channels = o.channels;
    const n = log2Size(o.size, 'StackGAN discriminator') - 2;
    const layers: Sequential[] = [];
    let c = o.channels;
    for (let i = 0; i < n; i++) {
      const next = o.df * 2 ** Math.min(i, 3);
      layers.push(downBlock(c, next, i > 0, o.seed.fork(`down${i}`)));
      c = next;
    }
    if (c !== o.df * 8) {
      layers.push(
        new Sequential([
          conv(c, o.df * 8, 3, 1, o.seed.fork('squeeze')),
          new BatchNorm2d(o.df * 8),
          leaky,
        ]),
      );
    }
    this.encode = new Sequential(layers);
    const w = o.df * 8;
    this.joint = new Sequential([
      conv(w + o.conditionDim, w, 3, 1, o.seed.fork('joint')),
      new BatchNorm2d(w),
      leaky,
    ]);
    this.logits = conv(w, 1, 4, 4, o.seed.fork('logits'), true);
    this.uncondLogits = o.unconditional ? conv(w, 1, 4, 4, o.seed.fork('uncond'), true) : undefined;
  }

  /** The 4×4 image code. */
  code(image: tf.Tensor4D): tf.Tensor4D {
    const [, h, w, c] = image.shape;
    if (image.rank !== 4 || h !== this.size || w !== this.size || c !== this.channels) {
      throw new ShapeError(
        `StackGAN discriminator: expected images [N, ${this.size}, ${this.size}, ${this.channels}], got [${image.shape.join(', ')}]`,
      );
    }
    return this.encode.forward(image) as tf.Tensor4D;
  }

  /** Conditional logits [N] of (image code, μ). */
  conditional(code: tf.Tensor4D, mu: tf.Tensor2D): tf.Tensor1D {
    const n = code.shape[0];
    const tiled = tf.tile(tf.reshape(mu, [n, 1, 1, this.conditionDim]), [1, 4, 4, 1]);
    return tf.reshape(this.logits.forward(this.joint.forward(tf.concat([code, tiled], 3))), [n]);
  }

  /** Conditional (and, with that head, unconditional) logits of images given μ. */
  forward(image: tf.Tensor4D, mu: tf.Tensor2D): { cond: tf.Tensor1D; uncond?: tf.Tensor1D } {
    const code = this.code(image);
    const cond = this.conditional(code, mu);
    return this.uncondLogits ? { cond, uncond: this.unconditional(code) } : { cond };
  }

  /** Unconditional logits [N] (stage II). */
  unconditional(code: tf.Tensor4D): tf.Tensor1D {
    if (!this.uncondLogits) throw new ShapeError('StackGAN discriminator: no unconditional head');
    return tf.reshape(this.uncondLogits.forward(code), [code.shape[0]]);
  }
}

/** The reference's ResBlock: conv3 BN ReLU conv3 BN, plus the input, ReLU. */
export class ResBlock extends Module {
  readonly block: Sequential;

  constructor(channels: number, seed: Rng) {
    super();
    this.block = new Sequential([
      conv(channels, channels, 3, 1, seed.fork('a')),
      new BatchNorm2d(channels),
      relu,
      conv(channels, channels, 3, 1, seed.fork('b')),
      new BatchNorm2d(channels),
    ]);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.relu(tf.add(x, this.block.forward(x))) as tf.Tensor4D;
  }
}

export interface StageTwoOptions {
  textDim: number;
  conditionDim: number;
  gf: number;
  /** Residual blocks (the reference's R_NUM). */
  rNum: number;
  /** Side of the stage-I image it refines; the output is 4× larger. */
  inSize: number;
  channels: number;
  seed: Rng;
}

/**
 * STAGE2_G: the (frozen) stage-I image → conv3 gf, ReLU, two stride-2 convs (gf·2,
 * gf·4, BN, ReLU) → concatenated with c tiled → conv3 gf·4, BN, ReLU → rNum residual
 * blocks → four up blocks (gf·2, gf, gf/2, gf/4) → conv3, tanh: 4× the input side.
 */
export class StageTwoGenerator extends Module {
  readonly ca: ConditioningAugmentation;
  readonly encoder: Sequential;
  readonly hrJoint: Sequential;
  readonly residual: Sequential;
  readonly ups: Sequential;
  readonly img: Conv2d;
  readonly inSize: number;
  readonly channels: number;

  constructor(o: StageTwoOptions) {
    super();
    if (o.inSize < 4 || o.inSize % 4 !== 0)
      throw new ShapeError(
        `StackGAN stage II: the stage-I side must be a multiple of 4, got ${o.inSize}`,
      );
    this.inSize = o.inSize;
    this.channels = o.channels;
    const g = o.gf;
    const s = o.seed;
    this.ca = new ConditioningAugmentation(o.textDim, o.conditionDim, s.fork('ca'));
    this.encoder = new Sequential([
      conv(o.channels, g, 3, 1, s.fork('enc0')),
      relu,
      conv(g, g * 2, 4, 2, s.fork('enc1')),
      new BatchNorm2d(g * 2),
      relu,
      conv(g * 2, g * 4, 4, 2, s.fork('enc2')),
      new BatchNorm2d(g * 4),
      relu,
    ]);
    this.hrJoint = new Sequential([
      conv(g * 4 + o.conditionDim, g * 4, 3, 1, s.fork('joint')),
      new BatchNorm2d(g * 4),
      relu,
    ]);
    this.residual = new Sequential(
      Array.from({ length: o.rNum }, (_, i) => new ResBlock(g * 4, s.fork(`res${i}`))),
    );
    const widths = [g * 4, g * 2, g, Math.max(4, g >> 1), Math.max(4, g >> 2)];
    this.ups = new Sequential(
      widths.slice(1).map((w, i) => upBlock(widths[i]!, w, s.fork(`up${i}`))),
    );
    this.img = conv(widths[4]!, o.channels, 3, 1, s.fork('img'));
  }

  /** stage-I images [N, inSize, inSize, C], text [N, T], eps or null → [N, 4·inSize, 4·inSize, C]. */
  forward(stageOne: tf.Tensor4D, text: tf.Tensor2D, eps: tf.Tensor2D | null) {
    const [n, h, w, c] = stageOne.shape;
    if (h !== this.inSize || w !== this.inSize || c !== this.channels) {
      throw new ShapeError(
        `StackGAN stage II: expected stage-I images [N, ${this.inSize}, ${this.inSize}, ${this.channels}], got [${stageOne.shape.join(', ')}]`,
      );
    }
    const cond = this.ca.forward(text, eps);
    const code = this.encoder.forward(stageOne) as tf.Tensor4D;
    const q = this.inSize / 4;
    const tiled = tf.tile(tf.reshape(cond.c, [n, 1, 1, cond.c.shape[1]]), [1, q, q, 1]);
    const x = this.residual.forward(this.hrJoint.forward(tf.concat([code, tiled], 3)));
    return { image: tf.tanh(this.img.forward(this.ups.forward(x))) as tf.Tensor4D, ...cond };
  }
}
