import { ArgumentError, ShapeError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { colorMoments } from '../src/color/matrix3.js';
import {
  type RandomMultiScaleNetwork,
  randomNetwork,
  resizeImage,
  rgbToLumaChroma,
  type StylizeProgress,
  stylize,
} from '../src/index.js';
import { regionGramDistance, sample } from './helpers.js';

/**
 * |I - I'| + |Q - Q'| (YIQ, on [0, 1] pixels) between an output and the content, both
 * [H, W, 3] in [0, 255]: the mean over all pixels, and the largest over the pixels the
 * output did not clip (where the new luminance fits in the RGB cube, the chrominance is
 * kept exactly; where it does not, clipping to [0, 255] moves it).
 */
async function chromaError(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
): Promise<{ mean: number; maxInGamut: number; inGamut: number }> {
  const [d, clipped] = tf.tidy(() => {
    const ya = rgbToLumaChroma(tf.div(a, 255));
    const yb = rgbToLumaChroma(tf.div(b, 255));
    const err = tf.sum(
      tf.abs(tf.sub(tf.slice(ya, [0, 0, 1], [-1, -1, 2]), tf.slice(yb, [0, 0, 1], [-1, -1, 2]))),
      2,
    );
    const atEdge = tf.any(tf.logicalOr(tf.lessEqual(a, 0.5), tf.greaterEqual(a, 254.5)), 2);
    return [err, atEdge];
  });
  const v = (await d.data()) as Float32Array;
  const edge = await clipped.data();
  tf.dispose([d, clipped]);
  let sum = 0;
  let max = 0;
  let inside = 0;
  for (let i = 0; i < v.length; i++) {
    sum += v[i]!;
    if (!edge[i]) {
      inside++;
      max = Math.max(max, v[i]!);
    }
  }
  return { mean: sum / v.length, maxInGamut: max, inGamut: inside / v.length };
}

/** The content at the output's size, resized as stylize resizes it. */
function resized(image: tf.Tensor3D, shape: number[]): tf.Tensor3D {
  return tf.tidy(
    () =>
      tf.mul(
        tf.squeeze(
          resizeImage(tf.div(tf.expandDims(image, 0), 255) as tf.Tensor4D, [shape[0]!, shape[1]!]),
          [0],
        ),
        255,
      ) as tf.Tensor3D,
  );
}

/** Horizontal stripes of two colours, or vertical ones: two styles with different Gram statistics. */
function stripes(vertical: boolean, colours: [number[], number[]], size = 24): tf.Tensor3D {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = colours[Math.floor((vertical ? x : y) / 3) % 2]!;
      data.set(c, (y * size + x) * 3);
    }
  }
  return tf.tensor3d(data, [size, size, 3]);
}

describeBackends(
  'stylize controls',
  (backend) => {
    let content: tf.Tensor3D;
    let style: tf.Tensor3D;
    let network: RandomMultiScaleNetwork;
    beforeAll(async () => {
      content = await sample('chelsea');
      style = await sample('coffee');
      network = randomNetwork({ seed: 0, sizes: [3, 5, 7], maps: 16 });
    });
    afterAll(() => {
      tf.dispose([content, style]);
      network.dispose();
    });

    it("preserveColors 'luminance': the output keeps the content's chrominance (|ΔI| + |ΔQ| < 1e-4 where not clipped)", async () => {
      const r = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 24,
        iterations: 10,
        preserveColors: 'luminance',
      });
      const c = resized(content, r.image.shape);
      const err = await chromaError(r.image, c);
      // Without colour control the chrominance moves a lot further.
      const free = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 24,
        iterations: 10,
      });
      const freeErr = await chromaError(free.image, c);
      console.log(
        `[${backend}] chroma error: luminance-only mean ${err.mean.toFixed(4)}, max ${err.maxInGamut.toExponential(2)} over the ${(100 * err.inGamut).toFixed(0)}% unclipped pixels; unconstrained mean ${freeErr.mean.toFixed(4)}`,
      );
      // Exact up to float32 rounding where nothing was clipped; clipping moves the rest.
      expect(err.maxInGamut).toBeLessThan(1e-4);
      expect(err.inGamut).toBeGreaterThan(0.5);
      expect(err.mean).toBeLessThan(0.015);
      expect(err.mean).toBeLessThan(freeErr.mean / 3);
      tf.dispose([r.image, free.image, c]);
    });

    it("preserveColors 'original' keeps the chrominance too; 'histogram' gives the result the content's colour statistics", async () => {
      const original = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 24,
        iterations: 8,
        preserveColors: 'original',
      });
      const c = resized(content, original.image.shape);
      const err = await chromaError(original.image, c);
      expect(err.maxInGamut).toBeLessThan(1e-4);
      expect(err.mean).toBeLessThan(0.015);
      const hist = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 24,
        iterations: 8,
        preserveColors: 'histogram',
      });
      const free = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 24,
        iterations: 8,
      });
      const target = colorMoments((await c.data()) as Float32Array);
      const meanGap = async (x: tf.Tensor3D) => {
        const m = colorMoments((await x.data()) as Float32Array);
        return Math.hypot(...m.mean.map((v, i) => v - target.mean[i]!));
      };
      const [gapHist, gapFree] = [await meanGap(hist.image), await meanGap(free.image)];
      console.log(
        `[${backend}] colour mean gap to content (0-255): histogram ${gapHist.toFixed(2)}, unconstrained ${gapFree.toFixed(2)}`,
      );
      expect(gapHist).toBeLessThan(gapFree / 2);
      tf.dispose([original.image, hist.image, free.image, c]);
    });

    it("spatial control: each masked region takes its own style's Gram statistics", async () => {
      const a = stripes(false, [
        [230, 40, 40],
        [250, 200, 60],
      ]);
      const b = stripes(true, [
        [30, 60, 220],
        [20, 200, 190],
      ]);
      const grey = tf.fill([24, 24, 3], 128) as tf.Tensor3D;
      const left = tf.concat([tf.ones([24, 12, 1]), tf.zeros([24, 12, 1])], 1) as tf.Tensor3D;
      const right = tf.sub(1, left) as tf.Tensor3D;
      const r = await stylize({
        content: grey,
        styles: [
          { image: a, region: left },
          { image: b, region: right },
        ],
        network,
        size: 24,
        iterations: 30,
        contentWeight: 0,
        init: 'random',
      });
      const l4 = tf.reshape(left, [1, 24, 24, 1]) as tf.Tensor4D;
      const r4 = tf.reshape(right, [1, 24, 24, 1]) as tf.Tensor4D;
      const dLA = await regionGramDistance(network, 'all', r.image, l4, a);
      const dLB = await regionGramDistance(network, 'all', r.image, l4, b);
      const dRA = await regionGramDistance(network, 'all', r.image, r4, a);
      const dRB = await regionGramDistance(network, 'all', r.image, r4, b);
      console.log(
        `[${backend}] guided Gram distances: left->A ${dLA.toExponential(2)}, left->B ${dLB.toExponential(2)}, right->A ${dRA.toExponential(2)}, right->B ${dRB.toExponential(2)}`,
      );
      expect(dLA).toBeLessThan(dLB / 5);
      expect(dRB).toBeLessThan(dRA / 5);
      tf.dispose([a, b, grey, left, right, l4, r4, r.image]);
    });

    it('scale control: coarse-to-fine passes report each size and end at the full one; per-style layers are checked', async () => {
      const seen: StylizeProgress[] = [];
      const r = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 32,
        scales: [0.5, 1],
        iterations: [3, 2],
        onProgress: (p) => {
          seen.push({ ...p });
        },
      });
      expect(seen.map((p) => p.pass)).toEqual([0, 0, 0, 1, 1]);
      expect(seen[0]!.size).toEqual([11, 16]);
      expect(seen[4]!.size).toEqual([21, 32]);
      expect(seen.map((p) => p.iteration)).toEqual([1, 2, 3, 4, 5]);
      expect(r.image.shape).toEqual([21, 32, 3]);
      r.image.dispose();
      // Fine from one style, coarse from another: a layer no style layer names is refused.
      await expect(
        stylize({
          content,
          styles: [{ image: style, layers: ['k9'] }],
          network,
          size: 16,
          iterations: 1,
        }),
      ).rejects.toThrow(/share none with the style layers/);
    });

    it("scale control: one style's coarse layers with another's fine ones each take their own statistics", async () => {
      const fine = stripes(false, [
        [230, 40, 40],
        [250, 200, 60],
      ]);
      const coarse = stripes(true, [
        [30, 60, 220],
        [20, 200, 190],
      ]);
      const grey = tf.fill([24, 24, 3], 128) as tf.Tensor3D;
      const r = await stylize({
        content: grey,
        styles: [
          { image: fine, layers: ['k3'] },
          { image: coarse, layers: ['k7'] },
        ],
        network,
        styleLayers: { k3: 1, k7: 1 },
        size: 24,
        iterations: 30,
        contentWeight: 0,
        init: 'random',
      });
      const all = tf.ones([1, 24, 24, 1]) as tf.Tensor4D;
      const d3f = await regionGramDistance(network, 'k3', r.image, all, fine);
      const d3c = await regionGramDistance(network, 'k3', r.image, all, coarse);
      const d7f = await regionGramDistance(network, 'k7', r.image, all, fine);
      const d7c = await regionGramDistance(network, 'k7', r.image, all, coarse);
      console.log(
        `[${backend}] Gram distances: k3->fine ${d3f.toExponential(2)}, k3->coarse ${d3c.toExponential(2)}, k7->fine ${d7f.toExponential(2)}, k7->coarse ${d7c.toExponential(2)}`,
      );
      expect(d3f).toBeLessThan(d3c / 5);
      expect(d7c).toBeLessThan(d7f / 5);
      tf.dispose([fine, coarse, grey, all, r.image]);
    });

    it('progress: losses every iteration, the image every N, stop by returning false or by a signal; nothing leaks', async () => {
      const before = tf.memory().numTensors;
      const images: number[][] = [];
      const r = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 16,
        iterations: 10,
        optimizer: 'adam',
        imageEvery: 2,
        onProgress: (p) => {
          expect(Number.isFinite(p.losses.total)).toBe(true);
          if (p.image) images.push([p.iteration, ...p.image.shape]);
          return p.iteration < 5;
        },
      });
      expect(images).toEqual([
        [2, 11, 16, 3],
        [4, 11, 16, 3],
      ]);
      expect(r.stopped).toBe(true);
      expect(r.iterations).toBe(5);
      r.image.dispose();
      const controller = new AbortController();
      controller.abort();
      const aborted = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 16,
        iterations: 10,
        signal: controller.signal,
      });
      expect(aborted.iterations).toBe(1);
      aborted.image.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it("normalizeGradients (neural-style's): L1-normalised term gradients with Adam (its default there), and the style loss falls", async () => {
      const r = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 16,
        iterations: 12,
        normalizeGradients: true,
      });
      const first = r.history[0]!.style;
      const last = r.history.at(-1)!.style;
      expect(r.iterations).toBe(12);
      expect(last).toBeLessThan(first / 2);
      r.image.dispose();
    });

    it('init random and image, the same seed giving the same result', async () => {
      const run = async (seed: number) => {
        const r = await stylize({
          content,
          styles: [{ image: style }],
          network,
          size: 16,
          iterations: 2,
          init: 'random',
          seed,
        });
        const v = await r.image.data();
        r.image.dispose();
        return v;
      };
      const [a, b, c] = [await run(1), await run(1), await run(2)];
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      const fromImage = await stylize({
        content,
        styles: [{ image: style }],
        network,
        size: 16,
        iterations: 0,
        initImage: style,
      });
      const expected = tf.tidy(() =>
        tf.mul(
          tf.squeeze(
            resizeImage(tf.div(tf.expandDims(style, 0), 255) as tf.Tensor4D, [11, 16]),
            [0],
          ),
          255,
        ),
      );
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(fromImage.image, expected))));
      expect((await diff.data())[0]).toBeLessThan(1e-3);
      tf.dispose([fromImage.image, expected, diff]);
    });

    it('bad input is a typed error that names it', async () => {
      const grey = tf.zeros([8, 8, 1]);
      await expect(stylize({ content: grey, styles: [{ image: style }], network })).rejects.toThrow(
        ShapeError,
      );
      await expect(stylize({ content, styles: [], network })).rejects.toThrow(
        /styles must be a non-empty array/,
      );
      await expect(
        stylize({ content, styles: [{ image: style }], network, styleLayers: { relu1_1: 1 } }),
      ).rejects.toThrow(/unknown layer 'relu1_1' of random-multiscale/);
      await expect(
        stylize({ content, styles: [{ image: style, region: tf.ones([5, 5]) }], network }),
      ).rejects.toThrow(/region must have the content's size/);
      await expect(
        stylize({ content, styles: [{ image: style }], network, optimizer: 'sgd' as 'adam' }),
      ).rejects.toThrow(ArgumentError);
      grey.dispose();
    });
  },
  { only: ['cpu', 'wasm'] },
);
