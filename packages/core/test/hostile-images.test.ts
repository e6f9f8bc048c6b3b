import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, init, readImage, tf } from '../src/index.js';
import { hostileImages } from './helpers/hostile-images.js';

let dir: string;

beforeAll(async () => {
  await init({ backend: 'cpu' });
  dir = mkdtempSync(join(tmpdir(), 'atelier-hostile-images-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile image files', () => {
  const corpus = hostileImages();

  it('holds the cases the probe found, and more', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.map((f) => f.name)).size).toBe(corpus.length);
  });

  for (const file of corpus) {
    it(`${file.name}: a one-line FormatError naming the file, quickly and in little memory`, async () => {
      const path = join(dir, file.name);
      writeFileSync(path, file.bytes);
      const before = process.memoryUsage().arrayBuffers;
      const start = performance.now();
      const error = await readImage(path).then(
        (image) => {
          image.dispose();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
      const ms = performance.now() - start;
      expect(error).toBeInstanceOf(FormatError);
      expect(error!.message.startsWith(`${path}: decodeImage: `)).toBe(true);
      expect(error!.message).not.toContain('\n');
      expect(error!.message).toMatch(file.error);
      expect(ms).toBeLessThan(1000);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
      expect(tf.memory().numTensors).toBe(0);
    });
  }
});
