/**
 * A small seeded fuzzer for file parsers: a mutator (bit flips, bytes set to edge
 * values, insertions, deletions, duplicated and spliced ranges, truncation) and a
 * runner that feeds a target and sorts what happens. A parser passes when every input
 * either reads or fails with a typed (AtelierError) one-line message that names the
 * file, in bounded time. The same seed gives the same inputs.
 */
import { AtelierError } from '../errors.js';

/** mulberry32: a fast seeded generator of uint32s. */
export function fuzzRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const EDGE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x2e, 0x28, 0x7b, 0x22];
const EDGE_WORDS = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0xffff];

/** One to four random edits of `bytes` (a new array); `others` are spliced from. */
export function mutate(
  bytes: Uint8Array,
  next: () => number,
  others: Uint8Array[] = [],
): Uint8Array {
  let out: Uint8Array = bytes.slice();
  const edits = 1 + (next() % 4);
  for (let e = 0; e < edits; e++) {
    const at = out.length === 0 ? 0 : next() % out.length;
    switch (next() % 9) {
      case 0: // flip a bit
        if (out.length > 0) out[at] = out[at]! ^ (1 << (next() % 8));
        break;
      case 1: // a random byte
        if (out.length > 0) out[at] = next() & 0xff;
        break;
      case 2: // an edge byte
        if (out.length > 0) out[at] = EDGE_BYTES[next() % EDGE_BYTES.length]!;
        break;
      case 3: {
        // an edge 32-bit word, little-endian
        const word = EDGE_WORDS[next() % EDGE_WORDS.length]!;
        for (let i = 0; i < 4 && at + i < out.length; i++) out[at + i] = (word >>> (8 * i)) & 0xff;
        break;
      }
      case 4: {
        // insert up to 16 random bytes
        const n = 1 + (next() % 16);
        const inserted = Uint8Array.from({ length: n }, () => next() & 0xff);
        out = join(out.subarray(0, at), inserted, out.subarray(at));
        break;
      }
      case 5: {
        // delete a range
        const n = 1 + (next() % Math.max(1, Math.min(64, out.length - at)));
        out = join(out.subarray(0, at), out.subarray(at + n));
        break;
      }
      case 6: {
        // duplicate a range in place
        const n = 1 + (next() % 32);
        out = join(out.subarray(0, at + n), out.subarray(at, at + n), out.subarray(at + n));
        break;
      }
      case 7: {
        // splice in a range of another input
        const other = others.length > 0 ? others[next() % others.length]! : out;
        if (other.length === 0) break;
        const from = next() % other.length;
        const n = 1 + (next() % 64);
        out = join(out.subarray(0, at), other.subarray(from, from + n), out.subarray(at + n));
        break;
      }
      default: // truncate
        out = out.slice(0, at);
    }
  }
  return out;
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A parser under fuzzing: seed inputs, and how to feed it one input named `name`. */
export interface FuzzTarget {
  name: string;
  /** Valid files (and near misses) the mutator starts from. */
  seeds: Uint8Array[];
  /** The file name errors must carry. */
  fileName: string;
  /** Turns mutated bytes into the input (e.g. re-wraps a pickle in a zip with its CRC). */
  wrap?: (bytes: Uint8Array) => Uint8Array;
  /** Parses the input; throws on a refusal; frees what it made on success. */
  run: (input: Uint8Array) => void;
}

export interface FuzzCrash {
  input: number;
  why: string;
}

export interface FuzzReport {
  target: string;
  inputs: number;
  /** Inputs that read without error. */
  accepted: number;
  /** Inputs refused with a typed one-line error naming the file. */
  typed: number;
  /** Anything else: untyped errors, several lines, no file name, over time. */
  crashes: FuzzCrash[];
  maxMs: number;
  /** Largest resident set seen (sampled every 1000 inputs and at the end), MiB. */
  maxRssMiB: number;
  seconds: number;
}

export interface FuzzOptions {
  inputs: number;
  seed?: number;
  /** An input that takes longer than this counts as a crash. Default 2000 ms. */
  maxMs?: number;
  /** Called every 1000 inputs. */
  onProgress?: (done: number) => void;
}

/** Feeds `target` `inputs` mutated inputs; returns what happened (crashes kept, first 20). */
export function runFuzz(target: FuzzTarget, options: FuzzOptions): FuzzReport {
  const next = fuzzRandom(options.seed ?? 1);
  const limitMs = options.maxMs ?? 2000;
  const rss = () => (typeof process !== 'undefined' ? process.memoryUsage().rss / 2 ** 20 : 0);
  const report: FuzzReport = {
    target: target.name,
    inputs: 0,
    accepted: 0,
    typed: 0,
    crashes: [],
    maxMs: 0,
    maxRssMiB: rss(),
    seconds: 0,
  };
  const start = performance.now();
  let crashCount = 0;
  const crash = (input: number, why: string) => {
    crashCount++;
    if (report.crashes.length < 20) report.crashes.push({ input, why });
  };
  for (let i = 0; i < options.inputs; i++) {
    const seed = target.seeds[next() % target.seeds.length]!;
    const mutated = mutate(seed, next, target.seeds);
    const input = target.wrap ? target.wrap(mutated) : mutated;
    const t0 = performance.now();
    let error: unknown;
    try {
      target.run(input);
    } catch (e) {
      error = e;
    }
    const ms = performance.now() - t0;
    report.maxMs = Math.max(report.maxMs, ms);
    report.inputs++;
    if (ms > limitMs) crash(i, `took ${ms.toFixed(0)} ms`);
    else if (error === undefined) report.accepted++;
    else if (!(error instanceof AtelierError)) crash(i, `untyped: ${String(error).slice(0, 200)}`);
    else if (error.message.includes('\n'))
      crash(i, `several lines: ${error.message.slice(0, 200)}`);
    else if (!error.message.startsWith(`${target.fileName}: `))
      crash(i, `no file name: ${error.message.slice(0, 200)}`);
    else report.typed++;
    if ((i + 1) % 1000 === 0) {
      report.maxRssMiB = Math.max(report.maxRssMiB, rss());
      options.onProgress?.(i + 1);
    }
  }
  report.maxRssMiB = Math.round(Math.max(report.maxRssMiB, rss()));
  report.maxMs = Math.round(report.maxMs * 10) / 10;
  report.seconds = Math.round((performance.now() - start) / 100) / 10;
  if (crashCount > report.crashes.length) {
    report.crashes.push({ input: -1, why: `${crashCount - report.crashes.length} more` });
  }
  return report;
}
