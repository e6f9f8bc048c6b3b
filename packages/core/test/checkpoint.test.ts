import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  buffer,
  FormatError,
  init,
  Module,
  parameter,
  StateDictError,
  tf,
  writeSafetensors,
} from '../src/index.js';
import { describeBackends } from '../src/testing/index.js';
import { removeStaleTemporaries } from '../src/training/atomic-file.js';
import { loadCheckpoint, saveCheckpoint } from '../src/training/checkpoint.js';

class Linear extends Module {
  weight: tf.Variable;
  bias: tf.Variable;
  constructor(inF: number, outF: number) {
    super();
    this.weight = parameter(() => tf.randomNormal([inF, outF]), 'linear');
    this.bias = parameter(() => tf.randomNormal([outF]));
  }
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(x, this.weight as tf.Tensor2D).add(this.bias);
  }
}

class Mlp extends Module {
  layers = [new Linear(3, 5), new Linear(5, 2)];
  seen = buffer(tf.scalar(0, 'int32'));
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return this.layers[1]!.forward(tf.tanh(this.layers[0]!.forward(x)));
  }
}

/** Another network: other keys and shapes. */
class Other extends Module {
  encoder = new Linear(3, 4);
  head = new Linear(4, 2);
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return this.head.forward(this.encoder.forward(x));
  }
}

async function floats(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/** Every parameter and buffer, as raw bits. */
async function snapshot(m: Module): Promise<Uint32Array[]> {
  return Promise.all(
    [...m.parameters(), ...m.buffers()].map(
      async (v) => new Uint32Array((await v.data()).slice().buffer),
    ),
  );
}

const x = () =>
  tf.tensor2d([0.1, -0.4, 0.7, 1.2, 0.3, -0.9, -0.5, 0.8, 0.2, 0.05, -1.1, 0.6], [4, 3]);
const y = () => tf.tensor2d([0.5, -0.2, 0.1, 0.9, -0.7, 0.3, 0.2, 0.2], [4, 2]);

function trainStep(model: Mlp, optimizer: tf.Optimizer, input: tf.Tensor2D, target: tf.Tensor2D) {
  tf.tidy(() => {
    optimizer.minimize(
      () => tf.losses.meanSquaredError(target, model.forward(input)) as tf.Scalar,
      false,
      model.parameters(),
    );
  });
  model.seen.assign(tf.tidy(() => model.seen.add(tf.scalar(1, 'int32'))));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-checkpoint-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeBackends('checkpoint', (backend) => {
  it('a step after resuming equals a step without interruption, bit for bit', async () => {
    const path = join(dir, `resume-${backend}.safetensors`);
    const input = x();
    const target = y();
    const a = new Mlp();
    const initial = a.stateDict();
    const adamA = tf.train.adam(0.05, 0.9, 0.999);
    // Five steps: Adam's running beta2^6 in float32 differs from pow(beta2, 6) by an
    // ulp, which setWeights would recompute; the checkpoint must keep the product.
    for (let i = 0; i < 5; i++) trainStep(a, adamA, input, target);
    const atSave = await snapshot(a);
    const rng = { algorithm: 'xoshiro128**', key: '0123456789abcdef', words: [1, 2, 3, 4] };
    const before = tf.memory().numTensors;
    await saveCheckpoint(path, {
      modules: { net: a },
      optimizers: { adam: adamA },
      step: 5,
      rng,
      extra: { epoch: 1, note: 'x' },
    });
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < 2; i++) trainStep(a, adamA, input, target);

    // The same run without saving: saving must not disturb anything.
    const c = new Mlp();
    c.loadStateDict(initial);
    const adamC = tf.train.adam(0.05, 0.9, 0.999);
    for (let i = 0; i < 7; i++) trainStep(c, adamC, input, target);

    // A fresh model (other variable names, other weights) and a fresh optimizer.
    const b = new Mlp();
    const adamB = tf.train.adam(0.05, 0.9, 0.999);
    trainStep(b, adamB, input, target); // state to be replaced, not leaked
    expect(b.parameters()[0]!.name).not.toBe(a.parameters()[0]!.name);
    const beforeLoad = tf.memory().numTensors;
    const info = await loadCheckpoint(path, { modules: { net: b }, optimizers: { adam: adamB } });
    expect(tf.memory().numTensors).toBe(beforeLoad);
    expect(info).toEqual({ step: 5, rng, extra: { epoch: 1, note: 'x' } });
    expect(adamB.iterations).toBe(5);
    expect(await snapshot(b)).toEqual(atSave);
    for (let i = 0; i < 2; i++) trainStep(b, adamB, input, target);

    const wa = await snapshot(a);
    expect(await snapshot(b)).toEqual(wa);
    expect(await snapshot(c)).toEqual(wa);
    // And the weights did move after resuming (the comparison is not vacuous).
    expect(wa[0]).not.toEqual(atSave[0]);

    // Loading twice keeps the tensor count: the optimizer's old state is released.
    const again = tf.memory().numTensors;
    await loadCheckpoint(path, { modules: { net: b }, optimizers: { adam: adamB } });
    expect(tf.memory().numTensors).toBe(again);

    tf.dispose([input, target, ...Object.values(initial)]);
    for (const o of [adamA, adamB, adamC]) o.dispose();
    for (const m of [a, b, c]) m.dispose();
  });

  it('restores SGD and momentum optimizers and loads one module of several', async () => {
    const path = join(dir, `several-${backend}.safetensors`);
    const g = new Mlp();
    const d = new Other();
    const momentum = tf.train.momentum(0.1, 0.9);
    const input = x();
    const target = y();
    trainStep(g, momentum, input, target);
    await saveCheckpoint(path, {
      modules: { G: g, D: d },
      optimizers: { opt: momentum, plain: tf.train.sgd(0.1) },
      step: 1,
    });
    const g2 = new Mlp();
    const momentum2 = tf.train.momentum(0.1, 0.9);
    const info = await loadCheckpoint(path, { modules: { G: g2 }, optimizers: { opt: momentum2 } });
    expect(info.step).toBe(1);
    expect(info.rng).toBeUndefined();
    trainStep(g, momentum, input, target);
    trainStep(g2, momentum2, input, target);
    expect(await snapshot(g2)).toEqual(await snapshot(g));
    tf.dispose([input, target]);
    momentum.dispose();
    momentum2.dispose();
    for (const m of [g, d, g2]) m.dispose();
  });

  it('a checkpoint of another network is a StateDictError and loads nothing', async () => {
    const path = join(dir, `foreign-${backend}.safetensors`);
    const mlp = new Mlp();
    const adam = tf.train.adam(0.01);
    const input = x();
    const target = y();
    trainStep(mlp, adam, input, target);
    await saveCheckpoint(path, { modules: { net: mlp }, optimizers: { adam }, step: 1 });

    const other = new Other();
    const before = await snapshot(other);
    const count = tf.memory().numTensors;
    const error = await loadCheckpoint(path, { modules: { net: other } }).catch((e) => e);
    expect(error).toBeInstanceOf(StateDictError);
    expect(error.missing).toEqual([
      'modules.net.encoder.weight',
      'modules.net.encoder.bias',
      'modules.net.head.weight',
      'modules.net.head.bias',
    ]);
    expect(error.unexpected).toContain('modules.net.layers.0.weight');
    expect(error.unexpected).toContain('modules.net.seen');
    expect(await snapshot(other)).toEqual(before);
    expect(tf.memory().numTensors).toBe(count);

    // Same network, other widths: mismatches, with the shapes.
    class Wider extends Module {
      layers = [new Linear(3, 6), new Linear(6, 2)];
      seen = buffer(tf.scalar(0, 'int32'));
      forward(x: tf.Tensor) {
        return x;
      }
    }
    const wider = new Wider();
    const e2 = await loadCheckpoint(path, { modules: { net: wider } }).catch((e) => e);
    expect(e2).toBeInstanceOf(StateDictError);
    expect(e2.mismatched).toContainEqual({
      key: 'modules.net.layers.0.weight',
      expected: [3, 6],
      got: [3, 5],
    });

    // A module under another name, an optimizer of another class: nothing loads.
    const fresh = new Mlp();
    const freshBefore = await snapshot(fresh);
    const e3 = await loadCheckpoint(path, { modules: { G: fresh } }).catch((e) => e);
    expect(e3).toBeInstanceOf(StateDictError);
    expect(e3.message).toMatch(/no module 'G'/);
    const sgd = tf.train.sgd(0.1);
    const e4 = await loadCheckpoint(path, {
      modules: { net: fresh },
      optimizers: { adam: sgd },
    }).catch((e) => e);
    expect(e4).toBeInstanceOf(StateDictError);
    expect(e4.message).toMatch(/SGD.*Adam/);
    expect(await snapshot(fresh)).toEqual(freshBefore);

    tf.dispose([input, target]);
    adam.dispose();
    for (const m of [mlp, other, wider, fresh]) m.dispose();
  });

  it('a corrupt or foreign file is a FormatError', async () => {
    const path = join(dir, `good-${backend}.safetensors`);
    const mlp = new Mlp();
    await saveCheckpoint(path, { modules: { net: mlp }, step: 0 });
    const good = readFileSync(path);
    const load = (bytes: Uint8Array) => {
      const p = join(dir, `bad-${backend}.safetensors`);
      writeFileSync(p, bytes);
      return loadCheckpoint(p, { modules: { net: mlp } }).catch((e) => e);
    };
    const count = tf.memory().numTensors;
    expect(await load(good.subarray(0, good.length - 7))).toBeInstanceOf(FormatError); // truncated
    expect(await load(good.subarray(0, 5))).toBeInstanceOf(FormatError);
    expect(await load(new Uint8Array(0))).toBeInstanceOf(FormatError);
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    expect(await load(garbage)).toBeInstanceOf(FormatError);
    const flipped = Uint8Array.from(good);
    flipped[12] = 0x7b; // inside the JSON header
    expect(await load(flipped)).toBeInstanceOf(FormatError);
    // A valid safetensors file that is not a checkpoint.
    const w = tf.zeros([2]);
    expect(await load(await writeSafetensors({ 'net.w': w }))).toBeInstanceOf(FormatError);
    const wrongVersion = await writeSafetensors(
      { 'modules.net.seen': w },
      {
        'atelier.checkpoint': JSON.stringify({
          format: 'atelier-checkpoint',
          version: 99,
          step: 0,
        }),
      },
    );
    const e = await load(wrongVersion);
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/version 99/);
    w.dispose();
    expect(tf.memory().numTensors).toBe(count);
    mlp.dispose();
  });

  it('bad arguments are ArgumentErrors, and leave the checkpoint written before', async () => {
    const path = join(dir, `kept-${backend}.safetensors`);
    const mlp = new Mlp();
    await saveCheckpoint(path, { modules: { net: mlp }, step: 0 });
    const good = readFileSync(path);
    expect(
      await loadCheckpoint(join(dir, 'nothing-here'), { modules: { net: mlp } }).catch((e) => e),
    ).toBeInstanceOf(ArgumentError);
    const save = (o: unknown) => saveCheckpoint(path, o as never).catch((e) => e);
    expect(await save({ modules: { net: mlp }, step: -1 })).toBeInstanceOf(ArgumentError);
    expect(await save({ modules: { 'a.b': mlp }, step: 0 })).toBeInstanceOf(ArgumentError);
    expect(await save({ modules: { net: {} }, step: 0 })).toBeInstanceOf(ArgumentError);
    expect(await save({ modules: { net: mlp }, step: 0, extra: { n: 1n } })).toBeInstanceOf(
      ArgumentError,
    );
    expect(
      await saveCheckpoint(join(dir, 'no-such-folder', 'x.safetensors'), {
        modules: { net: mlp },
        step: 0,
      }).catch((e) => e),
    ).toBeInstanceOf(ArgumentError);
    // An optimizer holding state for a variable outside the modules cannot be saved stably.
    const stranger = tf.variable(tf.zeros([2]));
    const adam = tf.train.adam(0.1);
    adam.minimize(() => stranger.sum() as tf.Scalar, false, [stranger]);
    expect(await save({ modules: { net: mlp }, optimizers: { adam }, step: 0 })).toBeInstanceOf(
      ArgumentError,
    );
    adam.dispose();
    stranger.dispose();
    // The good checkpoint is still there and loads.
    expect(readFileSync(path)).toEqual(good);
    expect((await loadCheckpoint(path, { modules: { net: mlp } })).step).toBe(0);
    mlp.dispose();
  });
});

class Tiny extends Module {
  weight = parameter(tf.tensor2d([1, 2, 3, 4], [2, 2]));
  forward(x: tf.Tensor) {
    return x;
  }
}

class Big extends Module {
  weight = parameter(() => tf.zeros([1024, 4096]));
  forward(x: tf.Tensor) {
    return x;
  }
}

describe('checkpoint writes are atomic', () => {
  let child: string;
  beforeAll(async () => {
    await init({ backend: 'cpu' });
    child = join(dir, 'child.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./checkpoint-child.ts', import.meta.url))],
      outfile: child,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      mainFields: ['module', 'main'],
      define: { __NODE__: 'true' },
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
      logLevel: 'silent',
    });
  });

  function run(
    path: string,
    mode: string,
    marker: string,
  ): { proc: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
    const proc = spawn(process.execPath, [child, path, mode, marker], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      proc.on('exit', (code) => resolve(code)),
    );
    return { proc, exited, stderr: () => stderr };
  }

  async function waitFor(
    marker: string,
    exited: Promise<unknown>,
    stderr: () => string,
  ): Promise<void> {
    let done = false;
    exited.then(() => (done = true));
    for (let i = 0; i < 6000 && !existsSync(marker); i++) {
      if (done) throw new Error(`the child exited before stopping: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    if (!existsSync(marker)) throw new Error('the child never stopped');
  }

  for (const mode of ['mid-write', 'before-rename']) {
    it(`a writer killed ${mode === 'mid-write' ? 'in the middle of writing' : 'just before the rename'} leaves the previous checkpoint`, async () => {
      const folder = mkdtempSync(join(dir, `${mode}-`));
      const path = join(folder, 'ckpt.safetensors');
      const marker = join(folder, 'marker');
      const tiny = new Tiny();
      await saveCheckpoint(path, { modules: { net: tiny }, step: 7 });
      const previous = readFileSync(path);

      const { proc, exited, stderr } = run(path, mode, marker);
      await waitFor(marker, exited, stderr);
      expect(readFileSync(marker, 'utf8')).toBe(mode);
      // The kill lands while the temporary file exists: partly written, or complete.
      const temporaries = readdirSync(folder).filter((f) => f.endsWith('.tmp'));
      expect(temporaries.length).toBe(1);
      const size = statSync(join(folder, temporaries[0]!)).size;
      if (mode === 'mid-write') expect(size).toBe(8 * 1024 * 1024);
      else expect(size).toBeGreaterThan(16 * 1024 * 1024);
      // A writer that runs keeps its temporary file; once killed, the file is stale.
      expect(await removeStaleTemporaries(folder)).toEqual([]);
      proc.kill('SIGKILL');
      await exited;
      expect(await removeStaleTemporaries(folder)).toEqual([join(folder, temporaries[0]!)]);
      expect(readdirSync(folder).sort()).toEqual(['ckpt.safetensors', 'marker']);

      expect(readFileSync(path)).toEqual(previous);
      const loaded = new Tiny();
      loaded.weight.assign(tf.zeros([2, 2]));
      const info = await loadCheckpoint(path, { modules: { net: loaded } });
      expect(info.step).toBe(7);
      expect(Array.from(await floats(loaded.weight))).toEqual([1, 2, 3, 4]);
      tiny.dispose();
      loaded.dispose();
    });
  }

  it("stale temporaries: its own pattern only, and this process's when it is not writing them", async () => {
    const folder = mkdtempSync(join(dir, 'stale-'));
    const names = [
      `.a.safetensors.${process.pid}.k2j4x9.tmp`, // this process, not being written: stale
      '.index.html.4194305.abc.tmp', // above Linux's largest pid: no such process
      '.b.json.1.abc.tmp', // pid 1 runs
      '.notes.tmp', // not the pattern
      'c.safetensors.4194305.abc.tmp', // no leading dot: not the pattern
    ];
    for (const name of names) writeFileSync(join(folder, name), 'x');
    mkdirSync(join(folder, '.d.4194305.abc.tmp')); // a folder, not a file
    const removed = await removeStaleTemporaries(folder);
    expect(removed.sort()).toEqual([join(folder, names[0]!), join(folder, names[1]!)].sort());
    expect(readdirSync(folder).sort()).toEqual(
      [names[2]!, names[3]!, names[4]!, '.d.4194305.abc.tmp'].sort(),
    );
    expect(await removeStaleTemporaries(join(folder, 'absent'))).toEqual([]);
    await expect(removeStaleTemporaries('')).rejects.toThrow(/non-empty string/);
  });

  it('the same writer left alone replaces the checkpoint (the test can tell)', async () => {
    const folder = mkdtempSync(join(dir, 'complete-'));
    const path = join(folder, 'ckpt.safetensors');
    const tiny = new Tiny();
    await saveCheckpoint(path, { modules: { net: tiny }, step: 7 });
    const { exited, stderr } = run(path, 'complete', join(folder, 'marker'));
    expect(await exited, stderr()).toBe(0);
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const big = new Big();
    const info = await loadCheckpoint(path, { modules: { net: big } });
    expect(info).toEqual({ step: 99, rng: undefined, extra: { writer: 'child' } });
    const w = await floats(big.weight);
    expect(w.length).toBe(1024 * 4096);
    expect(w.every((v) => v === 0.5)).toBe(true);
    tiny.dispose();
    big.dispose();
  });
});
