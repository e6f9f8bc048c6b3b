import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../tfjs.js';
import { composed, shape4, type WasmKernels } from './compose.js';

/**
 * Conv2DBackpropFilter on wasm (tfjs 4.22 has none) as one XNNPACK convolution.
 *
 * dw[th, tw, c, o] = sum over n, i, j of xp[n, s*i + th, s*j + tw, c] * dy[n, i, j, o]
 * (xp the padded input). Taking (n, j) as the channels, (tw, c) as the batch and the
 * rows as the one spatial axis, this is a convolution of X[(tw, c), r, (n, j)] =
 * xp[n, r, s*j + tw, c] by the filter F[i, (n, j), o] = dy[n, i, j, o] with dilation s
 * along the rows: the reduction runs over long contiguous channel vectors, which is
 * what XNNPACK's GEMM kernels are fast at, and the work equals the forward's.
 */

/** X[(tw, c), r, 0, (n, j)] = x[n, r - top, sw*j + tw - left, c], zero outside x. */
function gatherColumns(
  k: WasmKernels,
  x: tf.TensorInfo,
  kw: number,
  rows: number,
  outW: number,
  sw: number,
  top: number,
  left: number,
): tf.TensorInfo {
  const [n, h, w, c] = shape4(x);
  const out = k.alloc([kw * c, rows, 1, n * outW]);
  const src = k.view(x);
  const dst = k.view(out);
  const span = n * outW;
  for (let tw = 0; tw < kw; tw++) {
    // The first and one-past-last j whose column sw*j + tw - left lies inside x.
    const j0 = Math.max(0, Math.ceil((left - tw) / sw));
    const j1 = Math.min(outW, Math.floor((w - 1 + left - tw) / sw) + 1);
    for (let ch = 0; ch < c; ch++) {
      const plane = (tw * c + ch) * rows * span;
      for (let r = 0; r < rows; r++) {
        const line = plane + r * span;
        const xr = r - top;
        if (xr < 0 || xr >= h || j1 <= j0) {
          dst.fill(0, line, line + span);
          continue;
        }
        for (let b = 0; b < n; b++) {
          const at = line + b * outW;
          if (j0 > 0) dst.fill(0, at, at + j0);
          let from = ((b * h + xr) * w + sw * j0 + tw - left) * c + ch;
          const step = sw * c;
          for (let j = j0; j < j1; j++, from += step) dst[at + j] = src[from]!;
          if (j1 < outW) dst.fill(0, at + j1, at + outW);
        }
      }
    }
  }
  return out;
}

function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') {
    throw new Error("wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only");
  }
  const info = tf.backend_util.computeConv2DInfo(
    shape4(x),
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [kh, kw, inC, outC] = filterShape;
  const [n, outH, outW] = shape4(dy);
  const { strideHeight: sh, strideWidth: sw } = info;
  const rows = sh * (outH - 1) + kh;
  return composed(backend, (k) => {
    const columns = gatherColumns(k, x, kw, rows, outW, sw, info.padInfo.top, info.padInfo.left);
    // F[i, 0, (n, j), o] = dy[n, i, j, o].
    const byRow = n === 1 ? dy : k.transpose(dy, [1, 0, 2, 3]);
    const f = k.reshape(byRow, [outH, 1, n * outW, outC]);
    const out = k.conv2d(columns, f, [1, 1], [sh, 1]); // [kw*inC, kh, 1, outC]
    return k.transpose(k.reshape(out, [kw, inC, kh, outC]), [2, 0, 1, 3]);
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
