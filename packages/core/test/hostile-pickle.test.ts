import { expect, it, describe as suite } from 'vitest';
import { describe, FormatError, readTorchCheckpoint, tf } from '../src/index.js';
import { PICKLE_LIMITS, type PickleHooks, unpickle } from '../src/io/pickle.js';
import {
  intTuple,
  op,
  pickle,
  rebuildTensor,
  storageId,
  torchArchive,
} from '../src/testing/torch-files.js';

const storage4 = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
const archive = (pkl: Uint8Array) => torchArchive(pkl, [['0', storage4]]);

/** Reads `bytes`; returns the FormatError and how long it took. */
function refusal(bytes: Uint8Array): { error: FormatError; ms: number } {
  const before = tf.memory().numTensors;
  const start = performance.now();
  try {
    const got = readTorchCheckpoint(bytes);
    tf.dispose(Object.values(got));
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    expect(tf.memory().numTensors).toBe(before);
    expect((error as Error).message).not.toContain('\n');
    return { error: error as FormatError, ms: performance.now() - start };
  }
  throw new Error('expected a FormatError, but the read succeeded');
}

/** `{'w': tensor}` whose size is the pickle fragment `size`. */
const tensorWithSize = (size: number[]) =>
  pickle(
    op.proto,
    op.emptyDict,
    op.str('w'),
    rebuildTensor(storageId('0', 4), 0, size, intTuple([1])),
    op.setitem,
    op.stop,
  );

suite('hostile pickles', () => {
  it('refuses a tensor size that is a list containing itself', () => {
    const { error, ms } = refusal(
      archive(tensorWithSize([...op.emptyList, ...op.dup, ...op.append])),
    );
    expect(error.message).toMatch(/a list or dict that contains itself/);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a tensor size that holds itself through another list, describing it briefly', () => {
    // L1 = [L2], then L2.append(L1): a cycle the unpickler's depth record does not see.
    const size = [
      ...op.emptyList,
      ...op.put(1),
      ...op.emptyList,
      ...op.put(2),
      ...op.append,
      ...op.get(2),
      ...op.get(1),
      ...op.append,
      ...op.pop,
    ];
    const { error, ms } = refusal(archive(tensorWithSize(size)));
    expect(error.message).toMatch(
      /a tensor size must be a tuple of non-negative integers, got \[\[/,
    );
    expect(error.message.length).toBeLessThan(400);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a persistent id nested 200,000 deep', () => {
    const deep = pickle(
      op.proto,
      op.none,
      new Array(200_000).fill(op.tuple1[0]),
      op.persid,
      op.stop,
    );
    const { error, ms } = refusal(archive(deep));
    expect(error.message).toMatch(/nested deeper than 200/);
    expect(ms).toBeLessThan(2000);
  });

  it('refuses a BUILD over a 2^40-leaf DAG in a few bytes, quickly', () => {
    const dag: number[] = [...op.proto, ...op.none];
    for (let i = 0; i < 40; i++) dag.push(...op.dup, ...op.tuple2);
    const bytes = pickle(dag, op.none, op.build, op.stop);
    expect(bytes.length).toBeLessThan(100);
    const { error, ms } = refusal(archive(bytes));
    expect(error.message).toMatch(/cannot apply state to \[\[\[/);
    expect(error.message.length).toBeLessThan(400);
    expect(ms).toBeLessThan(1000);
  });

  it('quotes a global whose name holds a line break, keeping the message on one line', () => {
    const bytes = archive(pickle(op.proto, op.str('os\nx'), op.str('system'), [0x93], op.stop));
    const { error } = refusal(bytes);
    expect(error.message).toContain('the global "os\\nx.system", which is not allowed');
  });

  it('bounds opcodes, stack, open MARKs, memo and items', () => {
    const hooks: PickleHooks = {
      findClass: () => null,
      call: () => null,
      persistentLoad: () => null,
      build: () => null,
    };
    const refuse = (bytes: number[], limits: object, message: RegExp) => {
      expect(() => unpickle(new Uint8Array(bytes), hooks, 'p', limits)).toThrow(FormatError);
      expect(() => unpickle(new Uint8Array(bytes), hooks, 'p', limits)).toThrow(message);
    };
    const nones = new Array(100).fill(op.none[0]);
    refuse([...op.proto, ...nones], { maxOps: 50 }, /more than 50 opcodes/);
    refuse([...op.proto, ...nones], { maxStack: 50 }, /more than 50 values on the stack/);
    refuse([...op.proto, ...new Array(100).fill(op.mark[0])], { maxStack: 50 }, /50 open MARKs/);
    const memo = [...op.proto, ...op.none];
    for (let i = 0; i < 100; i++) memo.push(...op.put(i));
    refuse(memo, { maxMemo: 50 }, /more than 50 memo entries/);
    refuse([...op.proto, ...op.mark, ...nones, ...op.list], { maxItems: 50 }, /more than 50 items/);
    // The defaults leave room for any state dict.
    expect(PICKLE_LIMITS.maxDepth).toBeGreaterThanOrEqual(64);
    expect(
      unpickle(new Uint8Array([...op.proto, ...op.mark, ...nones, ...op.list, ...op.stop]), hooks),
    ).toHaveLength(100);
  });
});

suite('describe', () => {
  it('bounds what it shows of cyclic, deep and shared values', () => {
    const cyclic: unknown[] = [1, 2];
    cyclic.push(cyclic);
    expect(describe(cyclic)).toBe('[1, 2, [circular]]');
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(describe(deep)).toBe('[[[[...]]]]');
    let dag: unknown = null;
    for (let i = 0; i < 40; i++) dag = [dag, dag];
    const start = performance.now();
    expect(describe(dag).length).toBeLessThanOrEqual(200);
    expect(performance.now() - start).toBeLessThan(100);
    expect(describe(Array.from({ length: 10 }, (_, i) => i))).toBe(
      '[0, 1, 2, 3, 4, 5, 6, 7, ... (2 more)]',
    );
    expect(describe('x'.repeat(1e6))).toMatch(/^"x{80}"\.\.\. \(1000000 characters\)$/);
    expect(describe([1, 'a', null, undefined])).toBe('[1, "a", null, undefined]');
    expect(describe(tf.zeros([2, 3]))).toBe('a tensor of shape [2, 3]');
  });
});
