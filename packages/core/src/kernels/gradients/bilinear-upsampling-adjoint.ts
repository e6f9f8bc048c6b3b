import { tf } from '../../tfjs.js';

/**
 * The adjoint of bilinear upsampling by a whole factor s with half-pixel centers
 * (PyTorch's `interpolate(scale_factor=s, mode='bilinear', align_corners=False)`), in
 * O(size) from slices and pads; the backends' gradient kernels ignore half-pixel centers.
 *
 * Output o = q * s + r reads input q + d_r, d_r = (2r + 1 - s) / (2s), a fixed phase per r:
 * out = (1 - |d_r|) x[q] + |d_r| x[q +- 1], the neighbour clamped at the edges (tfjs's
 * kernels clamp the same way). The adjoint sends each phase of dy back to q and to the
 * neighbour. Both axes are mapped in turn, through rank-4 views only.
 */

/** Whole factor s >= 1 for which `outSize = s * inSize`, or 0. */
export function upsamplingFactor(inSize: number, outSize: number): number {
  return outSize % inSize === 0 && outSize >= inSize ? outSize / inSize : 0;
}

/** The adjoint along dimension 1 of the view [outer, in * s, inner]: returns [outer, in, inner]. */
function alongAxis(dy: tf.Tensor, outer: number, inSize: number, s: number, inner: number) {
  const phases = tf.reshape(dy, [outer, inSize, s, inner]);
  let dx: tf.Tensor = tf.zeros([outer, inSize, inner]);
  for (let r = 0; r < s; r++) {
    const d = (2 * r + 1 - s) / (2 * s);
    const dyr = tf.reshape(tf.slice(phases, [0, 0, r, 0], [outer, inSize, 1, inner]), [
      outer,
      inSize,
      inner,
    ]);
    dx = tf.add(dx, tf.mul(dyr, 1 - Math.abs(d)));
    if (d === 0) continue;
    if (inSize === 1) {
      // The only pixel is its own neighbour.
      dx = tf.add(dx, tf.mul(dyr, Math.abs(d)));
      continue;
    }
    // The neighbour of q is q + 1 (d > 0) or q - 1 (d < 0), the last (first) one itself.
    const n = inSize - 1;
    const neighbour =
      d > 0
        ? tf.add(
            tf.pad(tf.slice(dyr, [0, 0, 0], [outer, n, inner]), [
              [0, 0],
              [1, 0],
              [0, 0],
            ]),
            tf.pad(tf.slice(dyr, [0, n, 0], [outer, 1, inner]), [
              [0, 0],
              [n, 0],
              [0, 0],
            ]),
          )
        : tf.add(
            tf.pad(tf.slice(dyr, [0, 1, 0], [outer, n, inner]), [
              [0, 0],
              [0, 1],
              [0, 0],
            ]),
            tf.pad(tf.slice(dyr, [0, 0, 0], [outer, 1, inner]), [
              [0, 0],
              [0, n],
              [0, 0],
            ]),
          );
    dx = tf.add(dx, tf.mul(neighbour, Math.abs(d)));
  }
  return dx;
}

/** dy [N, ih * sh, iw * sw, C] -> dx [N, ih, iw, C]. */
export function bilinearUpsamplingAdjoint(dy: tf.Tensor, inShape: number[]): tf.Tensor {
  const [n, ih, iw, c] = inShape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const sh = oh / ih;
  const sw = ow / iw;
  const rows = alongAxis(dy, n, ih, sh, ow * c);
  const cols = alongAxis(rows, n * ih, iw, sw, c);
  return tf.reshape(cols, inShape);
}
