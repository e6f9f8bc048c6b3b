// Instance normalisation: the kernel on the CPU backends and its gradient; the WGSL
// kernel lives with the other WebGPU kernels (../webgpu/).
import './host.js';
import './gradient.js';
