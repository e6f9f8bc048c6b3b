/**
 * How seeds and labels become generator states. A stream is named by a 64-bit key: a
 * root generator's key is its seed, a fork's key mixes its parent's key with a hash of
 * the label. The key expands into xoshiro128** state through SplitMix64, as the
 * xoshiro authors recommend, so nearby keys (seeds 0, 1, 2, ...) give unrelated streams.
 * BigInt runs only here, once per generator, never per number.
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

/** SplitMix64's output function (Stafford's Mix13 finaliser): a bijection on 64 bits. */
export function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** The first `count` outputs of SplitMix64 started at `key`. */
export function splitMix64(key: bigint, count: number): bigint[] {
  const out: bigint[] = [];
  let x = key & MASK64;
  for (let i = 0; i < count; i++) {
    x = (x + GOLDEN) & MASK64;
    out.push(mix64(x));
  }
  return out;
}

/** A seed (any safe integer; negatives wrap as two's complement) as a 64-bit key. */
export function keyFromSeed(seed: number): bigint {
  return BigInt.asUintN(64, BigInt(seed));
}

/** FNV-1a (64 bit) of the label's UTF-8 bytes. */
function hashLabel(label: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(label)) {
    h = ((h ^ BigInt(byte)) * 0x100000001b3n) & MASK64;
  }
  return h;
}

/**
 * The key of a fork. Mixing twice keeps `fork('a').fork('b')` apart from
 * `fork('b').fork('a')` and any child apart from its parent.
 */
export function childKey(parent: bigint, label: string): bigint {
  return mix64((mix64(parent ^ GOLDEN) + hashLabel(label)) & MASK64);
}

/** Four 32-bit state words from a key (low word first); never all zero. */
export function stateFromKey(key: bigint): [number, number, number, number] {
  const [a, b] = splitMix64(key, 2) as [bigint, bigint];
  const words: [number, number, number, number] = [
    Number(a & 0xffffffffn),
    Number(a >> 32n),
    Number(b & 0xffffffffn),
    Number(b >> 32n),
  ];
  // SplitMix64 is a bijection of its counter, so two zero outputs in a row cannot occur;
  // guard anyway, since an all-zero state would emit zeros forever.
  if (words.every((w) => w === 0)) words[0] = 1;
  return words;
}

/** A key as 16 lower-case hex digits (the JSON form in `RngState`). */
export function keyToHex(key: bigint): string {
  return key.toString(16).padStart(16, '0');
}
