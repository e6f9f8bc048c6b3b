import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../tfjs.js';
import { composed, shape4, type WasmKernels } from './compose.js';

/**
 * DepthwiseConv2dNativeBackpropFilter on wasm (tfjs 4.22 has none), as one XNNPACK
 * depthwise convolution with the roles of filter and image swapped:
 * dw[th, tw, c, m] = sum over n, i, j of xp[n, s*i + d*th, s*j + d*tw, c] * dy[n, i, j, c*M + m]
 * is, with (n, c) as channels, the depthwise convolution of xp by the "filter" dy
 * (dilated by the stride s, strided by the dilation d), whose output is kh x kw; the
 * batch is summed afterwards.
 */

/** xp[0, r, q, (b, c)] = x[b, r - top, q - left, c] for r < rows, q < cols, zeros outside. */
function paddedChannelsLast(
  k: WasmKernels,
  x: tf.TensorInfo,
  rows: number,
  cols: number,
  top: number,
  left: number,
): tf.TensorInfo {
  const [n, h, w, c] = shape4(x);
  const out = k.alloc([1, rows, cols, n * c]);
  const src = k.view(x);
  const dst = k.view(out);
  dst.fill(0);
  const q0 = Math.max(0, left);
  const q1 = Math.min(cols, w + left);
  if (q1 <= q0) return out;
  for (let r = Math.max(0, top); r < Math.min(rows, h + top); r++) {
    for (let b = 0; b < n; b++) {
      const from = ((b * h + r - top) * w + (q0 - left)) * c;
      let at = (r * cols + q0) * n * c + b * c;
      if (n === 1) {
        dst.set(src.subarray(from, from + (q1 - q0) * c), at);
        continue;
      }
      for (let q = q0, f = from; q < q1; q++, f += c, at += n * c) {
        dst.set(src.subarray(f, f + c), at);
      }
    }
  }
  return out;
}

function depthwiseBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    shape4(x),
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const [kh, kw, c, m] = filterShape;
  const [n, outH, outW] = shape4(dy);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  // Exactly the rows and columns the kh x kw output reads.
  const rows = dh * (kh - 1) + sh * (outH - 1) + 1;
  const cols = dw * (kw - 1) + sw * (outW - 1) + 1;
  return composed(backend, (k) => {
    const xp = paddedChannelsLast(k, x, rows, cols, info.padInfo.top, info.padInfo.left);
    // F[i, j, (b, c), m] = dy[b, i, j, c*M + m].
    const byPixel = n === 1 ? dy : k.transpose(k.reshape(dy, [n, outH * outW, c * m]), [1, 0, 2]);
    const f = k.reshape(byPixel, [outH, outW, n * c, m]);
    const out = k.depthwise(xp, f, [dh, dw], [sh, sw]); // [1, kh, kw, n*c*m]
    if (n === 1) return k.reshape(out, filterShape);
    const summed = k.run(
      tf.Sum,
      { x: k.reshape(out, [kh * kw, n, c * m]) },
      { axis: [1], keepDims: false },
    );
    return k.reshape(summed, filterShape);
  });
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as tf.KernelFunc,
};
