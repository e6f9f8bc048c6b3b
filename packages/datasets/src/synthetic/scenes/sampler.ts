/**
 * The renderer's random numbers: a small PCG-style generator per pixel and stream, so a
 * pixel's samples depend only on (scene seed, pixel, stream), never on the order pixels
 * are rendered in. Rng (xoshiro128**, 53-bit floats) would do, but costs several times
 * more per number, and a 64² reference draws a few million of them.
 */

/** A 32-bit integer hash (Jarkko Kiuru's triple32 constants), for seeding. */
export function hash32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 17;
  h = Math.imul(h, 0xed5ad4bb);
  h ^= h >>> 11;
  h = Math.imul(h, 0xac4c1b51);
  h ^= h >>> 15;
  h = Math.imul(h, 0x31848bab);
  h ^= h >>> 14;
  return h >>> 0;
}

export class Sampler {
  private state = 0;

  /** Restarts the stream for one pixel of one estimate (stream 0: reference, 1: noisy). */
  reset(seed: number, pixel: number, stream: number): this {
    this.state = hash32(hash32(hash32(seed) ^ pixel) + stream * 0x9e3779b9);
    return this;
  }

  /** A uniform number in [0, 1), 32 random bits (PCG-RXS-M-XS output of an LCG step). */
  next(): number {
    this.state = (Math.imul(this.state, 747796405) + 2891336453) >>> 0;
    const s = this.state;
    let w = Math.imul((s >>> ((s >>> 28) + 4)) ^ s, 277803737);
    w = (w >>> 22) ^ w;
    return (w >>> 0) / 4294967296;
  }
}
