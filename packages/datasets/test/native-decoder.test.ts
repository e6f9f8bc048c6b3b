import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, encodeJpeg, FormatError, tf } from '@atelier/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignedFolder, singleFolder } from '../src/index.js';
import { decodeToBytes, runImageTask } from '../src/pipeline/image-task.js';
import { resolvePreprocess } from '../src/pipeline/preprocess.js';
import { closeWorkers } from '../src/pipeline/worker-pool.js';

// decoder: 'native' reads JPEGs with libjpeg-turbo (through the optional sharp package)
// and must give what core's JavaScript decoder gives, up to IDCT rounding.

const W = 40;
const H = 24;
let root: string;

/** A smooth colour image (JPEG keeps it within a few levels). */
function gradient(w: number, h: number): Float32Array {
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      out[i] = (255 * x) / (w - 1);
      out[i + 1] = (255 * y) / (h - 1);
      out[i + 2] = 128 + 60 * Math.sin((x + y) / 7);
    }
  }
  return out;
}

async function writeJpeg(path: string, w: number, h: number): Promise<void> {
  const t = tf.tensor3d(gradient(w, h), [h, w, 3]);
  writeFileSync(path, await encodeJpeg(t, { quality: 95 }));
  t.dispose();
}

const exact = { preprocess: 'none', flip: false, range: 'byte', workers: 0 } as const;

async function images(dir: string, options: object): Promise<tf.Tensor3D[]> {
  const out: tf.Tensor3D[] = [];
  // The loop disposes each sample when it moves on: keep copies.
  for await (const s of await singleFolder({ dir, ...exact, ...options }))
    out.push(tf.clone(s.image));
  return out;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-native-'));
  for (const name of ['colour', 'grey', 'pairs', 'broken']) mkdirSync(join(root, name));
  await writeJpeg(join(root, 'colour', 'a.jpg'), W, H);
  // A one-component (greyscale) JPEG, as scanners and MNIST-like sets write them.
  const grey = new Uint8Array(W * H).map((_, i) => (i * 7) % 256);
  writeFileSync(
    join(root, 'grey', 'g.jpg'),
    await sharp(grey, { raw: { width: W, height: H, channels: 1 } })
      .jpeg({ quality: 95 })
      .toBuffer(),
  );
  for (let i = 0; i < 3; i++) await writeJpeg(join(root, 'pairs', `p${i}.jpg`), 2 * W, H);
  const good = new Uint8Array(await sharp(join(root, 'colour', 'a.jpg')).toBuffer());
  writeFileSync(join(root, 'broken', 'good.jpg'), good);
  writeFileSync(join(root, 'broken', 'truncated.jpg'), good.subarray(0, good.length >> 1));
  writeFileSync(join(root, 'broken', 'garbage.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2]));
});

afterAll(async () => {
  await closeWorkers();
  rmSync(root, { recursive: true, force: true });
});

describe("decoder: 'native'", () => {
  it('decodes colour JPEGs as core does, within IDCT rounding', async () => {
    const [js] = await images(join(root, 'colour'), { decoder: 'js' });
    const [native] = await images(join(root, 'colour'), { decoder: 'native' });
    expect(native!.shape).toEqual([H, W, 3]);
    const diff = tf.abs(tf.sub(native!, js!));
    expect(tf.max(diff).dataSync()[0]).toBeLessThanOrEqual(4);
    expect(tf.mean(diff).dataSync()[0]).toBeLessThan(1);
    tf.dispose([js!, native!, diff]);
  });

  it('gives grey files three equal channels, and colour files one luma channel on request', async () => {
    const [grey] = await images(join(root, 'grey'), { decoder: 'native', channels: 3 });
    const [r, g, b] = tf.split(grey!, 3, 2);
    expect(Array.from(r!.dataSync())).toEqual(Array.from(g!.dataSync()));
    expect(Array.from(r!.dataSync())).toEqual(Array.from(b!.dataSync()));
    const [js] = await images(join(root, 'colour'), { decoder: 'js', channels: 1 });
    const [native] = await images(join(root, 'colour'), { decoder: 'native', channels: 1 });
    expect(native!.shape).toEqual([H, W, 1]);
    expect(tf.max(tf.abs(tf.sub(native!, js!))).dataSync()[0]).toBeLessThanOrEqual(4);
    tf.dispose([grey!, r!, g!, b!, js!, native!]);
  });

  it("gives junyanz's AlignedDataset bytes exactly: PIL's decode (libjpeg-turbo) and resampling", async () => {
    // A pair PIL wrote, and what PIL made of it (tools/parity/datasets_reference.py).
    const path = fileURLToPath(new URL('./fixtures/aligned.jpg', import.meta.url));
    const want = JSON.parse(
      readFileSync(new URL('./fixtures/aligned.json', import.meta.url), 'utf8'),
    ) as {
      loadSize: number;
      cropSize: number;
      decoded: number[];
      cases: { x: number; y: number; flip: boolean; A: number[]; B: number[] }[];
    };
    const decoded = await decodeToBytes(path, 3, 'native');
    expect(Array.from(decoded.bytes)).toEqual(want.decoded);
    const preprocess = resolvePreprocess({ loadSize: want.loadSize, cropSize: want.cropSize });
    const range = want.loadSize - want.cropSize + 1;
    for (const { x, y, flip, A, B } of want.cases) {
      // Uniforms that draw this crop corner and flip (randint as floor(u * range)).
      const draws = [[(x + 0.5) / range, (y + 0.5) / range, flip ? 0.75 : 0.25]];
      const { parts } = await runImageTask({
        path,
        channels: 3,
        split: 'halves',
        preprocess,
        draws,
        output: 'image',
        range: 'byte',
        decoder: 'native',
      });
      expect(Array.from(parts[0]!.data)).toEqual(A);
      expect(Array.from(parts[1]!.data)).toEqual(B);
    }
  });

  it("'auto', the default, decodes with libjpeg-turbo where sharp loads", async () => {
    const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const { decoded } = JSON.parse(
      readFileSync(new URL('./fixtures/aligned.json', import.meta.url), 'utf8'),
    ) as { decoded: number[] };
    const [byDefault] = await images(dir, {});
    const [js] = await images(dir, { decoder: 'js' });
    expect(Array.from(byDefault!.dataSync())).toEqual(decoded);
    // Core's decoder is another IDCT: not the same bytes.
    expect(Array.from(js!.dataSync())).not.toEqual(decoded);
    tf.dispose([byDefault!, js!]);
  });

  it('decodes the same in worker threads as in this thread (aligned pairs)', async () => {
    const options = { dir: join(root, 'pairs'), decoder: 'native', seed: 3 } as const;
    const here = await alignedFolder({ ...options, workers: 0 });
    const there = await alignedFolder({ ...options, workers: 2 });
    for (let i = 0; i < 3; i++) {
      const a = (await here.get(i))!;
      const b = (await there.get(i))!;
      expect(Array.from(a.A.dataSync())).toEqual(Array.from(b.A.dataSync()));
      expect(Array.from(a.B.dataSync())).toEqual(Array.from(b.B.dataSync()));
      tf.dispose([a.A, a.B, b.A, b.B]);
    }
  });

  it('names corrupt and truncated files in FormatErrors; skipBroken skips them', async () => {
    const dir = join(root, 'broken');
    const strict = await singleFolder({ dir, ...exact, decoder: 'native' });
    const names = ['garbage.jpg', 'good.jpg', 'truncated.jpg'];
    for (let i = 0; i < 3; i++) {
      const read = strict.get(i);
      if (names[i] === 'good.jpg') {
        (await read)!.image.dispose();
      } else {
        await expect(read).rejects.toThrow(FormatError);
        await expect(strict.get(i)).rejects.toThrow(names[i]!);
      }
    }
    const warnings: string[] = [];
    const lenient = await singleFolder({
      dir,
      ...exact,
      decoder: 'native',
      skipBroken: true,
      onWarning: (m) => warnings.push(m),
    });
    let kept = 0;
    for await (const s of lenient) {
      kept++;
      s.image.dispose();
    }
    expect(kept).toBe(1);
    expect(warnings).toHaveLength(2);
  });

  it('refuses an unknown decoder', async () => {
    await expect(
      singleFolder({ dir: join(root, 'colour'), decoder: 'gpu' as never }),
    ).rejects.toThrow(ArgumentError);
    await expect(
      singleFolder({ dir: join(root, 'colour'), decoder: 'gpu' as never }),
    ).rejects.toThrow(/decoder must be 'auto', 'js' or 'native', got .*gpu/);
  });
});
