import { tf } from '../../tfjs.js';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD, type InstanceNormAttrs } from './name.js';

/**
 * Per-channel mean and 1 / sqrt(var + epsilon) over the pixels in [start, end) of
 * NHWC data. One pass sums (x - the plane's first value) and its square in doubles:
 * with the shift the variance keeps its digits even under a large offset.
 */
function planeStats(
  x: ArrayLike<number>,
  start: number,
  end: number,
  c: number,
  epsilon: number,
  mean: Float64Array,
  invStd: Float64Array,
): void {
  const spatial = (end - start) / c;
  const shift = new Float64Array(c);
  const sums = new Float64Array(c);
  const squares = new Float64Array(c);
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
    mean[ch] = shift[ch]! + centredMean;
    invStd[ch] = 1 / Math.sqrt(variance + epsilon);
  }
}

/**
 * Instance normalisation in plain loops over host memory, written into `out`: the
 * statistics pass, then one pass writing x * scale + offset. Both walk memory in order.
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
  const mean = new Float64Array(c);
  const invStd = new Float64Array(c);
  const scale = new Float64Array(c);
  const offset = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    const start = b * spatial * c;
    const end = start + spatial * c;
    planeStats(x, start, end, c, epsilon, mean, invStd);
    for (let ch = 0; ch < c; ch++) {
      scale[ch] = gamma[ch]! * invStd[ch]!;
      offset[ch] = beta[ch]! - mean[ch]! * scale[ch]!;
    }
    for (let i = start; i < end; i += c) {
      for (let ch = 0; ch < c; ch++) out[i + ch] = x[i + ch]! * scale[ch]! + offset[ch]!;
    }
  }
  return out;
}

/**
 * The gradient of instance norm in loops over host memory: dx into `dx`, and the
 * gradients of gamma and beta into `params` ([2, C]: row 0 gamma, row 1 beta).
 * dx = gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)).
 */
export function instanceNormGradHost(
  x: ArrayLike<number>,
  shape: readonly number[],
  gamma: ArrayLike<number>,
  dy: ArrayLike<number>,
  epsilon: number,
  dx: Float32Array = new Float32Array(x.length),
  params: Float32Array = new Float32Array(2 * shape[3]!),
): { dx: Float32Array; params: Float32Array } {
  const [n, h, w, c] = shape as [number, number, number, number];
  const spatial = h * w;
  const mean = new Float64Array(c);
  const invStd = new Float64Array(c);
  const sumDy = new Float64Array(c);
  const sumDyCentred = new Float64Array(c);
  const dGamma = new Float64Array(c);
  const dBeta = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    const start = b * spatial * c;
    const end = start + spatial * c;
    planeStats(x, start, end, c, epsilon, mean, invStd);
    sumDy.fill(0);
    sumDyCentred.fill(0);
    for (let i = start; i < end; i += c) {
      for (let ch = 0; ch < c; ch++) {
        const d = dy[i + ch]!;
        sumDy[ch]! += d;
        sumDyCentred[ch]! += d * (x[i + ch]! - mean[ch]!);
      }
    }
    for (let ch = 0; ch < c; ch++) {
      dBeta[ch]! += sumDy[ch]!;
      dGamma[ch]! += sumDyCentred[ch]! * invStd[ch]!;
      // Reused as the coefficients of dx = k * (dy - a - (x - mean) * b).
      sumDy[ch] = sumDy[ch]! / spatial;
      sumDyCentred[ch] = (sumDyCentred[ch]! * invStd[ch]! * invStd[ch]!) / spatial;
    }
    for (let i = start; i < end; i += c) {
      for (let ch = 0; ch < c; ch++) {
        const k = gamma[ch]! * invStd[ch]!;
        dx[i + ch] = k * (dy[i + ch]! - sumDy[ch]! - (x[i + ch]! - mean[ch]!) * sumDyCentred[ch]!);
      }
    }
  }
  for (let ch = 0; ch < c; ch++) {
    params[ch] = dGamma[ch]!;
    params[c + ch] = dBeta[ch]!;
  }
  return { dx, params };
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

tf.registerKernel({
  kernelName: INSTANCE_NORM_GRAD,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, dy } = inputs as Record<'x' | 'gamma' | 'dy', tf.TensorInfo>;
    const { epsilon } = attrs as unknown as InstanceNormAttrs;
    const cpu = backend as unknown as CpuBackend;
    const { dx, params } = instanceNormGradHost(
      cpu.readSync(x.dataId),
      x.shape,
      cpu.readSync(gamma.dataId),
      cpu.readSync(dy.dataId),
      epsilon,
    );
    return [
      cpu.makeTensorInfo(x.shape, 'float32', dx),
      cpu.makeTensorInfo([2, x.shape[3]!], 'float32', params),
    ];
  },
});

tf.registerKernel({
  kernelName: INSTANCE_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, dy } = inputs as Record<'x' | 'gamma' | 'dy', tf.TensorInfo>;
    const { epsilon } = attrs as unknown as InstanceNormAttrs;
    const wasm = backend as unknown as WasmBackend;
    const dx = wasm.makeOutput(x.shape, 'float32');
    const params = wasm.makeOutput([2, x.shape[3]!], 'float32');
    instanceNormGradHost(
      wasm.typedArrayFromHeap(x),
      x.shape,
      wasm.typedArrayFromHeap(gamma),
      wasm.typedArrayFromHeap(dy),
      epsilon,
      wasm.typedArrayFromHeap(dx),
      wasm.typedArrayFromHeap(params),
    );
    return [dx, params];
  },
});
