/**
 * Kernels and gradients tfjs 4.22 lacks or gets wrong, registered on import.
 * Each folder registers its own: gradients/ (first and second order, all backends),
 * wasm/ (training kernels the wasm backend lacks), webgpu/ (custom WGSL kernels).
 */
import './gradients/index.js';
import './wasm/index.js';
import './webgpu/index.js';
import './instance-norm/index.js';
import './conv-gradients.js';
