// tfjs's kernels first, so that the registration below replaces theirs.
import '@tensorflow/tfjs-backend-webgpu/dist/register_all_kernels';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu/dist/backend_webgpu';
import { tf } from '../../tfjs.js';

/**
 * tfjs's WebGPU AddN binds every input as a storage buffer in one shader. Past the
 * device's maxStorageBuffersPerShaderStage (8 by default, the output included) the
 * pipeline is invalid and the sum comes out wrong without an error. Here longer sums
 * are done in chunks that fit, then the partial sums are added the same way.
 */
const original = tf.getKernel(tf.AddN, 'webgpu');
if (original) {
  tf.unregisterKernel(tf.AddN, 'webgpu');
  tf.registerKernel({
    kernelName: tf.AddN,
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const backend = args.backend as WebGPUBackend;
      const limit = Math.max(2, (backend.device?.limits.maxStorageBuffersPerShaderStage ?? 8) - 1);
      const sum = (inputs: tf.TensorInfo[]): tf.TensorInfo => {
        if (inputs.length <= limit) {
          return original.kernelFunc({
            ...args,
            inputs: inputs as unknown as tf.NamedTensorInfoMap,
          }) as tf.TensorInfo;
        }
        const partials: tf.TensorInfo[] = [];
        for (let i = 0; i < inputs.length; i += limit)
          partials.push(sum(inputs.slice(i, i + limit)));
        const result = sum(partials);
        for (const p of partials) backend.disposeData(p.dataId);
        return result;
      };
      return sum(args.inputs as unknown as tf.TensorInfo[]);
    },
  });
}
