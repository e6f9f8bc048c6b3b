import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../tfjs.js';

type Shape4 = [number, number, number, number];

/**
 * Runs the wasm backend's own kernels (XNNPACK convolutions, transposes, pads) from
 * inside another wasm kernel, on TensorInfos, without the engine: nothing is recorded
 * or tracked. Every intermediate is released by `dispose()` except the one handed to
 * `keep()`, the kernel's output.
 */
export class WasmKernels {
  private readonly temps: tf.TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(
    name: string,
    inputs: tf.NamedTensorInfoMap | tf.TensorInfo[],
    attrs: object = {},
  ): tf.TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
    const out = kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      backend: this.backend,
      attrs: attrs as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    this.temps.push(out);
    return out;
  }

  /**
   * Takes `t` out of the intermediates released by `dispose()`. A kernel input passed
   * through unchanged gets its own reference, since the engine will own the output.
   */
  keep(t: tf.TensorInfo): tf.TensorInfo {
    const i = this.temps.lastIndexOf(t);
    if (i < 0) return this.keep(this.run(tf.Identity, { x: t }));
    this.temps.splice(i, 1);
    return t;
  }

  /** Takes `t` out of the intermediates for good: the caller frees it later. */
  detach(t: tf.TensorInfo): tf.TensorInfo {
    const i = this.temps.lastIndexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }

  /** A new float32 tensor on the wasm heap, uninitialised; released by `dispose()` unless kept. */
  alloc(shape: number[]): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.temps.push(out);
    return out;
  }

  /**
   * The heap memory of a float32 tensor. Take views only after the last `alloc` or `run`
   * of a step: allocating may grow the heap, which detaches earlier views.
   */
  view(t: tf.TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  /** Crops an NHWC tensor to rows [top, top + h) and columns [left, left + w), row by row. */
  crop(x: tf.TensorInfo, top: number, left: number, h: number, w: number): tf.TensorInfo {
    const [n, xh, xw, c] = shape4(x);
    if (top === 0 && left === 0 && h === xh && w === xw) return x;
    const out = this.alloc([n, h, w, c]);
    const src = this.view(x);
    const dst = this.view(out);
    const rowLength = w * c;
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < h; r++) {
        const from = ((b * xh + top + r) * xw + left) * c;
        dst.set(src.subarray(from, from + rowLength), (b * h + r) * rowLength);
      }
    }
    return out;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run(tf.Reshape, { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    if (perm.every((p, i) => p === i)) return x;
    return this.run(tf.Transpose, { x }, { perm });
  }

  /**
   * Pads the rows and columns of an NHWC tensor with zeros (positive amounts) and
   * crops them (negative amounts): [top, bottom, left, right].
   */
  padOrCrop(
    x: tf.TensorInfo,
    [top, bottom, left, right]: [number, number, number, number],
  ): tf.TensorInfo {
    let out = x;
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const [, h, w] = shape4(out);
      const t = Math.max(0, -top);
      const l = Math.max(0, -left);
      out = this.crop(out, t, l, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right));
    }
    if (top > 0 || bottom > 0 || left > 0 || right > 0) {
      const paddings = [
        [0, 0],
        [Math.max(0, top), Math.max(0, bottom)],
        [Math.max(0, left), Math.max(0, right)],
        [0, 0],
      ];
      out = this.run(tf.PadV2, { x: out }, { paddings, constantValue: 0 });
    }
    return out;
  }

  /** XNNPACK convolution, 'valid', with any stride and dilation together. */
  conv2d(
    x: tf.TensorInfo,
    filter: tf.TensorInfo,
    strides: [number, number],
    dilations: [number, number],
  ): tf.TensorInfo {
    return this.run(
      tf.Conv2D,
      { x, filter },
      { strides, dilations, pad: 'valid', dataFormat: 'NHWC' },
    );
  }

  /** XNNPACK depthwise convolution, 'valid', with any stride and dilation together. */
  depthwise(
    x: tf.TensorInfo,
    filter: tf.TensorInfo,
    strides: [number, number],
    dilations: [number, number],
  ): tf.TensorInfo {
    return this.run(
      tf.DepthwiseConv2dNative,
      { x, filter },
      { strides, dilations, pad: 'valid', dataFormat: 'NHWC' },
    );
  }
}

/** Runs `body` with a fresh WasmKernels, releasing every intermediate but the result. */
export function composed(
  backend: BackendWasm,
  body: (k: WasmKernels) => tf.TensorInfo,
): tf.TensorInfo {
  const k = new WasmKernels(backend);
  try {
    return k.keep(body(k));
  } finally {
    k.dispose();
  }
}

/** The 4-tuple of a shape read as NHWC or HWIO. */
export function shape4(t: tf.TensorInfo): Shape4 {
  return t.shape as Shape4;
}
