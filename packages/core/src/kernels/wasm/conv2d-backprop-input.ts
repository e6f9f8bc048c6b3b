import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../tfjs.js';
import { composed, shape4, type WasmKernels } from './compose.js';

/**
 * Conv2DBackpropInput on wasm as one XNNPACK convolution (tfjs 4.22's own kernel is a
 * scalar loop, ten times slower than the forward convolution).
 *
 * With stride s, input row m = s*q + r (phase r) receives dy[q - j] * w[s*j + r] for
 * every j: each phase is a stride-1 correlation of dy with the flipped sub-filter of
 * taps r, r + s, ... So one convolution of the padded dy by a filter holding all s*s
 * phase sub-filters as output channels, then an interleave of the phases (the
 * "sub-pixel" form of a transposed convolution), computes dx with the forward's work.
 */

/** Per axis: sub-filter taps K, first phase row q0, phase rows Q, padding of dy before/after. */
function axisPlan(size: number, kernel: number, stride: number, padBefore: number, dySize: number) {
  const taps = Math.ceil(kernel / stride);
  const q0 = Math.floor(padBefore / stride);
  const rows = Math.floor((padBefore + size - 1) / stride) - q0 + 1;
  const before = taps - 1 - q0;
  const after = rows + taps - 1 - before - dySize;
  return { taps, q0, rows, before, after, cropStart: padBefore - stride * q0 };
}

/** Output channels copied together: reads stay contiguous, writes go to this many rows. */
const BLOCK = 16;

/**
 * The phase filter [Kh, Kw, outC, sh*sw*inC]:
 * f[jh, jw, o, (rh*sw + rw)*inC + c] = w[sh*(Kh-1-jh) + rh, sw*(Kw-1-jw) + rw, c, o], 0 outside.
 * Per tap it is a transpose of w's [inC, outC] plane, done in blocks of output channels
 * (measured about 1.5x faster than reading w with a stride of outC).
 */
function phaseFilter(
  k: WasmKernels,
  filter: tf.TensorInfo,
  taps: [number, number],
  strides: [number, number],
): tf.TensorInfo {
  const [kh, kw, inC, outC] = shape4(filter);
  const [th, tw] = taps;
  const [sh, sw] = strides;
  const phases = sh * sw;
  const out = k.alloc([th, tw, outC, phases * inC]);
  const w = k.view(filter);
  const f = k.view(out);
  const rowStride = phases * inC;
  for (let jh = 0; jh < th; jh++) {
    for (let jw = 0; jw < tw; jw++) {
      for (let rh = 0; rh < sh; rh++) {
        const a = sh * (th - 1 - jh) + rh;
        for (let rw = 0; rw < sw; rw++) {
          const b = sw * (tw - 1 - jw) + rw;
          const first = ((jh * tw + jw) * outC * phases + rh * sw + rw) * inC;
          if (a >= kh || b >= kw) {
            for (let o = 0; o < outC; o++) {
              const at = first + o * rowStride;
              f.fill(0, at, at + inC);
            }
            continue;
          }
          const source = (a * kw + b) * inC * outC;
          for (let o0 = 0; o0 < outC; o0 += BLOCK) {
            const o1 = Math.min(outC, o0 + BLOCK);
            for (let c = 0; c < inC; c++) {
              const from = source + c * outC;
              for (let o = o0; o < o1; o++) f[first + o * rowStride + c] = w[from + o]!;
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Phase filters kept for filters used more than once (inference runs the same weights
 * again and again), by the filter's dataId, each freed with its filter's data. Building
 * one and having XNNPACK pack it costs far more than the convolution at small spatial
 * sizes (measured: 280 ms against 4 ms for a 4x4x1024x512 filter on 2x2 inputs). A
 * filter seen once is not kept: in training every step brings new weights.
 */
interface PhaseEntry {
  key: string;
  filter: tf.TensorInfo;
}
const phaseCache = new WeakMap<object, PhaseEntry>();
const seenOnce = new WeakSet<object>();
const watched = new WeakSet<BackendWasm>();

/** Frees a filter's phase filter when the backend frees the filter's data. */
function watchDisposals(backend: BackendWasm): void {
  if (watched.has(backend)) return;
  watched.add(backend);
  const dispose = backend.disposeData.bind(backend);
  backend.disposeData = (dataId: object, force?: boolean): boolean => {
    const freed = dispose(dataId, force);
    const entry = freed ? phaseCache.get(dataId) : undefined;
    if (entry) {
      phaseCache.delete(dataId);
      dispose(entry.filter.dataId, true);
    }
    return freed;
  };
}

function cachedPhaseFilter(
  k: WasmKernels,
  filter: tf.TensorInfo,
  taps: [number, number],
  strides: [number, number],
): tf.TensorInfo {
  const key = `${taps.join('x')}/${strides.join('x')}`;
  const entry = phaseCache.get(filter.dataId);
  if (entry?.key === key) return entry.filter;
  const built = phaseFilter(k, filter, taps, strides);
  if (!seenOnce.has(filter.dataId)) {
    seenOnce.add(filter.dataId);
    return built;
  }
  watchDisposals(k.backend);
  if (entry) k.backend.disposeData(entry.filter.dataId, true);
  phaseCache.set(filter.dataId, { key, filter: k.detach(built) });
  return built;
}

function conv2dBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') {
    throw new Error("wasm Conv2DBackpropInput supports dataFormat 'NHWC' only");
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [n, h, w, inC] = inputShape;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const rows = axisPlan(h, kh, sh, info.padInfo.top, dy.shape[1]!);
  const cols = axisPlan(w, kw, sw, info.padInfo.left, dy.shape[2]!);
  return composed(backend, (k) => {
    const f = cachedPhaseFilter(k, filter, [rows.taps, cols.taps], [sh, sw]);
    const padded = k.padOrCrop(dy, [rows.before, rows.after, cols.before, cols.after]);
    let full = k.conv2d(padded, f, [1, 1], [1, 1]); // [n, Qh, Qw, sh*sw*inC]
    if (sh * sw > 1) {
      // [n*Qh, Qw, sh, sw*inC] -> [n*Qh, sh, Qw, sw*inC] is [n, Qh*sh, Qw*sw, inC].
      const phases = k.reshape(full, [n * rows.rows, cols.rows, sh, sw * inC]);
      full = k.reshape(k.transpose(phases, [0, 2, 1, 3]), [n, rows.rows * sh, cols.rows * sw, inC]);
    }
    return k.crop(full, rows.cropStart, cols.cropStart, h, w);
  });
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
};
