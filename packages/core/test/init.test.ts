import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ArgumentError, BackendError, init, probeAdapter, shutdown, tf } from '../src/index.js';

const run = promisify(execFile);

/** Runs `init(options)` in a fresh Node process on the built package; returns its result. */
async function initInChild(options: object, env: Record<string, string> = {}, before?: string) {
  const script = `
    import { init, shutdown, tf } from '@atelier/core';
    ${before ? `await init({ backend: '${before}' });` : ''}
    try {
      const info = await init(${JSON.stringify(options)});
      console.log(JSON.stringify({ info }));
    } catch (e) {
      console.log(JSON.stringify({ after: tf.getBackend(), error: { name: e.name, message: e.message } }));
    }
    await shutdown();`;
  const { stdout } = await run('node', ['--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('init', () => {
  it('starts cpu and wasm by name', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const info = await init({ backend });
      expect(info).toEqual({ name: backend, reason: 'requested' });
      expect(tf.getBackend()).toBe(backend);
    }
  });

  it('starts webgpu by name and describes the adapter', async () => {
    const info = await init({ backend: 'webgpu' });
    expect(info.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(typeof info.adapter?.vendor).toBe('string');
    expect(typeof info.adapter?.isSoftware).toBe('boolean');
    const y = tf.tensor([1, 2, 3]).square().sum();
    expect(await y.data()).toEqual(new Float32Array([14]));
    await shutdown();
    expect(tf.getBackend()).toBe('cpu');
  });

  it("'auto' takes webgpu on hardware, wasm on a software adapter, and says why", async () => {
    const { info: adapter } = await probeAdapter();
    const info = await init({ backend: 'auto' });
    if (adapter.isSoftware) {
      expect(info.name).toBe('wasm');
      expect(info.reason).toMatch(/software/);
    } else {
      expect(info.name).toBe('webgpu');
      expect(info.reason).toMatch(/hardware/);
    }
    expect(info.adapter).toEqual(adapter);
  });

  it('rejects an unknown backend name with a typed error', async () => {
    await expect(init({ backend: 'tpu' as never })).rejects.toThrow(ArgumentError);
    await expect(init({ backend: 'tpu' as never })).rejects.toThrow(
      /expected one of auto, webgpu, wasm, cpu, got "tpu"/,
    );
  });
});

describe('init in a fresh process', () => {
  it('reports a backend that cannot start, with the underlying error, and leaves the old one', async () => {
    const out = await initInChild({ backend: 'wasm', wasmPaths: '/nonexistent/' }, {}, 'cpu');
    expect(out.error.name).toBe('BackendError');
    expect(out.after).toBe('cpu');
    expect(out.error.message).toMatch(
      /backend 'wasm' failed to initialise \(binaries from \/nonexistent\/\): .*wasm/,
    );
  });

  it('reports WebGPU without an adapter, and auto falls back to wasm saying why', async () => {
    const env = { VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    const named = await initInChild({ backend: 'webgpu' }, env);
    expect(named.error.name).toBe('BackendError');
    expect(named.error.message).toMatch(/no adapter/);
    const auto = await initInChild({ backend: 'auto' }, env);
    expect(auto.info.name).toBe('wasm');
    expect(auto.info.reason).toMatch(/WebGPU is unavailable/);
  });

  it('starts threaded wasm by default under node --input-type=module -e, and computes', async () => {
    // Workers inherit Node's flags: the pthread workers must not be run as modules.
    const script = `
      import { init, tf, wasmThreads } from '@atelier/core';
      await init({ backend: 'wasm' });
      const y = tf.sum(tf.conv2d(tf.ones([1, 8, 8, 4]), tf.ones([3, 3, 4, 2]), 1, 'same'));
      console.log(JSON.stringify({ threads: wasmThreads(), sum: (await y.data())[0] }));`;
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.ATELIER_WASM_THREADS;
    const { stdout } = await run('node', ['--input-type=module', '-e', script], {
      env,
      timeout: 60_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.threads).toBe(Math.min(8, availableParallelism()));
    // Each output sums 4 channels over its window: 36 taps inside, fewer at the border.
    expect(out.sum).toBe(2 * 4 * (6 * 6 * 9 + 4 * 6 * 6 + 4 * 4));
  });

  it('reads ATELIER_BACKEND, and rejects a bad value', async () => {
    const ok = await initInChild({}, { ATELIER_BACKEND: 'cpu' });
    expect(ok.info).toEqual({ name: 'cpu', reason: 'set by ATELIER_BACKEND' });
    const bad = await initInChild({}, { ATELIER_BACKEND: 'gpu' });
    expect(bad.error.name).toBe('ArgumentError');
    expect(bad.error.message).toMatch(/ATELIER_BACKEND/);
  });

  it('exits normally after WebGPU work, without an explicit shutdown', async () => {
    const script = `
      import { init, tf } from '@atelier/core';
      await init({ backend: 'webgpu' });
      const y = tf.ones([32, 32]).matMul(tf.ones([32, 32])).sum();
      console.log((await y.data())[0]);`;
    const { stdout } = await run('node', ['--input-type=module', '-e', script], {
      timeout: 60_000,
    });
    expect(stdout.trim()).toBe('32768');
  });

  it('BackendError is an AtelierError subclass', () => {
    expect(new BackendError('x')).toBeInstanceOf(Error);
  });
});
