import { ArgumentError, buffer, parameterKind, tf } from '@atelier/core';
import { finiteNumber, nonNegativeInt } from '../checks.js';
import { type Seed, toRng } from '../seed.js';
import { ReparametrizedWeight } from './reparametrized-weight.js';
import type { WeightedLayer } from './weighted.js';

export interface SpectralNormOptions {
  /** Power iterations per training forward; default 1, as PyTorch. */
  nPowerIterations?: number;
  /** Guards the normalisation of u and v; default 1e-12. */
  eps?: number;
  /** Seed of the initial u and v. */
  seed?: Seed;
}

/**
 * The weight as PyTorch's spectral norm sees it: a matrix (rows, rest) in PyTorch's
 * layout, rows being the output channels (dim 0 of a Conv2d or Linear weight, dim 1 of
 * a ConvTranspose2d's). Its u has one entry per row and v one per column, in PyTorch's
 * order, so `weight_u` and `weight_v` load from and save to PyTorch unchanged.
 */
function torchMatrix(w: tf.Tensor, kind: string): tf.Tensor2D {
  switch (kind) {
    case 'conv': // [kh, kw, I, O] -> (O, I, kh, kw)
      return tf.reshape(tf.transpose(w, [3, 2, 0, 1]), [w.shape[3]!, -1]);
    case 'convTranspose': // [kh, kw, O, I] -> (O, I, kh, kw): PyTorch's dim 1 first
    case 'depthwise': // [kh, kw, C, m] -> (C, m, kh, kw) = (C*m, 1, kh, kw)
      return tf.reshape(tf.transpose(w, [2, 3, 0, 1]), [
        w.shape[2]! * (kind === 'depthwise' ? w.shape[3]! : 1),
        -1,
      ]);
    case 'linear': // [in, out] -> (out, in)
      return tf.transpose(w) as tf.Tensor2D;
    default:
      return tf.reshape(w, [w.shape[0]!, -1]);
  }
}

function normalize(v: tf.Tensor, eps: number): tf.Tensor {
  return tf.div(v, tf.maximum(tf.norm(v), eps));
}

/**
 * Spectral normalisation (Miyato et al.) of a layer's weight, as PyTorch's
 * `torch.nn.utils.spectral_norm`: the layer runs with weight / sigma, sigma the
 * largest singular value of the weight matrix, estimated by power iteration on the
 * buffers `weight_u` and `weight_v`. Each training-mode forward first runs
 * `nPowerIterations` steps (v = normalise(W^T u), u = normalise(W v)) and stores u and
 * v; eval mode uses them as they are. Gradients flow through sigma = u^T W v with u and
 * v held constant, as in PyTorch.
 *
 * State: the layer's `bias`, `weight_orig`, `weight_u`, `weight_v`.
 */
export class SpectralNorm<L extends WeightedLayer = WeightedLayer> extends ReparametrizedWeight<L> {
  declare readonly weight_u: tf.Variable;
  declare readonly weight_v: tf.Variable;
  readonly nPowerIterations: number;
  readonly eps: number;
  readonly #kind: string;

  constructor(layer: L, options: SpectralNormOptions = {}) {
    super(layer, 'SpectralNorm');
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError('SpectralNorm: options must be an object');
    }
    this.nPowerIterations = nonNegativeInt(
      options.nPowerIterations ?? 1,
      'nPowerIterations',
      'SpectralNorm',
    );
    this.eps = finiteNumber(options.eps ?? 1e-12, 'eps', 'SpectralNorm', { min: 0 });
    this.#kind = parameterKind(this.weight_orig);
    const [rows, cols] = tf.tidy(() => torchMatrix(this.weight_orig, this.#kind).shape);
    const generator = toRng(options.seed, 'SpectralNorm');
    const u = tf.tidy(() => normalize(generator.normal([rows]), this.eps));
    const v = tf.tidy(() => normalize(generator.normal([cols]), this.eps));
    Object.defineProperty(this, 'weight_u', { value: buffer(u), enumerable: true });
    Object.defineProperty(this, 'weight_v', { value: buffer(v), enumerable: true });
  }

  /** The current estimate of the largest singular value (no iteration). */
  sigma(): tf.Scalar {
    return tf.tidy(() => this.sigmaOf(torchMatrix(this.weight_orig, this.#kind)));
  }

  private sigmaOf(matrix: tf.Tensor2D): tf.Scalar {
    // u^T W v with the buffers (variables): the tape treats them as constants.
    return tf.sum(
      tf.mul(this.weight_u, tf.squeeze(tf.matMul(matrix, tf.reshape(this.weight_v, [-1, 1])), [1])),
    );
  }

  protected transformWeight(stored: tf.Tensor, update: boolean): tf.Tensor {
    const matrix = torchMatrix(stored, this.#kind);
    if (update && this.nPowerIterations > 0) {
      tf.tidy(() => {
        let u: tf.Tensor = this.weight_u;
        let v: tf.Tensor = this.weight_v;
        for (let i = 0; i < this.nPowerIterations; i++) {
          v = normalize(
            tf.squeeze(tf.matMul(matrix, tf.reshape(u, [-1, 1]), true, false), [1]),
            this.eps,
          );
          u = normalize(tf.squeeze(tf.matMul(matrix, tf.reshape(v, [-1, 1])), [1]), this.eps);
        }
        this.weight_u.assign(u as tf.Tensor1D);
        this.weight_v.assign(v as tf.Tensor1D);
      });
    }
    return tf.div(stored, this.sigmaOf(matrix));
  }
}

/** `new SpectralNorm(layer, options)`: PyTorch's `spectral_norm(layer)`. */
export function spectralNorm<L extends WeightedLayer>(
  layer: L,
  options: SpectralNormOptions = {},
): SpectralNorm<L> {
  return new SpectralNorm(layer, options);
}
