import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../tfjs.js';
import { composed, shape4, type WasmKernels } from './compose.js';

/**
 * DepthwiseConv2dNativeBackpropInput on wasm (tfjs 4.22 has none), through XNNPACK's
 * depthwise convolution: dx[c] = sum over m of the full correlation of dy[c*M + m] with
 * the flipped filter w[:, :, c, m]. dy is spread out by the stride (zeros between its
 * pixels) and padded so that one stride-1 depthwise convolution with the forward's
 * dilation gives dx for every channel (c, m); channel multipliers M > 1 are summed.
 * Depthwise work is small next to memory traffic, so the zeros cost little.
 */

/** dyU[n, before + s*i, left + s*j, :] = dy[n, i, j, :] inside [rows, cols], zeros elsewhere. */
function spread(
  k: WasmKernels,
  dy: tf.TensorInfo,
  rows: number,
  cols: number,
  [sh, sw]: [number, number],
  top: number,
  left: number,
): tf.TensorInfo {
  const [n, h, w, c] = shape4(dy);
  const out = k.alloc([n, rows, cols, c]);
  const src = k.view(dy);
  const dst = k.view(out);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const r = top + sh * i;
      if (r < 0 || r >= rows) continue;
      for (let j = 0; j < w; j++) {
        const q = left + sw * j;
        if (q < 0 || q >= cols) continue;
        const from = ((b * h + i) * w + j) * c;
        dst.set(src.subarray(from, from + c), ((b * rows + r) * cols + q) * c);
      }
    }
  }
  return out;
}

/** The filter flipped in both spatial axes, as [kh, kw, C*M, 1]. */
function flipped(k: WasmKernels, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, c, m] = shape4(filter);
  const out = k.alloc([kh, kw, c * m, 1]);
  const src = k.view(filter);
  const dst = k.view(out);
  const taps = c * m;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * taps;
      dst.set(src.subarray(from, from + taps), (a * kw + b) * taps);
    }
  }
  return out;
}

function depthwiseBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const [n, h, w, c] = inputShape;
  const [kh, kw, , m] = shape4(filter);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  // dx[h] = sum_t' flip(w)[t'] * dyU[h + t'*d] with dyU[before + s*i] = dy[i].
  const rows = h + dh * (kh - 1);
  const cols = w + dw * (kw - 1);
  const top = dh * (kh - 1) - info.padInfo.top;
  const left = dw * (kw - 1) - info.padInfo.left;
  return composed(backend, (k) => {
    const spreadDy = spread(k, dy, rows, cols, [sh, sw], top, left);
    const perChannel = k.depthwise(spreadDy, flipped(k, filter), [1, 1], [dh, dw]); // [n, h, w, c*m]
    if (m === 1) return perChannel;
    const summed = k.run(
      tf.Sum,
      { x: k.reshape(perChannel, [n * h * w * c, m]) },
      { axis: [1], keepDims: false },
    );
    return k.reshape(summed, [n, h, w, c]);
  });
}

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc,
};
