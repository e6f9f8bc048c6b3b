import { tf } from '../../tfjs.js';
import { INSTANCE_NORM, type InstanceNormAttrs } from './name.js';

/**
 * Instance normalisation in plain loops over host memory, written into `out`.
 * One pass gathers, per channel, the sums of (x - the plane's first value) and of its
 * square in doubles: with the shift, the variance keeps its digits even under a large
 * offset. A second pass writes x * scale + offset. Both walk memory in order.
 */
export function instanceNormHost(
  x: ArrayLike<number>,
  shape: readonly number[],
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  epsilon: number,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  const [n, h, w, c] = shape as [number, number, number, number];
  const spatial = h * w;
  const shift = new Float64Array(c);
  const sums = new Float64Array(c);
  const squares = new Float64Array(c);
  const scale = new Float64Array(c);
  const offset = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    const start = b * spatial * c;
    const end = start + spatial * c;
    sums.fill(0);
    squares.fill(0);
    for (let ch = 0; ch < c; ch++) shift[ch] = x[start + ch]!;
    for (let i = start; i < end; i += c) {
      for (let ch = 0; ch < c; ch++) {
        const d = x[i + ch]! - shift[ch]!;
        sums[ch]! += d;
        squares[ch]! += d * d;
      }
    }
    for (let ch = 0; ch < c; ch++) {
      const centredMean = sums[ch]! / spatial;
      const variance = Math.max(squares[ch]! / spatial - centredMean * centredMean, 0);
      scale[ch] = gamma[ch]! / Math.sqrt(variance + epsilon);
      offset[ch] = beta[ch]! - (shift[ch]! + centredMean) * scale[ch]!;
    }
    for (let i = start; i < end; i += c) {
      for (let ch = 0; ch < c; ch++) out[i + ch] = x[i + ch]! * scale[ch]! + offset[ch]!;
    }
  }
  return out;
}

type Inputs = Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;

interface CpuBackend {
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

// The CPU backends run it as one kernel on host memory: two passes over the data
// where a composition runs half a dozen kernels (and their temporaries).
tf.registerKernel({
  kernelName: INSTANCE_NORM,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as Inputs;
    const { epsilon } = attrs as unknown as InstanceNormAttrs;
    const cpu = backend as unknown as CpuBackend;
    const values = instanceNormHost(
      cpu.readSync(x.dataId),
      x.shape,
      cpu.readSync(gamma.dataId),
      cpu.readSync(beta.dataId),
      epsilon,
    );
    return cpu.makeTensorInfo(x.shape, 'float32', values);
  },
});

tf.registerKernel({
  kernelName: INSTANCE_NORM,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as Inputs;
    const { epsilon } = attrs as unknown as InstanceNormAttrs;
    const wasm = backend as unknown as WasmBackend;
    const output = wasm.makeOutput(x.shape, 'float32');
    // Views of the wasm heap, taken after the allocation (which may grow the heap).
    instanceNormHost(
      wasm.typedArrayFromHeap(x),
      x.shape,
      wasm.typedArrayFromHeap(gamma),
      wasm.typedArrayFromHeap(beta),
      epsilon,
      wasm.typedArrayFromHeap(output),
    );
    return output;
  },
});
