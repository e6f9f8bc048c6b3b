import { Conv2d, TransformerNet } from '@atelier/blocks';
import { ArgumentError, init, tf } from '@atelier/core';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOnnxSession, exportOnnx, OnnxExportError } from '../src/index.js';
import { ProtoWriter } from '../src/protobuf.js';
import { Fn, relativeError } from './helpers.js';

describe('the protobuf writer', () => {
  it("writes the wire format's own examples", () => {
    // protobuf.dev/programming-guides/encoding: field 1 = 150 is 08 96 01; field 2 =
    // "testing" is 12 07 74 65 73 74 69 6e 67.
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().string(2, 'testing').finish()]).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    // A negative int64 is ten bytes of two's complement; packed [3, 270, 86942] is
    // 22 06 03 8e 02 9e a7 05.
    expect([...new ProtoWriter().int(1, -1).finish()]).toEqual([
      0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
    expect([...new ProtoWriter().packedInts(4, [3, 270, 86942]).finish()]).toEqual([
      0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05,
    ]);
    expect([...new ProtoWriter().float(1, 1.5).finish()]).toEqual([0x0d, 0, 0, 0xc0, 0x3f]);
  });
});

describe('exportOnnx and createOnnxSession', () => {
  beforeAll(async () => {
    await init({ backend: 'cpu' });
  });

  it('writes a file onnxruntime loads by itself, NHWC in and out', async () => {
    const net = new TransformerNet();
    const x = tf.randomUniform([1, 12, 16, 3], 0, 255, 'float32', 1);
    const before = tf.memory().numTensors;
    const bytes = await exportOnnx(net, { input: [1, 12, 16, 3] });
    expect(tf.memory().numTensors).toBe(before);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    const result = await session.run({
      input: new ort.Tensor('float32', x.dataSync(), [1, 12, 16, 3]),
    });
    const y = tf.tensor(result.output!.data as Float32Array, [...result.output!.dims]);
    const expected = net.eval().call(x);
    expect(await relativeError(y, expected)).toBeLessThan(1e-5);
    tf.dispose([x, y, expected]);
    await session.release();
    net.dispose();
  });

  it('a session compiles each input shape once and runs any size', async () => {
    const net = new TransformerNet();
    const session = await createOnnxSession(net);
    for (const [h, w] of [
      [8, 12],
      [20, 8],
      [8, 12],
    ] as const) {
      const x = tf.randomUniform([1, h, w, 3], 0, 255, 'float32', h);
      const y = (await session.run(x)) as tf.Tensor;
      const expected = net.eval().call(x);
      expect(await relativeError(y, expected)).toBeLessThan(1e-5);
      tf.dispose([x, y, expected]);
    }
    await session.dispose();
    await expect(session.run(tf.zeros([1, 8, 8, 3]))).rejects.toThrow(/disposed/);
    net.dispose();
  });

  it('refresh() picks up changed weights; until then the copied ones run', async () => {
    const conv = new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 1, seed: 1 });
    const session = await createOnnxSession(conv);
    const x = tf.ones([1, 2, 2, 2]);
    const first = (await session.run(x)) as tf.Tensor;
    tf.tidy(() => conv.weight.assign(tf.mul(conv.weight, 2)));
    const stale = (await session.run(x)) as tf.Tensor;
    await session.refresh();
    const fresh = (await session.run(x)) as tf.Tensor;
    const expected = conv.call(x);
    expect(await relativeError(stale, first)).toBe(0);
    expect(await relativeError(fresh, expected)).toBeLessThan(1e-6);
    expect(await relativeError(fresh, first)).toBeGreaterThan(1e-3);
    tf.dispose([x, first, stale, fresh, expected]);
    await session.dispose();
    conv.dispose();
  });

  it('names kernels with no ONNX form, and leaks nothing when it refuses', async () => {
    const scale = tf.scalar(2);
    const before = tf.memory().numTensors;
    const cumsum = new Fn((t) => tf.cumsum(tf.mul(t, scale), 1));
    const error = await exportOnnx(cumsum, { input: [1, 3, 3, 1] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxExportError);
    expect((error as OnnxExportError).unsupported).toEqual(['Cumsum']);
    expect(String(error)).toMatch(/Fn runs kernels with no ONNX form here: Cumsum/);
    const symmetric = new Fn((t) =>
      tf.mirrorPad(
        t,
        [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ],
        'symmetric',
      ),
    );
    await expect(exportOnnx(symmetric, { input: [1, 3, 3, 1] })).rejects.toThrow(
      /no ONNX form for MirrorPad: MirrorPad in mode symmetric/,
    );
    expect(tf.memory().numTensors).toBe(before);
    scale.dispose();
  });

  it('validates its arguments with typed errors', async () => {
    const net = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 1 });
    await expect(exportOnnx({} as never, { input: [1, 2, 2, 1] })).rejects.toThrow(
      /expected a Module, got Object/,
    );
    await expect(exportOnnx(net, { input: [1, 0, 2] })).rejects.toBeInstanceOf(ArgumentError);
    await expect(exportOnnx(net, undefined as never)).rejects.toThrow(
      /expected options with an input/,
    );
    const ints = tf.zeros([1, 2, 2, 1], 'int32');
    await expect(exportOnnx(net, { input: ints })).rejects.toThrow(
      /float32 input, got a tensor of dtype int32/,
    );
    await expect(createOnnxSession(net, { threads: 0 })).rejects.toThrow(
      /threads must be a positive integer, got 0/,
    );
    const session = await createOnnxSession(net);
    await expect(session.run(ints)).rejects.toThrow(/expected a float32 tensor/);
    await session.dispose();
    ints.dispose();
    net.dispose();
  });
});
