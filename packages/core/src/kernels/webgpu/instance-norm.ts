import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu/dist/backend_webgpu';
import { tf } from '../../tfjs.js';
import { INSTANCE_NORM, type InstanceNormAttrs } from '../instance-norm/name.js';
import { InstanceNormProgram } from './instance-norm-program.js';

// Instance norm on WebGPU runs as one custom WGSL program (see InstanceNormProgram).
tf.registerKernel({
  kernelName: INSTANCE_NORM,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
    const { epsilon } = attrs as unknown as InstanceNormAttrs;
    const program = new InstanceNormProgram(x.shape);
    return (backend as WebGPUBackend).runWebGPUProgram(program, [x, gamma, beta], 'float32', [
      { type: 'float32', data: [epsilon] },
    ]);
  },
});
