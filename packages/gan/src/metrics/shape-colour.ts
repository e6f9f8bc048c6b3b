import { ArgumentError, describe, tf } from '@atelier/core';
import { synthetic } from '@atelier/datasets';

/**
 * Reads the colour of the object in synthetic shapes images without a learned model:
 * the saturated pixels (max − min channel > `threshold`, the grey wall and floor are
 * not) are averaged and the nearest of the set's six colours by direction in RGB
 * (shading scales a colour, it keeps its direction) is the answer; −1 where no pixel is
 * saturated. Images [N, H, W, 3] in [-1, 1].
 */
export function shapeColours(images: tf.Tensor4D, threshold = 0.25): number[] {
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[3] !== 3)
    throw new ArgumentError(
      `shapeColours: expected RGB images [N, H, W, 3], got ${describe(images)}`,
    );
  const [n, h, w] = images.shape;
  const data = tf.tidy(() => tf.div(tf.add(images, 1), 2)).dataSync() as Float32Array;
  const palette = synthetic.SHAPE_COLOURS.map((c) => {
    const v = synthetic.SHAPE_COLOUR_RGB[c];
    const l = Math.hypot(...v);
    return v.map((x) => x / l);
  });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const sum: [number, number, number] = [0, 0, 0];
    let count = 0;
    for (let p = 0; p < h * w; p++) {
      const o = (i * h * w + p) * 3;
      const r = data[o]!;
      const g = data[o + 1]!;
      const b = data[o + 2]!;
      if (Math.max(r, g, b) - Math.min(r, g, b) <= threshold) continue;
      sum[0] += r;
      sum[1] += g;
      sum[2] += b;
      count++;
    }
    if (count === 0) {
      out.push(-1);
      continue;
    }
    const l = Math.hypot(...sum);
    let best = 0;
    let bestDot = -Infinity;
    palette.forEach((q, k) => {
      const d = (q[0]! * sum[0]! + q[1]! * sum[1]! + q[2]! * sum[2]!) / l;
      if (d > bestDot) {
        bestDot = d;
        best = k;
      }
    });
    out.push(best);
  }
  return out;
}
