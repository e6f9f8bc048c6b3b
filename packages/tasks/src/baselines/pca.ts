import { ArgumentError, describe, ShapeError, tf } from '@atelier/core';
import { topEigen } from './top-eigen.js';

/**
 * Principal component analysis of rows [n, D], the linear autoencoder a course baseline
 * compares with: the top `k` eigenvectors of the covariance, found from the n x n Gram
 * matrix of the centred rows when n < D (its eigenvectors v give the covariance's as
 * Xᵀv / √λ), else from the D x D covariance; eigenvectors by subspace iteration, in doubles.
 */
export class Pca {
  private constructor(
    /** The mean row [1, D]. */
    readonly mean: tf.Tensor2D,
    /** Orthonormal components as columns [D, k], by decreasing variance. */
    readonly components: tf.Tensor2D,
    /** Variance along each component (divided by n). */
    readonly variances: Float64Array,
  ) {}

  static async fit(rows: tf.Tensor2D, k: number): Promise<Pca> {
    const where = 'Pca.fit';
    if (!(rows instanceof tf.Tensor) || rows.rank !== 2)
      throw new ShapeError(`${where}: expected rows [n, D], got ${describe(rows)}`);
    const [n, d] = rows.shape;
    if (!Number.isSafeInteger(k) || k < 1 || k > Math.min(n, d))
      throw new ArgumentError(`${where}: k must be in [1, ${Math.min(n, d)}], got ${describe(k)}`);
    const mean = tf.tidy(() => tf.mean(rows, 0, true)) as tf.Tensor2D;
    const centred = tf.sub(rows, mean) as tf.Tensor2D;
    const gram = n < d;
    const product = tf.tidy(() =>
      gram ? tf.matMul(centred, centred, false, true) : tf.matMul(centred, centred, true, false),
    );
    const m = product.shape[0]!;
    const data = Float64Array.from(await product.data());
    product.dispose();
    // Symmetrise what float32 rounding left uneven.
    for (let i = 0; i < m; i++)
      for (let j = i + 1; j < m; j++) {
        const v = (data[i * m + j]! + data[j * m + i]!) / 2;
        data[i * m + j] = v;
        data[j * m + i] = v;
      }
    const { values, vectors } = topEigen(data, m, k);
    const basis = new Float32Array(m * k);
    for (let j = 0; j < k; j++) {
      const scale = gram ? 1 / Math.sqrt(Math.max(values[j]!, 1e-12)) : 1;
      for (let i = 0; i < m; i++) basis[i * k + j] = vectors[i * k + j]! * scale;
    }
    const components = tf.tidy(() => {
      const b = tf.tensor2d(basis, [m, k]);
      return (gram ? tf.matMul(centred, b, true, false) : b) as tf.Tensor2D;
    });
    centred.dispose();
    const variances = Float64Array.from(values, (v) => Math.max(0, v) / n);
    return new Pca(mean, components, variances);
  }

  get dimensions(): number {
    return this.components.shape[1];
  }

  #check(rows: tf.Tensor2D, where: string): void {
    if (!(rows instanceof tf.Tensor) || rows.rank !== 2 || rows.shape[1] !== this.mean.shape[1])
      throw new ShapeError(
        `Pca.${where}: expected rows [n, ${this.mean.shape[1]}], got ${describe(rows)}`,
      );
  }

  /** Codes [n, k]. */
  encode(rows: tf.Tensor2D): tf.Tensor2D {
    this.#check(rows, 'encode');
    return tf.tidy(() => tf.matMul(tf.sub(rows, this.mean), this.components));
  }

  /** Rows [n, D] from codes [n, k]. */
  decode(codes: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(codes, this.components, false, true), this.mean));
  }

  /** The projection of rows onto the mean plus the span of the components. */
  reconstruct(rows: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.decode(this.encode(rows)));
  }

  dispose(): void {
    tf.dispose([this.mean, this.components]);
  }
}
