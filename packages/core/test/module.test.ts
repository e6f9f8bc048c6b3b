import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import {
  ArgumentError,
  buffer,
  isParameter,
  Module,
  parameter,
  parameterKind,
  readSafetensors,
  Sequential,
  ShapeError,
  StateDictError,
  tf,
} from '../src/index.js';
import { describeBackends } from '../src/testing/index.js';

// Layers as the blocks package would write them, NHWC, tfjs layouts.
class Conv extends Module {
  weight: tf.Variable;
  bias: tf.Variable;
  constructor(inC: number, outC: number, k: number) {
    super();
    this.weight = parameter(() => tf.randomNormal([k, k, inC, outC], 0, 0.1), 'conv');
    this.bias = parameter(tf.zeros([outC]));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.weight as tf.Tensor4D, 1, 'same').add(this.bias);
  }
}

class ConvTranspose extends Module {
  weight: tf.Variable;
  bias: tf.Variable;
  constructor(inC: number, outC: number, k: number) {
    super();
    this.weight = parameter(() => tf.randomNormal([k, k, outC, inC], 0, 0.1), 'convTranspose');
    this.bias = parameter(tf.zeros([outC]));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w] = x.shape;
    const outC = this.weight.shape[2]!;
    return tf
      .conv2dTranspose(x, this.weight as tf.Tensor4D, [n, 2 * h, 2 * w, outC], 2, 'same')
      .add(this.bias);
  }
}

class Depthwise extends Module {
  weight: tf.Variable;
  bias: tf.Variable;
  constructor(c: number, multiplier: number) {
    super();
    this.weight = parameter(() => tf.randomNormal([3, 3, c, multiplier], 0, 0.1), 'depthwise');
    this.bias = parameter(tf.zeros([c * multiplier]));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.depthwiseConv2d(x, this.weight as tf.Tensor4D, 1, 'same').add(this.bias);
  }
}

class Linear extends Module {
  weight: tf.Variable;
  bias: tf.Variable;
  constructor(inF: number, outF: number) {
    super();
    this.weight = parameter(() => tf.randomNormal([inF, outF], 0, 0.1), 'linear');
    this.bias = parameter(tf.zeros([outF]));
  }
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(x, this.weight as tf.Tensor2D).add(this.bias);
  }
}

/** Batch norm in eval mode only (what the fixture needs): running statistics as buffers. */
class BatchNorm extends Module {
  weight: tf.Variable;
  bias: tf.Variable;
  running_mean: tf.Variable;
  running_var: tf.Variable;
  num_batches_tracked: tf.Variable;
  constructor(c: number) {
    super();
    this.weight = parameter(tf.ones([c]));
    this.bias = parameter(tf.zeros([c]));
    this.running_mean = buffer(tf.zeros([c]));
    this.running_var = buffer(tf.ones([c]));
    this.num_batches_tracked = buffer(tf.scalar(0, 'int32'));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const scale = this.weight.div(this.running_var.add(1e-5).sqrt());
    return x.sub(this.running_mean).mul(scale).add(this.bias);
  }
}

class Block extends Module {
  conv = new Conv(3, 4, 3);
  norm = new BatchNorm(4);
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.relu(this.norm.forward(this.conv.forward(x)));
  }
}

/** The network of tools/parity/module_state_dict.py, field for field. */
class Net extends Module {
  down1 = new Block();
  model = new Sequential([
    (x) => tf.leakyRelu(x, 0.2),
    new ConvTranspose(4, 2, 4),
    (x) => tf.relu(x),
  ]);
  dw = new Depthwise(2, 2);
  head = new Linear(4, 3);
  forward(x: tf.Tensor4D): tf.Tensor2D {
    const features = this.dw.forward(this.model.forward(this.down1.forward(x)) as tf.Tensor4D);
    return this.head.forward(features.mean([1, 2]) as tf.Tensor2D);
  }
}

const FIXTURE = fileURLToPath(new URL('./fixtures/module-state-dict.safetensors', import.meta.url));

function fixture() {
  const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(FIXTURE)));
  const { input, output, ...state } = tensors;
  return { state, input: input!, output: output!, keys: metadata.keys!.split(',') };
}

/** Reads asynchronously: WebGPU in Node cannot read synchronously (no OffscreenCanvas). */
async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describeBackends('Module', () => {
  it('names parameters, buffers and sub-modules from its fields, in PyTorch order', async () => {
    const net = new Net();
    const { state, keys } = fixture();
    // The order of PyTorch's own state_dict: a module's parameters, its buffers, then
    // its sub-modules, in field order; Sequential items by index.
    expect(Object.keys(net.stateDict())).toEqual(keys);
    tf.dispose(Object.values(state));
    expect(net.namedParameters().map(([k]) => k)).toEqual(
      keys.filter((k) => !/running_|num_batches/.test(k)),
    );
    expect(net.namedBuffers().map(([k]) => k)).toEqual([
      'down1.norm.running_mean',
      'down1.norm.running_var',
      'down1.norm.num_batches_tracked',
    ]);
    expect(net.namedModules().map(([k]) => k)).toEqual([
      '',
      'down1',
      'down1.conv',
      'down1.norm',
      'model',
      'model.1',
      'dw',
      'head',
    ]);
    expect(net.namedChildren().map(([k]) => k)).toEqual(['down1', 'model', 'dw', 'head']);
    expect(net.children()).toEqual([net.down1, net.model, net.dw, net.head]);
    // 4*3*3*3 + 4 + 4 + 4 + 4*2*4*4 + 2 + 3*3*2*2 + 4 + 4*3 + 3, buffers excluded.
    expect(net.numParameters()).toBe(108 + 12 + 128 + 2 + 36 + 4 + 12 + 3);
    const sd = net.stateDict();
    tf.dispose(Object.values(sd));
    net.dispose();
  });

  it('names arrays, records and Maps of modules by index and key', async () => {
    class Holder extends Module {
      scale = parameter(tf.ones([1]));
      blocks = [new Linear(2, 2), undefined, new Linear(2, 2)];
      heads = { left: new Linear(2, 1), right: [new Linear(1, 1)] };
      table = new Map([['a', new Linear(1, 2)]]);
      notState = { count: 3, label: 'x', fn: () => 1 };
      #hidden = new Linear(5, 5);
      forward(x: tf.Tensor2D) {
        return this.#hidden.forward(x);
      }
      disposeHidden() {
        this.#hidden.dispose();
      }
    }
    const h = new Holder();
    expect(Object.keys(h.stateDict()).length).toBe(11);
    expect(h.namedParameters().map(([k]) => k)).toEqual([
      'scale',
      'blocks.0.weight',
      'blocks.0.bias',
      'blocks.2.weight',
      'blocks.2.bias',
      'heads.left.weight',
      'heads.left.bias',
      'heads.right.0.weight',
      'heads.right.0.bias',
      'table.a.weight',
      'table.a.bias',
    ]);
    h.disposeHidden();
    h.dispose();
  });

  it('counts a shared module once in parameters, under each name in the state dict', async () => {
    class Shared extends Module {
      a = new Linear(2, 2);
      b = this.a;
      forward(x: tf.Tensor2D) {
        return this.b.forward(this.a.forward(x));
      }
    }
    const s = new Shared();
    expect(s.parameters().length).toBe(2);
    expect(s.numParameters()).toBe(6);
    const sd = s.stateDict();
    expect(Object.keys(sd)).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
    tf.dispose(Object.values(sd));
    s.dispose();
  });

  it('gives every variable a unique tfjs name, across instances', async () => {
    const one = new Net();
    const two = new Net();
    const names = [
      ...one.parameters(),
      ...one.buffers(),
      ...two.parameters(),
      ...two.buffers(),
    ].map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of one.parameters()) expect(tf.engine().registeredVariables[v.name]).toBe(v);
    one.dispose();
    two.dispose();
  });

  it('marks parameters trainable with a kind, buffers not trainable', async () => {
    const net = new Net();
    expect(parameterKind(net.down1.conv.weight)).toBe('conv');
    expect(parameterKind(net.dw.weight)).toBe('depthwise');
    expect(parameterKind(net.head.weight)).toBe('linear');
    expect(parameterKind(net.head.bias)).toBe('plain');
    expect(net.parameters().every((p) => p.trainable && isParameter(p))).toBe(true);
    expect(net.buffers().every((b) => !b.trainable && !isParameter(b))).toBe(true);
    net.down1.requiresGrad(false);
    expect(net.trainableParameters().length).toBe(net.parameters().length - 4);
    expect(net.parameters().length).toBe(10);
    net.dispose();
  });

  it('propagates train() and eval() through fields, arrays and Sequentials', async () => {
    class Outer extends Module {
      net = new Net();
      list = [new Linear(1, 1)];
      forward() {
        return null;
      }
    }
    const o = new Outer();
    expect(o.modules().every((m) => m.training)).toBe(true);
    expect(o.eval()).toBe(o);
    expect(o.modules().length).toBe(10);
    expect(o.modules().every((m) => !m.training)).toBe(true);
    expect(o.net.model.at(1)).toBeInstanceOf(ConvTranspose);
    expect((o.net.model.at(1) as Module).training).toBe(false);
    o.net.train();
    expect(o.training).toBe(false);
    expect(o.net.modules().every((m) => m.training)).toBe(true);
    expect(o.list[0]!.training).toBe(false);
    o.train(true);
    expect(o.modules().every((m) => m.training)).toBe(true);
    expect(() => o.train('yes' as never)).toThrow(ArgumentError);
    o.dispose();
  });

  it('loads a PyTorch state dict (from: torch) and reproduces its output', async () => {
    const net = new Net().eval();
    const { state, input, output } = fixture();
    const before = tf.memory().numTensors;
    const result = net.loadStateDict(state, { from: 'torch' });
    expect(result).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(tf.memory().numTensors).toBe(before);
    // The caller's tensors are untouched.
    expect(Object.values(state).every((t) => !t.isDisposed)).toBe(true);
    expect(net.down1.norm.num_batches_tracked.dtype).toBe('int32');
    expect(await values(net.down1.norm.num_batches_tracked)).toEqual([3]);

    const y = net.call(tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D);
    const got = await values(y);
    const want = await values(output);
    expect(y.shape).toEqual([2, 3]);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);

    // Back to PyTorch: the same tensors, bit for bit (layout changes are transposes).
    const exported = net.stateDict({ to: 'torch' });
    for (const [key, t] of Object.entries(state)) {
      expect(exported[key]!.shape, key).toEqual(t.shape);
      expect(await values(exported[key]!), key).toEqual(await values(t));
    }
    tf.dispose([y, input, output, ...Object.values(exported), ...Object.values(state)]);
    net.dispose();
  });

  it('converts each kind by its layout: index arithmetic against the loaded values', async () => {
    class Kinds extends Module {
      conv = parameter(tf.zeros([2, 3, 4, 5]), 'conv'); // [kh, kw, I, O]
      convT = parameter(tf.zeros([2, 3, 4, 5]), 'convTranspose'); // [kh, kw, O, I]
      lin = parameter(tf.zeros([4, 6]), 'linear'); // [in, out]
      dw = parameter(tf.zeros([2, 3, 4, 2]), 'depthwise'); // [kh, kw, C, m]
      forward() {
        return null;
      }
    }
    const k = new Kinds();
    const f = (...i: number[]) => i.reduce((a, b) => a * 10 + b, 0);
    // PyTorch layouts filled with f(indices) so every element says where it came from.
    const fill = (shape: number[]) =>
      tf.tensor(
        Array.from({ length: shape.reduce((a, b) => a * b) }, (_, flat) => {
          const idx: number[] = [];
          for (let d = shape.length - 1; d >= 0; d--) {
            idx.unshift(flat % shape[d]!);
            flat = Math.floor(flat / shape[d]!);
          }
          return f(...idx);
        }),
        shape,
      );
    const dict = {
      conv: fill([5, 4, 2, 3]), // (O, I, kh, kw)
      convT: fill([5, 4, 2, 3]), // (I, O, kh, kw)
      lin: fill([6, 4]), // (out, in)
      dw: fill([8, 1, 2, 3]), // (C*m, 1, kh, kw)
    };
    k.loadStateDict(dict, { from: 'torch' });
    const conv = (await k.conv.array()) as number[][][][];
    const convT = (await k.convT.array()) as number[][][][];
    const lin = (await k.lin.array()) as number[][];
    const dw = (await k.dw.array()) as number[][][][];
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 3; w++)
        for (let a = 0; a < 4; a++)
          for (let b = 0; b < 5; b++) {
            expect(conv[h]![w]![a]![b]).toBe(f(b, a, h, w)); // HWIO[h][w][i][o] = OIHW[o][i][h][w]
            expect(convT[h]![w]![a]![b]).toBe(f(b, a, h, w)); // [kh,kw,O,I] = (I,O,kh,kw)
          }
    for (let i = 0; i < 4; i++) for (let o = 0; o < 6; o++) expect(lin[i]![o]).toBe(f(o, i));
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 3; w++)
        for (let c = 0; c < 4; c++)
          for (let m = 0; m < 2; m++) expect(dw[h]![w]![c]![m]).toBe(f(c * 2 + m, 0, h, w));
    tf.dispose(Object.values(dict));
    k.dispose();
  });

  it('strict loading reports every problem at once and loads nothing', async () => {
    const net = new Net();
    const sd = net.stateDict();
    const before = net.stateDict();
    const dict: Record<string, tf.Tensor> = { ...sd };
    delete dict['down1.conv.bias'];
    delete dict['head.weight'];
    dict['down1.extra'] = tf.zeros([1]);
    dict['down1.norm.weight'] = tf.ones([5]); // 4 expected
    dict['model.1.bias'] = tf.fill([2], 7); // fits, but must not be loaded
    let error: unknown;
    try {
      net.loadStateDict(dict);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const e = error as StateDictError;
    expect(e.missing).toEqual(['down1.conv.bias', 'head.weight']);
    expect(e.unexpected).toEqual(['down1.extra']);
    expect(e.mismatched).toEqual([{ key: 'down1.norm.weight', expected: [4], got: [5] }]);
    expect(e.message).toMatch(
      /down1\.conv\.bias.*head\.weight.*down1\.extra.*down1\.norm\.weight/s,
    );
    // Nothing was loaded.
    const after = net.stateDict();
    for (const key of Object.keys(before))
      expect(await values(after[key]!), key).toEqual(await values(before[key]!));
    tf.dispose(Object.values(after));

    // In PyTorch's layout, a mismatch is reported in PyTorch's layout.
    const torch = net.stateDict({ to: 'torch' });
    torch['down1.conv.weight'] = tf.zeros([4, 3, 5, 5]);
    torch['head.weight'] = tf.zeros([3, 4, 1]); // wrong rank: cannot be converted
    expect(() => net.loadStateDict(torch, { from: 'torch' })).toThrow(StateDictError);
    try {
      net.loadStateDict(torch, { from: 'torch' });
    } catch (e2) {
      expect((e2 as StateDictError).mismatched).toEqual([
        { key: 'down1.conv.weight', expected: [4, 3, 3, 3], got: [4, 3, 5, 5] },
        { key: 'head.weight', expected: [3, 4], got: [3, 4, 1] },
      ]);
    }
    tf.dispose([...Object.values(dict), ...Object.values(sd), ...Object.values(before)]);
    tf.dispose(Object.values(torch));
    net.dispose();
  });

  it('non-strict loading loads what fits and reports the rest', async () => {
    const net = new Net();
    const dict = {
      'head.bias': tf.tensor([1, 2, 3]),
      'head.weight': tf.zeros([9, 9]),
      'dw.bias': tf.tensor([4, 5, 6, 7]),
      'down1.norm.num_batches_tracked': tf.scalar(12), // float32 in, int32 kept
      unknown: tf.zeros([1]),
    };
    const weightBefore = await values(net.head.weight);
    const result = net.loadStateDict(dict, { strict: false });
    expect(result.unexpected).toEqual(['unknown']);
    expect(result.mismatched).toEqual([{ key: 'head.weight', expected: [4, 3], got: [9, 9] }]);
    expect(result.missing.length).toBe(13 - 4);
    expect(await values(net.head.bias)).toEqual([1, 2, 3]);
    expect(await values(net.dw.bias)).toEqual([4, 5, 6, 7]);
    expect(await values(net.head.weight)).toEqual(weightBefore);
    expect(net.down1.norm.num_batches_tracked.dtype).toBe('int32');
    expect(await values(net.down1.norm.num_batches_tracked)).toEqual([12]);
    // checkStateDict reports the same and changes nothing.
    const other = new Net();
    const b = await values(other.head.bias);
    expect(other.checkStateDict(dict)).toEqual(result);
    expect(await values(other.head.bias)).toEqual(b);
    tf.dispose(Object.values(dict));
    net.dispose();
    other.dispose();
  });

  it('drops the legacy keys a module declares ignorable', async () => {
    class InstanceNorm extends Module {
      override ignoredStateKeys() {
        return [/^running_(mean|var)$/, /^num_batches_tracked$/g];
      }
      forward(x: tf.Tensor) {
        return x;
      }
    }
    class Style extends Module {
      conv = new Conv(1, 1, 1);
      in1 = new InstanceNorm();
      forward(x: tf.Tensor) {
        return x;
      }
    }
    const s = new Style();
    const sd = s.stateDict();
    const dict = {
      ...sd,
      'in1.running_mean': tf.zeros([1]),
      'in1.running_var': tf.zeros([1]),
      'in1.num_batches_tracked': tf.scalar(0),
      'conv.running_mean': tf.zeros([1]), // not ignorable there
    };
    expect(s.checkStateDict(dict).unexpected).toEqual(['conv.running_mean']);
    delete (dict as Record<string, tf.Tensor>)['conv.running_mean'];
    // Twice: a /g pattern must not remember its last match.
    expect(s.loadStateDict(dict)).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(s.loadStateDict(dict)).toEqual({ missing: [], unexpected: [], mismatched: [] });
    tf.dispose(Object.values(dict));
    tf.dispose(Object.values(sd));
    s.dispose();
  });

  it('trains with tf.variableGrads and tf.train.adam: gradients and step in closed form', async () => {
    const lin = new Linear(2, 1);
    lin.loadStateDict({ weight: tf.tensor2d([[0.5], [-1]]), bias: tf.tensor1d([0.25]) });
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
    ]);
    const y = tf.tensor2d([[1], [0]]);
    const loss = () => lin.forward(x).sub(y).square().sum() as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss, lin.parameters());
    // r = xw + b - y = [0.5 - 2 + 0.25 - 1, 1.5 + 1 + 0.25 - 0] = [-2.25, 2.75]
    // dL/dw = 2 x^T r = 2 [1*-2.25 + 3*2.75, 2*-2.25 - 1*2.75] = [12, -14.5]; dL/db = 2 sum r = 1
    expect(await values(value)).toEqual([-2.25 * -2.25 + 2.75 * 2.75]);
    expect(await values(grads[lin.weight.name]!)).toEqual([12, -14.5]);
    expect(await values(grads[lin.bias.name]!)).toEqual([1]);
    tf.dispose([value, ...Object.values(grads)]);

    const adam = tf.train.adam(0.1);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      adam.minimize(loss, false, lin.parameters());
    });
    // Adam's first step moves each weight by lr * g / (|g| + eps): lr * sign(g).
    const w = await values(lin.weight);
    expect(w[0]).toBeCloseTo(0.5 - 0.1, 5);
    expect(w[1]).toBeCloseTo(-1 + 0.1, 5);
    expect((await values(lin.bias))[0]).toBeCloseTo(0.25 - 0.1, 5);
    // The optimizer's two moments per variable, and nothing else, stayed.
    expect(tf.memory().numTensors).toBe(before + 4);
    adam.dispose();
    tf.dispose([x, y]);
    lin.dispose();
  });

  it('call() runs forward inside tf.tidy; variables survive tidy', async () => {
    const net = new Net().eval();
    const x = tf.randomNormal([1, 4, 4, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const y = net.call(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    y.dispose();
    // A module created inside tidy keeps its variables.
    let made: Linear | undefined;
    tf.tidy(() => {
      made = new Linear(2, 2);
    });
    if (!made) throw new Error('unreachable');
    expect(made.parameters().every((p) => !p.isDisposed)).toBe(true);
    made.dispose();
    x.dispose();
    net.dispose();
  });

  it('dispose() frees every tensor and variable name', async () => {
    const baseline = tf.memory().numTensors;
    const variables = Object.keys(tf.engine().registeredVariables).length;
    const net = new Net();
    class WithConstant extends Module {
      mean = tf.tensor([0.485, 0.456, 0.406]);
      inner = new Linear(3, 3);
      forward(x: tf.Tensor) {
        return x;
      }
    }
    const c = new WithConstant();
    expect(tf.memory().numTensors).toBeGreaterThan(baseline);
    net.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    expect(Object.keys(tf.engine().registeredVariables).length).toBe(variables);
  });

  it('rejects bad input with typed errors', async () => {
    expect(() => parameter(tf.zeros([3, 3]), 'conv')).toThrow(ShapeError);
    expect(() => parameter(tf.zeros([3]), 'linear')).toThrow(ShapeError);
    expect(() => parameter(tf.zeros([3]), 'nope' as never)).toThrow(ArgumentError);
    expect(() => parameter(42 as never)).toThrow(ArgumentError);
    const v = tf.variable(tf.zeros([1]));
    expect(() => parameter(v)).toThrow(ArgumentError);
    v.dispose();
    const lin = new Linear(1, 1);
    expect(() => lin.loadStateDict({ weight: [1] as never })).toThrow(ArgumentError);
    expect(() => lin.loadStateDict(null as never)).toThrow(ArgumentError);
    expect(() => lin.loadStateDict({}, { from: 'keras' as never })).toThrow(ArgumentError);
    expect(() => lin.stateDict({ to: 'keras' as never })).toThrow(ArgumentError);
    class Loop extends Module {
      inner = new Linear(1, 1);
      forward() {
        return null;
      }
    }
    const loop = new Loop();
    (loop.inner as unknown as { back: Module }).back = loop;
    expect(() => loop.stateDict()).toThrow(/contains itself/);
    expect(() => new Sequential([1 as never])).toThrow(ArgumentError);
    lin.dispose();
    (loop.inner as unknown as { back?: Module }).back = undefined;
    loop.dispose();
  });
});
