import '@tensorflow/tfjs-backend-webgpu/dist/flags_webgpu';
import '@tensorflow/tfjs-backend-webgpu/dist/register_all_kernels';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu/dist/backend_webgpu';
import { BackendError } from '../errors.js';
import { tf } from '../tfjs.js';
import { recordFactoryError } from './capture.js';

/** What is known of the GPU adapter WebGPU runs on. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** A CPU implementation (SwiftShader, WARP, llvmpipe) or a fallback adapter. */
  isSoftware: boolean;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<any>;
}

let gpuPromise: Promise<GpuLike> | undefined;
let adapterPromise: Promise<any> | undefined;
let device: any;

/** Chromium's SwiftShader: a software Vulkan driver Debian's `chromium` package ships. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Without a GPU, Dawn finds no Vulkan driver. When Chromium's SwiftShader is installed
 * and the user chose no driver, add it *beside* the system's drivers
 * (VK_ADD_DRIVER_FILES), so a hardware GPU still wins and a GPU-less machine still
 * gets a (software) adapter.
 */
async function offerSoftwareVulkan(): Promise<void> {
  const env = process.env;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return;
  const { existsSync } = await import('node:fs');
  if (existsSync(SWIFTSHADER_ICD)) env.VK_ADD_DRIVER_FILES = SWIFTSHADER_ICD;
}

/** `navigator.gpu` in the browser; in Node, Dawn from the optional `webgpu` package. */
async function getGpu(): Promise<GpuLike> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (__NODE__) return nodeGpu();
  throw new BackendError('WebGPU is not available: this browser has no navigator.gpu');
}

/** Dawn from the optional `webgpu` package, installed as `navigator.gpu`. */
async function nodeGpu(): Promise<GpuLike> {
  // Dawn's Vulkan loader complains on stderr when this is unset (headless machines).
  if (!process.env.XDG_RUNTIME_DIR) {
    const { tmpdir } = await import('node:os');
    process.env.XDG_RUNTIME_DIR = tmpdir();
  }
  await offerSoftwareVulkan();
  let dawn: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (cause) {
    throw new BackendError(
      "WebGPU in Node needs the optional package 'webgpu' (Dawn): it could not be loaded",
      { cause },
    );
  }
  // tfjs's WebGPU backend uses the GPU* constants as globals, as in a browser.
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  const gpu = dawn.create([]);
  // tfjs's WebGPU backend checks `navigator.gpu` before it starts.
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  if (g.navigator == null) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu },
      configurable: true,
      writable: true,
    });
  } else if (g.navigator.gpu == null) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  return gpu;
}

function isSoftwareAdapter(adapter: any, info: Record<string, string>): boolean {
  if (adapter?.isFallbackAdapter === true || info.isFallbackAdapter) return true;
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''} ${info.device ?? ''}`;
  return /swiftshader|llvmpipe|lavapipe|warp|software|microsoft basic render/i.test(text);
}

/** The adapter WebGPU would use, or an error saying why there is none. */
export async function probeAdapter(): Promise<{ adapter: any; info: AdapterInfo }> {
  adapterPromise ??= (async () => {
    gpuPromise ??= getGpu();
    const gpu = await gpuPromise;
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter == null) {
      throw new BackendError(
        'WebGPU found no adapter (on a machine without a GPU, install libvulkan1 and chromium and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)',
      );
    }
    return adapter;
  })();
  let adapter: any;
  try {
    adapter = await adapterPromise;
  } catch (error) {
    adapterPromise = undefined;
    throw error;
  }
  const raw = (adapter.info ?? {}) as Record<string, string>;
  const info: AdapterInfo = {
    vendor: raw.vendor ?? '',
    architecture: raw.architecture ?? '',
    description: raw.description ?? '',
    isSoftware: isSoftwareAdapter(adapter, raw),
  };
  return { adapter, info };
}

let registered = false;

/** Registers the `webgpu` backend with a factory that uses `probeAdapter`'s adapter. */
export function registerWebGPU(): void {
  if (registered) return;
  registered = true;
  tf.registerBackend(
    'webgpu',
    async () => {
      try {
        return await createBackend();
      } catch (error) {
        recordFactoryError('webgpu', error);
        throw error;
      }
    },
    3,
  );
}

async function createBackend(): Promise<WebGPUBackend> {
  const { adapter } = await probeAdapter();
  const limits = adapter.limits;
  const requiredFeatures: string[] = [];
  if (adapter.features?.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  return new WebGPUBackend(device, adapter.info);
}

/** Destroys the WebGPU device so that a Node process can exit. */
export function releaseWebGPU(): void {
  if (device) {
    try {
      if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
    } catch {
      // the backend may already be gone
    }
    device.destroy?.();
    device = undefined;
    registered = false;
    adapterPromise = undefined;
  }
}
