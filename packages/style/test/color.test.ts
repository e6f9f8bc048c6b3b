import { ArgumentError, LUMA_WEIGHTS, rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { describe, expect, it } from 'vitest';
import {
  cholesky3,
  colorMoments,
  inverse3,
  type Mat3,
  matMul3,
  symmetricEigen3,
  symmetricFunction3,
  transpose3,
} from '../src/color/matrix3.js';
import {
  COLOR_MATCH_MODES,
  colorTransform,
  combineLuminance,
  lumaChromaToRgb,
  matchChannel,
  matchColors,
  rgbToLumaChroma,
} from '../src/index.js';

function expectMatClose(a: Mat3, b: Mat3, tol: number): void {
  for (let i = 0; i < 9; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
}

/** Random RGB pixels with correlated channels (a random linear mix plus an offset). */
function correlatedPixels(seed: number, n: number): Float32Array {
  const r = rng(seed);
  const mix = Array.from({ length: 9 }, () => r.float() * 2 - 1);
  const offset = [r.float(), r.float(), r.float()];
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const z = [r.float(), r.float(), r.float() ** 2];
    for (let c = 0; c < 3; c++) {
      out[i * 3 + c] =
        offset[c]! + mix[c * 3]! * z[0]! + mix[c * 3 + 1]! * z[1]! + mix[c * 3 + 2]! * z[2]!;
    }
  }
  return out;
}

describe('3x3 algebra', () => {
  const spd: Mat3 = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2];

  it('inverse, Cholesky and eigen-decomposition reconstruct their matrix', () => {
    expectMatClose(matMul3(spd, inverse3(spd)), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12);
    const l = cholesky3(spd);
    expect(l[1]).toBe(0);
    expect(l[2]).toBe(0);
    expect(l[5]).toBe(0);
    expectMatClose(matMul3(l, transpose3(l)), spd, 1e-12);
    const { values, vectors } = symmetricEigen3(spd);
    const d = [values[0]!, 0, 0, 0, values[1]!, 0, 0, 0, values[2]!];
    expectMatClose(matMul3(matMul3(vectors, d), transpose3(vectors)), spd, 1e-10);
    expectMatClose(matMul3(transpose3(vectors), vectors), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12);
    const root = symmetricFunction3(spd, Math.sqrt);
    expectMatClose(matMul3(root, root), spd, 1e-10);
  });

  it('a non positive-definite matrix is refused by Cholesky', () => {
    expect(() => cholesky3([1, 2, 0, 2, 1, 0, 0, 0, 1])).toThrow(/positive definite/);
  });
});

describe('luminance and chrominance', () => {
  it('Y is BT.601 luma in both spaces, and each space inverts exactly', async () => {
    for (const space of ['yiq', 'yuv'] as const) {
      const x = tf.tensor4d(correlatedPixels(1, 16), [1, 4, 4, 3]);
      const yc = rgbToLumaChroma(x, space);
      const back = lumaChromaToRgb(yc, space);
      const [xs, ys, bs] = await Promise.all([x.data(), yc.data(), back.data()]);
      for (let i = 0; i < 16; i++) {
        const y =
          LUMA_WEIGHTS[0] * xs[i * 3]! +
          LUMA_WEIGHTS[1] * xs[i * 3 + 1]! +
          LUMA_WEIGHTS[2] * xs[i * 3 + 2]!;
        expect(ys[i * 3]!).toBeCloseTo(y, 5);
      }
      for (let i = 0; i < xs.length; i++) expect(bs[i]!).toBeCloseTo(xs[i]!, 5);
      tf.dispose([x, yc, back]);
    }
  });

  it("combineLuminance keeps one image's Y and the other's chrominance", async () => {
    const a = tf.tensor4d(correlatedPixels(2, 16), [1, 4, 4, 3]);
    const b = tf.tensor4d(correlatedPixels(3, 16), [1, 4, 4, 3]);
    const c = combineLuminance(a, b);
    const [ya, yb, yc] = await Promise.all(
      [a, b, c].map((t) => tf.tidy(() => rgbToLumaChroma(t)).data()),
    );
    for (let i = 0; i < 16; i++) {
      expect(yc![i * 3]!).toBeCloseTo(ya![i * 3]!, 5);
      expect(yc![i * 3 + 1]!).toBeCloseTo(yb![i * 3 + 1]!, 5);
      expect(yc![i * 3 + 2]!).toBeCloseTo(yb![i * 3 + 2]!, 5);
    }
    tf.dispose([a, b, c]);
  });
});

describe('colour histogram matching by mean and covariance', () => {
  const source = correlatedPixels(4, 4000);
  const target = correlatedPixels(5, 3000);
  const t = colorMoments(target);

  for (const mode of COLOR_MATCH_MODES) {
    it(`'${mode}' gives the source the target's mean and covariance`, () => {
      const ct = colorTransform(source, target, mode, 0);
      const mapped = new Float32Array(source.length);
      for (let i = 0; i < source.length; i += 3) {
        for (let r = 0; r < 3; r++) {
          let v = ct.targetMean[r]!;
          for (let c = 0; c < 3; c++)
            v += ct.matrix[r * 3 + c]! * (source[i + c]! - ct.sourceMean[c]!);
          mapped[i + r] = v;
        }
      }
      const m = colorMoments(mapped);
      for (let c = 0; c < 3; c++) expect(Math.abs(m.mean[c]! - t.mean[c]!)).toBeLessThan(1e-5);
      expectMatClose(m.cov, t.cov, 1e-5);
    });
  }

  it("'symmetric' is the symmetric choice: A = Σt^½ Σs^-½, not just any matching map", () => {
    const s = colorMoments(source);
    const ct = colorTransform(source, target, 'symmetric', 0);
    const expected = matMul3(
      symmetricFunction3(t.cov, Math.sqrt),
      inverse3(symmetricFunction3(s.cov, Math.sqrt)),
    );
    expectMatClose(ct.matrix, expected, 1e-9);
    // Cholesky's map differs from it (both match covariances).
    const chol = colorTransform(source, target, 'cholesky', 0);
    expect(Math.max(...chol.matrix.map((v, i) => Math.abs(v - ct.matrix[i]!)))).toBeGreaterThan(
      1e-3,
    );
  });
});

describe('matching one channel', () => {
  const r = rng(6);
  const source = Float32Array.from({ length: 500 }, () => r.float() ** 3);
  const target = Float32Array.from({ length: 500 }, () => 0.3 + 0.4 * r.float());

  it("'meanvar' matches mean and deviation", () => {
    const out = matchChannel(source, target, 'meanvar');
    const stats = (x: Float32Array) => {
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      return [mean, Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length)];
    };
    const [m1, s1] = stats(out);
    const [m2, s2] = stats(target);
    expect(m1).toBeCloseTo(m2!, 5);
    expect(s1).toBeCloseTo(s2!, 5);
  });

  it("'histogram' gives the target's values in the source's order", () => {
    const out = matchChannel(source, target, 'histogram');
    const sortedOut = Float32Array.from(out).sort();
    const sortedTarget = Float32Array.from(target).sort();
    for (let i = 0; i < out.length; i++) expect(sortedOut[i]).toBeCloseTo(sortedTarget[i]!, 6);
    // Monotone: a brighter source pixel never maps darker.
    const order = Array.from(source.keys()).sort((a, b) => source[a]! - source[b]!);
    for (let i = 1; i < order.length; i++)
      expect(out[order[i]!]!).toBeGreaterThanOrEqual(out[order[i - 1]!]!);
  });
});

describeBackends('matchColors on tensors', () => {
  it('recolours a style image to the content colours, leaving no tensors behind', async () => {
    const style = tf.tensor3d(correlatedPixels(7, 64), [8, 8, 3]);
    const content = tf.tensor3d(correlatedPixels(8, 36), [6, 6, 3]);
    const before = tf.memory().numTensors;
    const out = await matchColors(style, content, { mode: 'cholesky' });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(out.shape).toEqual([8, 8, 3]);
    const m = colorMoments((await out.data()) as Float32Array);
    const t = colorMoments((await content.data()) as Float32Array);
    for (let c = 0; c < 3; c++) expect(Math.abs(m.mean[c]! - t.mean[c]!)).toBeLessThan(1e-4);
    // float32 pixels on the backend: covariances agree to ~1e-4 of their scale.
    expectMatClose(m.cov, t.cov, 1e-3);
    tf.dispose([style, content, out]);
  });

  it('a non-RGB input is a typed error naming it', async () => {
    const grey = tf.zeros([4, 4, 1]);
    await expect(matchColors(grey, grey)).rejects.toThrow(
      /matchColors: source must be an RGB image/,
    );
    await expect(matchColors(grey, grey, { mode: 'lu' as 'pca' })).rejects.toThrow(ArgumentError);
    grey.dispose();
  });
});
