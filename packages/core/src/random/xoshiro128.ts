/**
 * xoshiro128** (Blackman and Vigna, 2018): a 32-bit generator with 128 bits of state,
 * period 2^128 - 1, that passes BigCrush. Pure 32-bit integer arithmetic, so every
 * JavaScript engine produces the same sequence.
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `words` are four unsigned 32-bit integers, not all zero (checked by the caller). */
  constructor(words: readonly [number, number, number, number]) {
    this.s0 = words[0] | 0;
    this.s1 = words[1] | 0;
    this.s2 = words[2] | 0;
    this.s3 = words[3] | 0;
  }

  /** The next output, an unsigned 32-bit integer. */
  next(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** The state as four unsigned 32-bit integers. */
  words(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}
