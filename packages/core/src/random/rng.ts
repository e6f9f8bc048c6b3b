import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';
import { childKey, keyFromSeed, keyToHex, stateFromKey } from './seeding.js';
import { Xoshiro128 } from './xoshiro128.js';

/** The JSON form of a generator's position: enough to resume it exactly. */
export interface RngState {
  algorithm: 'xoshiro128**';
  /** The stream's key (16 hex digits), from which forks derive theirs. */
  key: string;
  /** The four 32-bit state words of xoshiro128**. */
  words: [number, number, number, number];
}

const ALGORITHM = 'xoshiro128**';
const TWO_32 = 2 ** 32;
const TWO_53 = 2 ** 53;
/** Beyond this many elements a tensor would not fit a Float32Array on common engines. */
const MAX_ELEMENTS = 2 ** 31 - 1;
/** The largest finite float32. */
const MAX_FLOAT32 = 3.4028234663852886e38;
/** tf.truncatedNormal's rule: values beyond two standard deviations are drawn again. */
const TRUNCATE_AT = 2;

function checkShape(shape: unknown, fn: string): number {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(
      `${fn}: expected a shape of non-negative integers, got ${describe(shape)}`,
    );
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size > MAX_ELEMENTS) {
    throw new ShapeError(`${fn}: a shape of at most ${MAX_ELEMENTS} elements, got ${size}`);
  }
  return size;
}

function checkFinite(value: unknown, what: string, fn: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ArgumentError(`${fn}: expected a finite number for ${what}, got ${describe(value)}`);
  }
  return value;
}

const bitsF32 = new Float32Array(1);
const bitsU32 = new Uint32Array(bitsF32.buffer);

/** The smallest float32 above the float32 `x`. */
function nextUp32(x: number): number {
  if (x === 0) return 2 ** -149;
  bitsF32[0] = x;
  bitsU32[0] = x > 0 ? bitsU32[0]! + 1 : bitsU32[0]! - 1;
  return bitsF32[0];
}

/** The float32 values inside [min, max): a draw rounded to float32 is clamped into them. */
function float32Range(min: number, max: number, fn: string): [number, number] {
  let lo = Math.fround(min);
  if (lo < min) lo = nextUp32(lo);
  let hi = Math.fround(max);
  if (hi >= max) hi = -nextUp32(-hi);
  if (!(lo <= hi)) {
    throw new ArgumentError(`${fn}: no float32 value lies in [${min}, ${max})`);
  }
  return [lo, hi];
}

/** What is wrong with a would-be RngState, or undefined if nothing is. */
function stateProblem(state: unknown): string | undefined {
  if (state === null || typeof state !== 'object') return `got ${describe(state)}`;
  const { algorithm, key, words } = state as Partial<Record<keyof RngState, unknown>>;
  if (algorithm !== ALGORITHM) return `algorithm is ${describe(algorithm)}, not "${ALGORITHM}"`;
  if (typeof key !== 'string' || !/^[0-9a-f]{16}$/.test(key)) {
    return `key is ${describe(key)}, not 16 lower-case hex digits`;
  }
  if (
    !Array.isArray(words) ||
    words.length !== 4 ||
    !words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32)
  ) {
    return `words is ${describe(words)}, not four unsigned 32-bit integers`;
  }
  if (words.every((w) => w === 0)) return 'words are all zero (xoshiro128** would emit zeros)';
  return undefined;
}

/**
 * A seeded random generator. Numbers come from xoshiro128** in JavaScript and become
 * tensors through `tf.tensor`, so a seed gives the same values, bit for bit, on every
 * backend. Tensor values are computed in doubles and rounded once to float32.
 *
 * Normals use Box-Muller on 53-bit uniforms. `Math.log`, `Math.cos` and `Math.sin`
 * are not required to round identically across JavaScript engines, so normals can
 * differ in a last bit between, say, V8 and SpiderMonkey; uniforms, integers and
 * shuffles cannot.
 */
export class Rng {
  private key: bigint;
  private gen: Xoshiro128;

  /** Use `rng(seed)`; the constructor takes a stream key. */
  constructor(key: bigint) {
    this.key = key;
    this.gen = new Xoshiro128(stateFromKey(key));
  }

  /** An unsigned 32-bit integer. */
  uint32(): number {
    return this.gen.next();
  }

  /** A double in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.gen.next() >>> 5;
    const low = this.gen.next() >>> 6;
    return (high * 2 ** 26 + low) / TWO_53;
  }

  /** An integer in [0, maxExclusive), without modulo bias; maxExclusive up to 2^53. */
  int(maxExclusive: number): number {
    const n = maxExclusive;
    if (!Number.isSafeInteger(n) && n !== TWO_53) {
      throw new ArgumentError(`int: expected an integer in [1, 2^53], got ${describe(n)}`);
    }
    if (n < 1) throw new ArgumentError(`int: expected an integer in [1, 2^53], got ${n}`);
    if (n <= TWO_32) {
      const limit = TWO_32 - (TWO_32 % n);
      let r = this.gen.next();
      while (r >= limit) r = this.gen.next();
      return r % n;
    }
    const limit = TWO_53 - (TWO_53 % n);
    let r: number;
    do {
      r = (this.gen.next() >>> 11) * TWO_32 + this.gen.next();
    } while (r >= limit);
    return r % n;
  }

  /** True with probability p. */
  bernoulli(p: number): boolean;
  /** A float32 tensor of 0s and 1s, each 1 with probability p. */
  bernoulli<R extends tf.Rank>(p: number, shape: tf.ShapeMap[R]): tf.Tensor<R>;
  bernoulli<R extends tf.Rank>(p: number, shape?: tf.ShapeMap[R]): boolean | tf.Tensor<R> {
    checkFinite(p, 'p', 'bernoulli');
    if (p < 0 || p > 1) throw new ArgumentError(`bernoulli: expected p in [0, 1], got ${p}`);
    if (shape === undefined) return this.float() < p;
    const size = checkShape(shape, 'bernoulli');
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = this.float() < p ? 1 : 0;
    return tf.tensor<R>(values, shape, 'float32');
  }

  /** Uniform float32 values in [min, max), from 24-bit uniforms (exact in float32). */
  uniform<R extends tf.Rank>(shape: tf.ShapeMap[R], min = 0, max = 1): tf.Tensor<R> {
    const size = checkShape(shape, 'uniform');
    checkFinite(min, 'min', 'uniform');
    checkFinite(max, 'max', 'uniform');
    if (!(min < max) || Math.abs(min) > MAX_FLOAT32 || Math.abs(max) > MAX_FLOAT32) {
      throw new ArgumentError(
        `uniform: expected min < max, both finite in float32, got [${min}, ${max})`,
      );
    }
    const [lo, hi] = float32Range(min, max, 'uniform');
    const span = max - min;
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const v = Math.fround(min + span * ((this.gen.next() >>> 8) / 2 ** 24));
      values[i] = Math.min(Math.max(v, lo), hi);
    }
    return tf.tensor<R>(values, shape, 'float32');
  }

  /** Normal float32 values (Box-Muller; each pair of draws gives two values). */
  normal<R extends tf.Rank>(shape: tf.ShapeMap[R], mean = 0, std = 1): tf.Tensor<R> {
    const size = checkShape(shape, 'normal');
    this.checkMoments(mean, std, 'normal');
    const values = new Float32Array(size);
    for (let i = 0; i < size; i += 2) {
      const [z0, z1] = this.gaussianPair();
      values[i] = mean + std * z0;
      if (i + 1 < size) values[i + 1] = mean + std * z1;
    }
    return tf.tensor<R>(values, shape, 'float32');
  }

  /**
   * Normal values with those beyond two standard deviations drawn again, as
   * `tf.truncatedNormal` does (so the result's std is about 0.88 std).
   */
  truncatedNormal<R extends tf.Rank>(shape: tf.ShapeMap[R], mean = 0, std = 1): tf.Tensor<R> {
    const size = checkShape(shape, 'truncatedNormal');
    this.checkMoments(mean, std, 'truncatedNormal');
    const values = new Float32Array(size);
    let i = 0;
    while (i < size) {
      const [z0, z1] = this.gaussianPair();
      if (Math.abs(z0) <= TRUNCATE_AT) values[i++] = mean + std * z0;
      if (i < size && Math.abs(z1) <= TRUNCATE_AT) values[i++] = mean + std * z1;
    }
    return tf.tensor<R>(values, shape, 'float32');
  }

  /** Shuffles an array or typed array in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [index: number]: any }>(array: T): T {
    if (
      array === null ||
      typeof array !== 'object' ||
      !(Array.isArray(array) || ArrayBuffer.isView(array))
    ) {
      throw new ArgumentError(`shuffle: expected an array or typed array, got ${describe(array)}`);
    }
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  /** The integers 0 .. n-1 in random order. */
  permutation(n: number): number[] {
    if (!Number.isInteger(n) || n < 0 || n > MAX_ELEMENTS) {
      throw new ArgumentError(
        `permutation: expected an integer in [0, ${MAX_ELEMENTS}], got ${describe(n)}`,
      );
    }
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /**
   * An independent generator named by `label`, e.g. one per module or per worker.
   * It depends on this generator's stream (its seed and fork path), not on how many
   * numbers were drawn, and drawing from it leaves this one untouched. The same label
   * gives the same stream each time.
   */
  fork(label: string): Rng {
    if (typeof label !== 'string') {
      throw new ArgumentError(`fork: expected a string label, got ${describe(label)}`);
    }
    return new Rng(childKey(this.key, label));
  }

  /** The generator's position as a small JSON-able object. */
  state(): RngState {
    return { algorithm: ALGORITHM, key: keyToHex(this.key), words: this.gen.words() };
  }

  /** Resumes from `state()`'s result: the same numbers follow as did after it. */
  setState(state: RngState): void {
    const why = stateProblem(state);
    if (why !== undefined) {
      throw new ArgumentError(`setState: expected an RngState from state(), but ${why}`);
    }
    this.key = BigInt(`0x${state.key}`);
    this.gen = new Xoshiro128(state.words);
  }

  private checkMoments(mean: number, std: number, fn: string): void {
    checkFinite(mean, 'mean', fn);
    checkFinite(std, 'std', fn);
    if (std < 0) throw new ArgumentError(`${fn}: expected std >= 0, got ${std}`);
  }

  /** Two independent standard normals from two 53-bit uniforms. */
  private gaussianPair(): [number, number] {
    const u1 = 1 - this.float(); // in (0, 1]: log never sees 0
    const u2 = this.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    return [r * Math.cos(theta), r * Math.sin(theta)];
  }
}

/**
 * A generator seeded by `seed`, any safe integer. The same seed gives the same numbers
 * on every backend and platform; see `Rng`.
 *
 * @example
 * const r = rng(42);
 * const noise = r.normal([4, 100]); // the same numbers on every backend
 * const order = r.fork('data order').permutation(10);
 */
export function rng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new ArgumentError(`rng: expected a safe integer seed, got ${describe(seed)}`);
  }
  return new Rng(keyFromSeed(seed));
}
