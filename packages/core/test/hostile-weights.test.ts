import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { AtelierError, readWeightsFile, tf } from '../src/index.js';
import {
  describeBackends,
  hostileWeightFiles,
  runFuzz,
  weightFuzzTargets,
} from '../src/testing/index.js';

const corpus = fileURLToPath(new URL('./fixtures/hostile-weights/', import.meta.url));

describeBackends('hostile weight files', () => {
  it('the committed corpus is what scripts/make-hostile-weights.mjs generates', () => {
    const generated = hostileWeightFiles();
    expect(readdirSync(corpus).sort()).toEqual(generated.map((f) => f.name).sort());
    for (const { name, bytes } of generated) {
      expect(new Uint8Array(readFileSync(`${corpus}${name}`)), name).toEqual(bytes);
    }
  });

  it('refuses every file of the corpus: typed, one line, naming the file, quickly', async () => {
    const before = tf.memory().numTensors;
    const rss = process.memoryUsage().rss;
    for (const { name, reason } of hostileWeightFiles()) {
      const path = `${corpus}${name}`;
      const start = performance.now();
      const error = await readWeightsFile(path).then(
        ({ tensors }) => {
          tf.dispose(Object.values(tensors));
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(AtelierError);
      const message = (error as Error).message;
      expect(message.startsWith(`${path}: `), message).toBe(true);
      expect(message, name).toMatch(new RegExp(reason));
      expect(message, name).not.toContain('\n');
      expect(message.length, name).toBeLessThan(600);
      expect(performance.now() - start, name).toBeLessThan(2000);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(process.memoryUsage().rss - rss).toBeLessThan(512 * 2 ** 20);
  });

  it('a short fuzz of each parser: every input reads or gets a typed one-line error naming the file', () => {
    const before = tf.memory().numTensors;
    for (const target of weightFuzzTargets()) {
      const report = runFuzz(target, { inputs: 400, seed: 7 });
      expect(report.crashes, target.name).toEqual([]);
      expect(report.typed, target.name).toBeGreaterThan(100);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
