import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ArgumentError, encodeJpeg, encodePng, FormatError, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  alignedFolder,
  cifar10,
  colorization,
  encodeCifar10,
  encodeFlo,
  encodeIdx,
  imageFolder,
  mnist,
  type Progress,
  readFlo,
  rgbToLab,
  singleFolder,
  unalignedFolder,
  videoFrames,
} from '../src/index.js';
import { closeWorkers, sharedPool } from '../src/pipeline/worker-pool.js';

/** A recognisable byte pattern: value of (x, y, c) for image `seed`. */
function pattern(w: number, h: number, c: number, seed: number): Uint8Array {
  const out = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++)
        out[(y * w + x) * c + k] = (x * 7 + y * 13 + k * 50 + seed * 31) % 256;
    }
  }
  return out;
}

/** [left | right] side by side. */
function sideBySide(left: Uint8Array, right: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * 2 * h * 3);
  for (let y = 0; y < h; y++) {
    out.set(left.subarray(y * w * 3, (y + 1) * w * 3), y * 2 * w * 3);
    out.set(right.subarray(y * w * 3, (y + 1) * w * 3), (y * 2 * w + w) * 3);
  }
  return out;
}

async function png(path: string, bytes: Uint8Array, w: number, h: number, c = 3): Promise<void> {
  const t = tf.tensor3d(Float32Array.from(bytes), [h, w, c]);
  writeFileSync(path, await encodePng(t));
  t.dispose();
}

function folder(...parts: string[]): string {
  const dir = join(...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function bytesOf(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data()).map((v) => Math.round(v));
}

let root: string;
const W = 12;
const H = 12;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-datasets-'));
  const aligned = folder(root, 'aligned');
  const same = folder(root, 'same');
  const pa = folder(root, 'parallel', 'A');
  const pb = folder(root, 'parallel', 'B');
  for (let i = 0; i < 3; i++) {
    await png(
      join(aligned, `pair_${i}.png`),
      sideBySide(pattern(W, H, 3, i), pattern(W, H, 3, 10 + i), W, H),
      2 * W,
      H,
    );
    await png(
      join(same, `pair_${i}.png`),
      sideBySide(pattern(W, H, 3, i), pattern(W, H, 3, i), W, H),
      2 * W,
      H,
    );
    await png(join(pa, `x_${i}.png`), pattern(W, H, 3, i), W, H);
    await png(join(pb, `x_${i}.png`), pattern(W, H, 3, 10 + i), W, H);
  }
  const cyc = folder(root, 'cyc');
  const ta = folder(cyc, 'trainA');
  const tb = folder(cyc, 'trainB');
  for (let i = 0; i < 3; i++) await png(join(ta, `a_${i}.png`), pattern(W, H, 3, i), W, H);
  for (let i = 0; i < 5; i++) await png(join(tb, `b_${i}.png`), pattern(W, H, 3, 20 + i), W, H);
  for (const [name, n] of [
    ['dog', 3],
    ['cat', 2],
  ] as const) {
    const dir = folder(root, 'classes', name);
    for (let i = 0; i < n; i++) await png(join(dir, `${name}${i}.png`), pattern(W, H, 3, i), W, H);
  }
  const broken = folder(root, 'broken');
  await png(join(broken, 'good_0.png'), pattern(W, H, 3, 0), W, H);
  await png(join(broken, 'good_1.png'), pattern(W, H, 3, 1), W, H);
  const goodPng = await (async () => {
    const t = tf.tensor3d(Float32Array.from(pattern(W, H, 3, 2)), [H, W, 3]);
    const b = await encodePng(t);
    t.dispose();
    return b;
  })();
  writeFileSync(join(broken, 'bad_truncated.png'), goodPng.subarray(0, goodPng.length - 30));
  writeFileSync(
    join(broken, 'bad_garbage.jpg'),
    new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3, 4, 5]),
  );
  const jpegT = tf.tensor3d(Float32Array.from(pattern(16, 16, 3, 3)), [16, 16, 3]);
  const jpeg = await encodeJpeg(jpegT);
  jpegT.dispose();
  writeFileSync(join(broken, 'bad_truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));

  const colour = folder(root, 'colour');
  await png(
    join(colour, 'grey.png'),
    pattern(W, H, 1, 4).map((v) => v),
    W,
    H,
    1,
  );
  await png(join(colour, 'rgb.png'), pattern(W, H, 3, 5), W, H);

  const m = folder(root, 'mnist');
  const images = new Uint8Array(4 * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = (i * 5) % 256;
  const labels = new Uint8Array([3, 1, 4, 1]);
  const imagesIdx = encodeIdx({ type: 'ubyte', shape: [4, 28, 28], data: images });
  const labelsIdx = encodeIdx({ type: 'ubyte', shape: [4], data: labels });
  writeFileSync(join(m, 'train-images-idx3-ubyte.gz'), gzipSync(imagesIdx));
  writeFileSync(join(m, 'train-labels-idx1-ubyte.gz'), gzipSync(labelsIdx));
  writeFileSync(join(m, 't10k-images-idx3-ubyte'), imagesIdx);
  writeFileSync(join(m, 't10k-labels-idx1-ubyte'), labelsIdx);
  const mb = folder(root, 'mnist-bad');
  writeFileSync(join(mb, 'train-images-idx3-ubyte'), imagesIdx.subarray(0, imagesIdx.length - 100));
  writeFileSync(join(mb, 'train-labels-idx1-ubyte'), labelsIdx);
  writeFileSync(join(mb, 't10k-images-idx3-ubyte.gz'), gzipSync(imagesIdx).subarray(0, 50));
  writeFileSync(join(mb, 't10k-labels-idx1-ubyte'), labelsIdx);

  const c = folder(root, 'cifar', 'cifar-10-batches-bin');
  for (let b = 1; b <= 5; b++) {
    const count = 2;
    const img = new Uint8Array(count * 32 * 32 * 3);
    for (let i = 0; i < img.length; i++) img[i] = (i * 3 + b) % 256;
    writeFileSync(
      join(c, `data_batch_${b}.bin`),
      encodeCifar10({ count, images: img, labels: new Uint8Array([b, 9 - b]) }),
    );
  }
  // test_batch.bin: one record written by hand, planes R, G, B.
  const record = new Uint8Array(3073);
  record[0] = 7;
  for (let p = 0; p < 1024; p++) {
    record[1 + p] = p % 256; // R
    record[1 + 1024 + p] = 100; // G
    record[1 + 2048 + p] = 200; // B
  }
  writeFileSync(join(c, 'test_batch.bin'), record);
  const cb = folder(root, 'cifar-bad');
  for (let b = 1; b <= 5; b++) {
    const good = encodeCifar10({
      count: 1,
      images: new Uint8Array(3072).fill(b),
      labels: new Uint8Array([b]),
    });
    writeFileSync(join(cb, `data_batch_${b}.bin`), b === 3 ? good.subarray(0, 3000) : good);
  }

  const frames = folder(root, 'video', 'frames');
  const flows = folder(root, 'video', 'flows');
  for (let t = 1; t <= 11; t++)
    await png(join(frames, `frame_${t}.png`), pattern(8, 6, 3, t), 8, 6);
  for (let t = 2; t <= 11; t++) {
    const data = new Float32Array(8 * 6 * 2);
    for (let i = 0; i < data.length; i++) data[i] = t + i / 100;
    writeFileSync(
      join(flows, `backward_${t}_${t - 1}.flo`),
      encodeFlo({ width: 8, height: 6, data }),
    );
  }
  const badFlo = folder(root, 'video', 'badflows');
  writeFileSync(join(badFlo, 'backward_2_1.flo'), new Uint8Array(20));
});

afterAll(async () => {
  await closeWorkers();
  rmSync(root, { recursive: true, force: true });
});

const exact = { preprocess: 'none', flip: false, range: 'byte', workers: 0 } as const;

describeBackends('sources', () => {
  it('alignedFolder splits side-by-side pairs into A and B (and swaps them BtoA)', async () => {
    const ds = await alignedFolder({ dir: join(root, 'aligned'), ...exact });
    expect(ds.size).toBe(3);
    const s = (await ds.get(1))!;
    expect(s.A.shape).toEqual([H, W, 3]);
    expect(await bytesOf(s.A)).toEqual(Array.from(pattern(W, H, 3, 1)));
    expect(await bytesOf(s.B)).toEqual(Array.from(pattern(W, H, 3, 11)));
    expect(s.pathA).toMatch(/pair_1\.png$/);
    tf.dispose([s.A, s.B]);
    const swapped = (await (
      await alignedFolder({ dir: join(root, 'aligned'), direction: 'BtoA', ...exact })
    ).get(1))!;
    expect(await bytesOf(swapped.A)).toEqual(Array.from(pattern(W, H, 3, 11)));
    tf.dispose([swapped.A, swapped.B]);
    // Two parallel folders pair by name.
    const parallel = await alignedFolder({
      dirA: join(root, 'parallel', 'A'),
      dirB: join(root, 'parallel', 'B'),
      ...exact,
    });
    const p = (await parallel.get(2))!;
    expect(await bytesOf(p.B)).toEqual(Array.from(pattern(W, H, 3, 12)));
    tf.dispose([p.A, p.B]);
    await expect(
      alignedFolder({ dirA: join(root, 'parallel', 'A'), dirB: join(root, 'aligned') }),
    ).rejects.toThrow(/same names.*x_0\.png/);
  });

  it('crops and flips A and B alike, by seed: each a window of the source, mirrored or not', async () => {
    const make = () =>
      alignedFolder({
        dir: join(root, 'same'),
        preprocess: 'crop',
        cropSize: 6,
        range: 'byte',
        seed: 3,
        workers: 0,
      });
    const ds = await make();
    const again = await make();
    const src = pattern(W, H, 3, 0);
    const seen = new Set<string>();
    for (let epoch = 0; epoch < 8; epoch++) {
      const s = (await ds.get(0, epoch))!;
      const t = (await again.get(0, epoch))!;
      const a = await bytesOf(s.A);
      expect(await bytesOf(s.B)).toEqual(a);
      expect(await bytesOf(t.A)).toEqual(a);
      tf.dispose([s.A, s.B, t.A, t.B]);
      // Find the window (and mirror) of the source this crop is.
      let found = '';
      for (let y = 0; y <= H - 6 && !found; y++) {
        for (let x = 0; x <= W - 6 && !found; x++) {
          for (const flip of [false, true]) {
            let ok = true;
            for (let i = 0; i < 6 && ok; i++) {
              for (let j = 0; j < 6 && ok; j++) {
                const sx = flip ? x + 5 - j : x + j;
                for (let k = 0; k < 3; k++)
                  if (a[(i * 6 + j) * 3 + k] !== src[((y + i) * W + sx) * 3 + k]) ok = false;
              }
            }
            if (ok) found = `${x},${y},${flip}`;
          }
        }
      }
      expect(found, `epoch ${epoch}`).not.toBe('');
      seen.add(found);
    }
    expect(seen.size).toBeGreaterThan(2);
    expect([...seen].some((k) => k.endsWith('true'))).toBe(true);
    expect([...seen].some((k) => k.endsWith('false'))).toBe(true);
  });

  it('resize_and_crop gives cropSize squares in the requested range', async () => {
    const ds = await alignedFolder({
      dir: join(root, 'aligned'),
      loadSize: 14,
      cropSize: 12,
      workers: 0,
    });
    for await (const b of ds.batch(2)) {
      expect(b.A.shape.slice(1)).toEqual([12, 12, 3]);
      const d = await b.A.data();
      expect(Math.min(...d)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...d)).toBeLessThanOrEqual(1);
    }
  });

  it('unalignedFolder: max(|A|, |B|) samples, A cycles, B follows its own shuffle per epoch or serial order', async () => {
    const ds = await unalignedFolder({ root: join(root, 'cyc'), ...exact, seed: 1 });
    expect(ds.size).toBe(5);
    const names = async (epoch: number) => {
      const out: string[][] = [];
      for await (const s of ds.iterate({ epoch }))
        out.push([s.pathA.split('/').pop()!, s.pathB.split('/').pop()!]);
      return out;
    };
    const e0 = await names(0);
    const e1 = await names(1);
    expect(e0.map((p) => p[0])).toEqual(['a_0.png', 'a_1.png', 'a_2.png', 'a_0.png', 'a_1.png']);
    expect(e0.map((p) => p[1]).sort()).toEqual([
      'b_0.png',
      'b_1.png',
      'b_2.png',
      'b_3.png',
      'b_4.png',
    ]);
    expect(e1.map((p) => p[1])).not.toEqual(e0.map((p) => p[1]));
    expect(await names(0)).toEqual(e0);
    const serial = await unalignedFolder({
      root: join(root, 'cyc'),
      ...exact,
      serialBatches: true,
    });
    const order: string[] = [];
    for await (const s of serial) order.push(s.pathB.split('/').pop()!);
    expect(order).toEqual(['b_0.png', 'b_1.png', 'b_2.png', 'b_3.png', 'b_4.png']);
    const swapped = await unalignedFolder({ root: join(root, 'cyc'), direction: 'BtoA', ...exact });
    const s = (await swapped.get(0))!;
    expect(s.pathA).toMatch(/trainB/);
    tf.dispose([s.A, s.B]);
  });

  it('imageFolder labels by sorted class folder; singleFolder lists one folder', async () => {
    const ds = await imageFolder({ dir: join(root, 'classes'), ...exact });
    expect(ds.classes).toEqual(['cat', 'dog']);
    const labels: number[] = [];
    for await (const s of ds) {
      labels.push(s.label);
      expect(s.path).toContain(ds.classes[s.label]!);
    }
    expect(labels).toEqual([0, 0, 1, 1, 1]);
    const single = await singleFolder({ dir: join(root, 'parallel', 'A'), ...exact });
    const first = (await single.get(0))!;
    expect(await bytesOf(first.image)).toEqual(Array.from(pattern(W, H, 3, 0)));
    first.image.dispose();
  });

  it('colorization gives L / 50 - 1 and ab / 110 of the exact Lab conversion', async () => {
    const ds = await colorization({
      dir: join(root, 'colour'),
      preprocess: 'none',
      flip: false,
      workers: 0,
    });
    const grey = (await ds.get(0))!;
    expect(grey.path).toMatch(/grey\.png$/);
    const g = pattern(W, H, 1, 4);
    const L = await grey.L.data();
    const ab = await grey.ab.data();
    for (let i = 0; i < g.length; i++) {
      const c = g[i]! / 255;
      const lin = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      const want = lin > 216 / 24389 ? 116 * Math.cbrt(lin) - 16 : (24389 / 27) * lin;
      expect(L[i]).toBeCloseTo(want / 50 - 1, 4);
    }
    expect(Math.max(...ab.map(Math.abs))).toBeLessThan(1e-6);
    const rgb = (await ds.get(1))!;
    const src = tf.tensor3d(
      Float32Array.from(pattern(W, H, 3, 5), (v) => v / 255),
      [H, W, 3],
    );
    const lab = rgbToLab(src);
    const want = await lab.data();
    const gotL = await rgb.L.data();
    const gotAb = await rgb.ab.data();
    for (let i = 0; i < W * H; i++) {
      expect(Math.abs(gotL[i]! - (want[i * 3]! / 50 - 1))).toBeLessThan(1e-4);
      expect(Math.abs(gotAb[i * 2]! - want[i * 3 + 1]! / 110)).toBeLessThan(1e-4);
      expect(Math.abs(gotAb[i * 2 + 1]! - want[i * 3 + 2]! / 110)).toBeLessThan(1e-4);
    }
    tf.dispose([grey.L, grey.ab, rgb.L, rgb.ab, src, lab]);
  });

  it('a corrupt or truncated image is a FormatError naming the file; skipBroken skips it with one warning', async () => {
    const ds = await singleFolder({ dir: join(root, 'broken'), ...exact });
    await expect(ds.toArray()).rejects.toThrow(FormatError);
    await expect(ds.get(0)).rejects.toThrow(/bad_garbage\.jpg/);
    await expect(ds.get(1)).rejects.toThrow(/bad_truncated\.jpg/);
    await expect(ds.get(2)).rejects.toThrow(/bad_truncated\.png/);
    const warnings: string[] = [];
    const before = tf.memory().numTensors;
    const skipping = await singleFolder({
      dir: join(root, 'broken'),
      ...exact,
      skipBroken: true,
      onWarning: (m) => warnings.push(m),
    });
    for (let epoch = 0; epoch < 2; epoch++) {
      const sizes: number[] = [];
      for await (const b of skipping.batch(5)) sizes.push(b.image.shape[0]!);
      expect(sizes).toEqual([2]);
    }
    // One warning per broken file, in the order the concurrent loads finish.
    expect(warnings).toHaveLength(3);
    const named = (file: string) => warnings.filter((w) => w.includes(`${file}:`)).length;
    expect(['bad_garbage.jpg', 'bad_truncated.jpg', 'bad_truncated.png'].map(named)).toEqual([
      1, 1, 1,
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('decodes in worker threads with the same bytes, and reports their errors the same way', async () => {
    const options = {
      dir: join(root, 'aligned'),
      loadSize: 14,
      cropSize: 12,
      range: 'byte',
      seed: 9,
    } as const;
    const here = await alignedFolder({ ...options, workers: 0 });
    const threads = await alignedFolder({ ...options, workers: 2 });
    for (let i = 0; i < 3; i++) {
      const a = (await here.get(i, 1))!;
      const b = (await threads.get(i, 1))!;
      expect(await b.A.data()).toEqual(await a.A.data());
      expect(await b.B.data()).toEqual(await a.B.data());
      tf.dispose([a.A, a.B, b.A, b.B]);
    }
    expect(sharedPool(2)!.stats.worker).toBeGreaterThanOrEqual(3);
    const broken = await singleFolder({ dir: join(root, 'broken'), ...exact, workers: 2 });
    const error = await broken.get(2).catch((e) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/bad_truncated\.png/);
  });

  it('cache keeps decoded files: later epochs neither read nor decode, and give the same samples', async () => {
    const dir = folder(root, `cached-${tf.getBackend()}`);
    for (let i = 0; i < 3; i++) {
      await png(
        join(dir, `pair_${i}.png`),
        sideBySide(pattern(W, H, 3, i), pattern(W, H, 3, 5 + i), W, H),
        2 * W,
        H,
      );
    }
    const options = { dir, loadSize: 14, cropSize: 12, range: 'byte', seed: 4 } as const;
    const progress: Progress[] = [];
    const cached = await alignedFolder({
      ...options,
      cache: true,
      workers: 2,
      onProgress: (p) => progress.push(p),
    });
    const plain = await alignedFolder({ ...options, workers: 0 });
    for await (const _ of cached.batch(3)) {
      // the first epoch reads and caches
    }
    expect(progress.filter((p) => p.stage === 'cache').map((p) => [p.done, p.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    for (let i = 0; i < 3; i++) {
      const a = (await cached.get(i, 1))!;
      const b = (await plain.get(i, 1))!;
      expect(await a.A.data()).toEqual(await b.A.data());
      expect(await a.B.data()).toEqual(await b.B.data());
      tf.dispose([a.A, a.B, b.A, b.B]);
    }
    // Spoil the files: the cached source does not read them again, the plain one does.
    for (let i = 0; i < 3; i++)
      writeFileSync(join(dir, `pair_${i}.png`), new Uint8Array([1, 2, 3]));
    const again = (await cached.get(2, 5))!;
    expect(again.A.shape).toEqual([12, 12, 3]);
    tf.dispose([again.A, again.B]);
    await expect(plain.get(2, 5)).rejects.toThrow(FormatError);
  });

  it('mnist reads IDX files, gzipped or not; a truncated file is a FormatError naming it', async () => {
    const train = await mnist({ dir: join(root, 'mnist'), range: 'byte' });
    const test = await mnist({ dir: join(root, 'mnist'), split: 'test', range: 'unit' });
    expect(train.size).toBe(4);
    const s = (await train.get(2))!;
    expect(s.label).toBe(4);
    expect(s.image.shape).toEqual([28, 28, 1]);
    const px = await s.image.data();
    expect(px[0]).toBe((2 * 784 * 5) % 256);
    expect(px[100]).toBe(((2 * 784 + 100) * 5) % 256);
    const t = (await test.get(2))!;
    expect((await t.image.data())[100]).toBeCloseTo((((2 * 784 + 100) * 5) % 256) / 255, 6);
    tf.dispose([s.image, t.image]);
    await expect(mnist({ dir: join(root, 'mnist-bad') })).rejects.toThrow(
      /truncated IDX data.*|train-images-idx3-ubyte/,
    );
    await expect(mnist({ dir: join(root, 'mnist-bad') })).rejects.toThrow(
      /mnist-bad\/train-images-idx3-ubyte: truncated/,
    );
    await expect(mnist({ dir: join(root, 'mnist-bad'), split: 'test' })).rejects.toThrow(
      /t10k-images-idx3-ubyte\.gz: corrupt gzip/,
    );
    await expect(mnist({ dir: join(root, 'nowhere') })).rejects.toThrow(ArgumentError);
  });

  it('cifar10 reads plane-ordered records into HWC; a truncated batch fails or is skipped', async () => {
    const test = await cifar10({ dir: join(root, 'cifar'), split: 'test', range: 'byte' });
    expect(test.classes[7]).toBe('horse');
    const s = (await test.get(0))!;
    expect(s.label).toBe(7);
    const px = await s.image.data();
    // Pixel (row 1, column 2) is plane index 34: R = 34, G = 100, B = 200.
    expect([px[34 * 3], px[34 * 3 + 1], px[34 * 3 + 2]]).toEqual([34, 100, 200]);
    s.image.dispose();
    const train = await cifar10({ dir: join(root, 'cifar') });
    expect(train.size).toBe(10);
    const labels: number[] = [];
    for await (const b of train.batch(10)) labels.push(...(await b.label.data()));
    expect(labels).toEqual([1, 8, 2, 7, 3, 6, 4, 5, 5, 4]);
    await expect(cifar10({ dir: join(root, 'cifar-bad') })).rejects.toThrow(
      /data_batch_3\.bin: not a CIFAR-10 binary batch/,
    );
    const warnings: string[] = [];
    const skipped = await cifar10({
      dir: join(root, 'cifar-bad'),
      skipBroken: true,
      onWarning: (m) => warnings.push(m),
    });
    expect(skipped.size).toBe(4);
    expect(warnings[0]).toMatch(/data_batch_3\.bin/);
  });

  it('videoFrames: frames in natural order with the flow files that exist; flows resize with the frames', async () => {
    const ds = await videoFrames({
      dir: join(root, 'video', 'frames'),
      flowDir: join(root, 'video', 'flows'),
      range: 'byte',
    });
    const numbers: number[] = [];
    for await (const f of ds) {
      numbers.push(f.number);
      expect(f.flowBackward === undefined).toBe(f.number === 1);
      if (f.flowBackward) {
        const d = await f.flowBackward.data();
        expect(f.flowBackward.shape).toEqual([6, 8, 2]);
        expect(d[0]).toBeCloseTo(f.number, 5);
        expect(d[5]).toBeCloseTo(f.number + 0.05, 5);
      }
      expect(await bytesOf(f.frame)).toEqual(Array.from(pattern(8, 6, 3, f.number)));
    }
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const big = await videoFrames({
      dir: join(root, 'video', 'frames'),
      flowDir: join(root, 'video', 'flows'),
      resize: [16, 12],
    });
    const f = (await big.get(1))!;
    expect(f.frame.shape).toEqual([12, 16, 3]);
    const flow = await f.flowBackward!.data();
    // Bilinear upsampling stays within the source's values; vectors scale by 16/8 and 12/6.
    const u = flow.filter((_, i) => i % 2 === 0);
    const v = flow.filter((_, i) => i % 2 === 1);
    expect(Math.min(...u)).toBeGreaterThan(2 * 2 - 1e-4);
    expect(Math.max(...u)).toBeLessThan(2 * (2 + 0.94) + 1e-4);
    expect(Math.min(...v)).toBeGreaterThan(2 * 2.01 - 1e-4);
    expect(Math.max(...v)).toBeLessThan(2 * (2 + 0.95) + 1e-4);
    tf.dispose([f.frame, f.flowBackward!]);
    const flo = await readFlo(join(root, 'video', 'flows', 'backward_3_2.flo'));
    expect((await flo.data())[1]).toBeCloseTo(3.01, 5);
    flo.dispose();
    await expect(readFlo(join(root, 'video', 'badflows', 'backward_2_1.flo'))).rejects.toThrow(
      /backward_2_1\.flo: not a \.flo file/,
    );
    const bad = await videoFrames({
      dir: join(root, 'video', 'frames'),
      flowDir: join(root, 'video', 'badflows'),
    });
    await expect(bad.get(1)).rejects.toThrow(FormatError);
  });

  it('reports preparation progress, names missing folders, and leaks nothing over an epoch', async () => {
    const progress: Progress[] = [];
    const ds = await alignedFolder({
      dir: join(root, 'aligned'),
      loadSize: 12,
      cropSize: 8,
      workers: 0,
      onProgress: (p) => progress.push(p),
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ stage: 'scan', done: 3 });
    await expect(singleFolder({ dir: join(root, 'missing') })).rejects.toThrow(
      /missing: no such folder/,
    );
    await expect(singleFolder({ dir: join(root, 'cyc') })).rejects.toThrow(
      /no \.png, \.jpg, \.jpeg images/,
    );
    const before = tf.memory().numTensors;
    for await (const b of ds.shuffle(1).batch(2).prefetch(2))
      expect(b.A.shape[0]).toBeGreaterThan(0);
    for await (const b of ds.shuffle(1).batch(1).prefetch(3)) {
      expect(b.B.shape[0]).toBe(1);
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
