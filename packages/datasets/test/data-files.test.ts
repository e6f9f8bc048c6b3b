import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodePng, FormatError, init, tf } from '@atelier/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { idxByteLength } from '../src/formats/idx.js';
import {
  encodeIdx,
  gunzipIfNeeded,
  mnist,
  readFlo,
  singleFolder,
  videoFrames,
} from '../src/index.js';
import { closeWorkers } from '../src/pipeline/worker-pool.js';

let root: string;

function folder(...parts: string[]): string {
  const dir = join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function writePng(path: string, side = 8): Promise<void> {
  const t = tf.fill([side, side, 3], 100) as tf.Tensor3D;
  writeFileSync(path, await encodePng(t));
  t.dispose();
}

/** Every sample of a source (disposing the tensors), or the error it threw, with the time. */
async function drain(
  make: () => Promise<{ size: number | undefined; get(i: number, e?: number): unknown }>,
) {
  const start = performance.now();
  const loaded: { image: tf.Tensor }[] = [];
  try {
    const dataset = await make();
    for (let i = 0; i < (dataset.size ?? 0); i++) {
      const sample = (await dataset.get(i, 0)) as { image: tf.Tensor } | undefined;
      if (sample) loaded.push(sample);
    }
    return { count: loaded.length, ms: performance.now() - start };
  } catch (error) {
    return { error: error as Error, ms: performance.now() - start };
  } finally {
    for (const s of loaded) s.image.dispose();
  }
}

/** An IDX ubyte header declaring `shape`, followed by `values` zero bytes. */
function idx(shape: number[], values: number): Uint8Array {
  const head = encodeIdx({ type: 'ubyte', shape: [1], data: new Uint8Array(1) }).subarray(0, 4);
  const out = new Uint8Array(4 + 4 * shape.length + values);
  out.set(head);
  out[3] = shape.length;
  for (const [i, d] of shape.entries()) new DataView(out.buffer).setUint32(4 + 4 * i, d);
  return out;
}

beforeAll(async () => {
  await init({ backend: 'cpu' });
  root = mkdtempSync(join(tmpdir(), 'atelier-data-files-'));
});
afterAll(async () => {
  await closeWorkers();
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env.ATELIER_MAX_FILE_BYTES;
  // Every sample read was disposed, and nothing a refusal made was left behind.
  expect(tf.memory().numTensors).toBe(0);
});

describe('gzipped IDX is inflated within what its header declares', () => {
  it('reads the declared size from the inflated start of the stream', () => {
    expect(idxByteLength(idx([60000, 28, 28], 0))).toBe(16 + 60000 * 784);
    expect(idxByteLength(new Uint8Array([0, 0, 8]))).toBeUndefined();
    expect(idxByteLength(new Uint8Array([0, 0, 0x42, 1, 0, 0, 0, 1]))).toBeUndefined();
  });

  it('refuses a header that declares more than the gzip file can hold, before inflating', async () => {
    // 100 MB declared, 1 KB of zeros given: 1 KB of gzip cannot hold 100 MB.
    const gz = gzipSync(idx([127551, 28, 28], 1000));
    const before = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    const error = await gunzipIfNeeded(gz, 'lie.gz', { declaredSize: idxByteLength }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe(
      `lie.gz: its header declares 100000000 bytes of data, which ${gz.length} bytes of gzip ` +
        'cannot hold (deflate compresses at most 1032:1)',
    );
    expect(performance.now() - start).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 2 ** 20);
  });

  it('stops a stream that inflates past its declared size (a bomb under the limits)', async () => {
    // Declares 10 images (7856 bytes), holds 64 MB of zeros: about 64 KB of gzip.
    const bomb = gzipSync(idx([10, 28, 28], 64 * 2 ** 20), { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    const before = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    const error = await gunzipIfNeeded(bomb, 'bomb.gz', { declaredSize: idxByteLength }).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toBe(
      'bomb.gz: the gzip stream inflates to more than the 7856 bytes its header declares',
    );
    expect(performance.now() - start).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    // Without a declared size, the limit bounds it.
    const capped = await gunzipIfNeeded(bomb, 'bomb.gz', { maxBytes: 2 ** 20 }).catch(
      (e: Error) => e,
    );
    expect((capped as Error).message).toBe(
      'bomb.gz: the gzip stream inflates to more than the limit of 1048576 bytes',
    );
  });

  it('names the file limit for a declared size over it; mnist() reads within both', async () => {
    const dir = folder('mnist');
    const images = idx([3, 28, 28], 3 * 784);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([3], 3)));
    const ok = await drain(() => mnist({ dir }));
    expect(ok.count).toBe(3);
    const small = await drain(() => mnist({ dir, maxFileBytes: 1000 }));
    expect(small.error).toBeInstanceOf(FormatError);
    expect(small.error!.message).toMatch(
      /train-images-idx3-ubyte\.gz: its header declares 2368 bytes of data, more than the limit of 1000; raise it with the maxFileBytes option or ATELIER_MAX_FILE_BYTES/,
    );
    // A bomb in place of the images: refused with the file named, quickly.
    writeFileSync(
      join(dir, 'train-images-idx3-ubyte.gz'),
      gzipSync(idx([3, 28, 28], 32 * 2 ** 20), { level: 9 }),
    );
    const bomb = await drain(() => mnist({ dir }));
    expect(bomb.error!.message).toMatch(
      /train-images-idx3-ubyte\.gz: the gzip stream inflates to more than the 2368 bytes/,
    );
    expect(bomb.ms).toBeLessThan(2000);
  });
});

describe('data folders read regular files only', () => {
  it('refuses an image-named FIFO without blocking, and skipBroken skips it', async () => {
    const dir = folder('fifo');
    await writePng(join(dir, 'a.png'));
    execFileSync('mkfifo', [join(dir, 'b.png')]);
    const refused = await drain(() => singleFolder({ dir, workers: 0 }));
    expect(refused.error).toBeInstanceOf(FormatError);
    expect(refused.error!.message).toBe(
      `singleFolder: ${join(dir, 'b.png')} is a FIFO (named pipe): data folders hold regular files only`,
    );
    const warnings: string[] = [];
    const skipped = await drain(() =>
      singleFolder({ dir, workers: 0, skipBroken: true, onWarning: (m) => warnings.push(m) }),
    );
    expect(skipped.count).toBe(1);
    expect(warnings).toEqual([`skipping a broken file: ${refused.error!.message}`]);
    // Read directly (as after a swap between listing and reading): refused, no hang.
    const direct = await readFlo(join(dir, 'b.png')).catch((e: Error) => e);
    expect((direct as Error).message).toMatch(/b\.png is a FIFO \(named pipe\)/);
  });

  it('does not follow symlinks out of the folder unless asked; never reads devices', async () => {
    const outside = folder('outside');
    await writePng(join(outside, 'x.png'));
    const dir = folder('links');
    await writePng(join(dir, 'a.png'));
    symlinkSync(join(dir, 'a.png'), join(dir, 'inside.png'));
    symlinkSync(join(outside, 'x.png'), join(dir, 'out.png'));
    const within = folder('within');
    await writePng(join(within, 'a.png'));
    symlinkSync(join(within, 'a.png'), join(within, 'b.png'));
    expect((await drain(() => singleFolder({ dir: within, workers: 0 }))).count).toBe(2);
    const refused = await drain(() => singleFolder({ dir, workers: 0 }));
    expect(refused.error).toBeInstanceOf(FormatError);
    expect(refused.error!.message).toBe(
      `singleFolder: ${join(dir, 'out.png')} is a symbolic link to ${join(outside, 'x.png')}, ` +
        `outside ${dir}; pass followSymlinks: true to read links out of the folder`,
    );
    const followed = await drain(() => singleFolder({ dir, workers: 0, followSymlinks: true }));
    expect(followed.count).toBe(3);
    // /dev/zero behind a link: out of the folder, and a device even when links are followed.
    symlinkSync('/dev/zero', join(dir, 'zero.png'));
    const zero = await drain(() => singleFolder({ dir, workers: 0, followSymlinks: true }));
    expect(zero.error!.message).toBe(
      `singleFolder: ${join(dir, 'zero.png')} is a character device: data folders hold regular files only`,
    );
    expect(zero.ms).toBeLessThan(2000);
    const flo = await readFlo('/dev/zero').catch((e: Error) => e);
    expect((flo as Error).message).toBe(
      'readFlo: /dev/zero is a character device: data folders hold regular files only',
    );
  });

  it('refuses MNIST files that are devices, FIFOs or links out of the folder', async () => {
    const dir = folder('mnist-hostile');
    symlinkSync('/dev/zero', join(dir, 'train-images-idx3-ubyte'));
    execFileSync('mkfifo', [join(dir, 'train-labels-idx1-ubyte')]);
    const link = await drain(() => mnist({ dir }));
    expect(link.error!.message).toMatch(
      /train-images-idx3-ubyte is a symbolic link to \/dev\/zero, outside/,
    );
    const device = await drain(() => mnist({ dir, followSymlinks: true }));
    expect(device.error!.message).toMatch(/train-images-idx3-ubyte is a character device/);
    rmSync(join(dir, 'train-images-idx3-ubyte'));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([1, 28, 28], 784));
    const fifo = await drain(() => mnist({ dir }));
    expect(fifo.error!.message).toMatch(/train-labels-idx1-ubyte is a FIFO/);
  });

  it('caps the size of a file, naming the file and how to raise the cap', async () => {
    const dir = folder('big');
    await writePng(join(dir, 'a.png'), 64);
    const capped = await drain(() => singleFolder({ dir, workers: 0, maxFileBytes: 100 }));
    expect(capped.error).toBeInstanceOf(FormatError);
    expect(capped.error!.message).toMatch(
      /^readImage: .*a\.png is \d+ bytes, more than the limit of 100 per file; raise it with the maxFileBytes option or ATELIER_MAX_FILE_BYTES$/,
    );
    process.env.ATELIER_MAX_FILE_BYTES = '100';
    expect((await drain(() => singleFolder({ dir, workers: 0 }))).error).toBeInstanceOf(
      FormatError,
    );
    process.env.ATELIER_MAX_FILE_BYTES = 'big';
    await expect(singleFolder({ dir, workers: 0 })).rejects.toThrow(
      /ATELIER_MAX_FILE_BYTES must be a positive whole number/,
    );
    delete process.env.ATELIER_MAX_FILE_BYTES;
    await expect(singleFolder({ dir, workers: 0, maxFileBytes: -1 })).rejects.toThrow(
      /singleFolder: maxFileBytes must be a positive whole number, got -1/,
    );
    await expect(
      singleFolder({ dir, workers: 0, followSymlinks: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/followSymlinks must be a boolean/);
  });

  it('holds sources to the pixel budget, naming the file; skipBroken skips it', async () => {
    const dir = folder('pixels');
    await writePng(join(dir, 'a.png'), 8);
    await writePng(join(dir, 'b.png'), 16);
    const over = await drain(() => singleFolder({ dir, workers: 0, maxPixels: 100 }));
    expect(over.error).toBeInstanceOf(FormatError);
    expect(over.error!.message).toMatch(
      /^.*b\.png: decodeImage: PNG header gives 16 x 16 = 256 pixels, more than the pixel budget of 100: .*maxPixels option/,
    );
    const skipped = await drain(() =>
      singleFolder({ dir, workers: 0, maxPixels: 100, skipBroken: true, onWarning: () => {} }),
    );
    expect(skipped.count).toBe(1);
    // The same in a decode worker thread (the limit travels with the task).
    const worker = await drain(() => singleFolder({ dir, workers: 1, maxPixels: 100 }));
    expect(worker.error).toBeInstanceOf(FormatError);
    expect(worker.error!.message).toBe(over.error!.message);
  });

  it('holds video frames and their flows to the same rules', async () => {
    const dir = folder('video');
    const flows = folder('video-flow');
    await writePng(join(dir, 'frame_1.png'), 8);
    await writePng(join(dir, 'frame_2.png'), 8);
    execFileSync('mkfifo', [join(flows, 'backward_2_1.flo')]);
    const frames = await videoFrames({ dir, flowDir: flows, maxPixels: 63 });
    await expect(frames.get(0, 0)).rejects.toThrow(
      /frame_1\.png: decodeImage: PNG header gives 8 x 8 = 64 pixels, more than the pixel budget of 63/,
    );
    const withFlow = await videoFrames({ dir, flowDir: flows });
    const first = (await withFlow.get(0, 0))!;
    first.frame.dispose();
    await expect(withFlow.get(1, 0)).rejects.toThrow(/backward_2_1\.flo is a FIFO \(named pipe\)/);
  });
});
