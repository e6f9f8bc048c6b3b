import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, rng, tf, writeImage, writeSafetensors } from '@atelier/core';
import {
  intTuple,
  pickleOps as op,
  pickle,
  rebuildTensor,
  storageId,
  torchArchive,
} from '@atelier/core/testing';
import { createGenerator } from '@atelier/gan';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAtelier } from './run-atelier.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '../../core/test/fixtures/torch');
const atelier = runAtelier(60_000);
const dir = mkdtempSync(join(tmpdir(), 'atelier-weights-'));
const image = join(dir, 'a.png');

const config = {
  netG: 'resnet_2blocks',
  ngf: 4,
  norm: 'instance',
  inChannels: 3,
  outChannels: 3,
  size: 8,
};

/** A small generator's weights as `atelier train` exports them, with `change` applied. */
async function generatorFile(
  name: string,
  change: (dict: Record<string, tf.Tensor>, meta: Record<string, string>) => void = () => {},
): Promise<string> {
  const G = createGenerator(
    {
      ...config,
      netG: 'resnet_2blocks',
      norm: 'instance',
      dropout: false,
      initType: 'normal',
      initGain: 0.02,
    },
    rng(1),
  );
  const dict = G.stateDict({ to: 'torch' });
  const meta: Record<string, string> = {
    layout: 'torch',
    'atelier.config': JSON.stringify(config),
  };
  change(dict, meta);
  const path = join(dir, name);
  writeFileSync(path, await writeSafetensors(dict, meta));
  tf.dispose(Object.values(dict));
  G.dispose();
  return path;
}

/** Exit code 1 with one line on stderr that names `path` and matches `message`. */
function expectOneLine(run: { code: number; stderr: string }, path: string, message: RegExp) {
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toContain(path);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.code).toBe(1);
}

const translate = (weights: string) =>
  atelier('translate', '--weights', weights, '--backend', 'cpu', '--out', join(dir, 'out'), image);

describe('weights a user passes to translate and convert', () => {
  beforeAll(async () => {
    await writeImage(
      image,
      tf.tidy(() => tf.randomUniform([8, 8, 3], 0, 255) as tf.Tensor3D),
    );
  });

  it('translates with weights whose metadata and shapes fit', async () => {
    const ok = await translate(await generatorFile('good.safetensors'));
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/a_fake\.png/);
  });

  it('refuses atelier.config metadata that is not JSON, naming the file', async () => {
    const path = await generatorFile('not-json.safetensors', (_, meta) => {
      meta['atelier.config'] = '{"netG": resnet';
    });
    expectOneLine(
      await translate(path),
      path,
      /FormatError: .*the atelier\.config metadata is not JSON/,
    );
  });

  it('refuses a metadata size of 100000 before allocating anything', async () => {
    const path = await generatorFile('huge-size.safetensors', (_, meta) => {
      meta['atelier.config'] = JSON.stringify({ ...config, size: 100000 });
    });
    const start = performance.now();
    const run = await translate(path);
    expectOneLine(run, path, /has size 100000; expected 1 to 4096/);
    expect(performance.now() - start).toBeLessThan(30_000);
    const big = await atelier('translate', '--weights', path, '--size', '100000', image);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/--size: at most 4096/);
  });

  it('refuses metadata that names a network larger than the weights', async () => {
    const path = await generatorFile('huge-ngf.safetensors', (_, meta) => {
      meta['atelier.config'] = JSON.stringify({ ...config, ngf: 4096 });
    });
    expectOneLine(
      await translate(path),
      path,
      /StateDictError: .*does not fit a resnet_2blocks generator \(nothing was built\): model\.1\.weight says ngf 4, the generator asked for has 4096/,
    );
    const blocks = await generatorFile('many-blocks.safetensors', (_, meta) => {
      meta['atelier.config'] = JSON.stringify({ ...config, netG: 'resnet_1000000000blocks' });
    });
    expectOneLine(
      await translate(blocks),
      blocks,
      /says a block count of 2, the generator asked for has 1000000000/,
    );
  });

  it('refuses integer weights for a float convolution (no silent cast)', async () => {
    const path = await generatorFile('int-weights.safetensors', (dict) => {
      const w = dict['model.1.weight']!;
      dict['model.1.weight'] = tf.cast(w, 'int32');
      w.dispose();
    });
    expectOneLine(
      await translate(path),
      path,
      /StateDictError: .*of another dtype: model\.1\.weight \(expected float32, got int32\)/,
    );
  });

  it('says which weights hold NaN, instead of blaming the output image', async () => {
    const path = await generatorFile('nan.safetensors', (dict) => {
      const w = dict['model.4.weight']!;
      dict['model.4.weight'] = tf.fill(w.shape, Number.NaN);
      w.dispose();
    });
    expectOneLine(
      await translate(path),
      path,
      /weights hold NaN or infinite values: "model\.4\.weight" \(288 of 288\)/,
    );
  });

  it('names the file in every reader error, safetensors and .pth', async () => {
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{"a": 1}')]));
    expectOneLine(await translate(bad), bad, /FormatError: .*safetensors: tensor "a"/);
    const truncated = join(dir, 'truncated.pth');
    writeFileSync(truncated, readFileSync(join(fixtures, 'sequential.pth')).subarray(0, 300));
    const out = join(dir, 'x.safetensors');
    expectOneLine(
      await atelier('convert', truncated, out),
      truncated,
      /FormatError: .*torch checkpoint/,
    );
    expectOneLine(await translate(truncated), truncated, /FormatError: .*torch checkpoint/);
  });

  it('refuses a .pth of 200 stride-0 views of 4096x4096 in one line', async () => {
    const parts: number[] = [...op.proto, ...op.emptyDict];
    for (let i = 0; i < 200; i++) {
      parts.push(
        ...op.str(`w${i}`),
        ...rebuildTensor(storageId('0', 1), 0, intTuple([4096, 4096]), intTuple([0, 0])),
        ...op.setitem,
      );
    }
    const path = join(dir, 'views.pth');
    writeFileSync(path, torchArchive(pickle(parts, op.stop), [['0', new Uint8Array(4)]]));
    expectOneLine(
      await atelier('convert', path, join(dir, 'views.safetensors')),
      path,
      /would take 13421772800 bytes once materialised, more than the limit of 2147483648/,
    );
  });

  it('converts a state dict with a key __proto__', async () => {
    const storage = new Uint8Array(new Float32Array([1, 2]).buffer);
    const entry = (key: string, offset: number) => [
      ...op.str(key),
      ...rebuildTensor(storageId('0', 2), offset, intTuple([1]), intTuple([1])),
      ...op.setitem,
    ];
    const pkl = pickle(op.proto, op.emptyDict, entry('__proto__', 0), entry('w', 1), op.stop);
    const path = join(dir, 'proto.pth');
    writeFileSync(path, torchArchive(pkl, [['0', storage]]));
    const out = join(dir, 'proto.safetensors');
    const run = await atelier('convert', path, out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { tensors } = readSafetensors(new Uint8Array(readFileSync(out)));
    expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'w']);
    const proto = Object.getOwnPropertyDescriptor(tensors, '__proto__')?.value as tf.Tensor;
    expect(Array.from(proto.dataSync())).toEqual([1]);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  it('answers every file of the hostile corpus with one line naming it', async () => {
    const corpus = join(here, '../../core/test/fixtures/hostile-weights');
    for (const name of readdirSync(corpus)) {
      const path = join(corpus, name);
      const run = name.endsWith('.pth')
        ? await atelier('convert', path, join(dir, 'corpus.safetensors'))
        : await translate(path);
      expectOneLine(run, path, /Error: /);
    }
  });
});
