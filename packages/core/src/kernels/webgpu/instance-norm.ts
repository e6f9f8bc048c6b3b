import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu/dist/backend_webgpu';
import { tf } from '../../tfjs.js';
import {
  INSTANCE_NORM,
  INSTANCE_NORM_GRAD,
  type InstanceNormAttrs,
} from '../instance-norm/name.js';
import { InstanceNormGradProgram } from './instance-norm-grad-program.js';
import { InstanceNormParamGradProgram } from './instance-norm-param-grad-program.js';
import { InstanceNormProgram } from './instance-norm-program.js';

// Instance norm and its gradient on WebGPU run as custom WGSL programs.
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

tf.registerKernel({
  kernelName: INSTANCE_NORM_GRAD,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, dy } = inputs as Record<'x' | 'gamma' | 'dy', tf.TensorInfo>;
    const { epsilon } = attrs as unknown as InstanceNormAttrs;
    const gpu = backend as WebGPUBackend;
    const uniforms = [{ type: 'float32', data: [epsilon] }];
    const dx = gpu.runWebGPUProgram(
      new InstanceNormGradProgram(x.shape),
      [x, gamma, dy],
      'float32',
      uniforms,
    );
    const params = gpu.runWebGPUProgram(
      new InstanceNormParamGradProgram(x.shape),
      [x, dy],
      'float32',
      uniforms,
    );
    return [dx, params];
  },
});
