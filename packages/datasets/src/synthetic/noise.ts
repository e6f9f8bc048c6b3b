/**
 * Seeded lattice noise in pure integer-and-float arithmetic (no Math.random, no
 * engine-dependent functions), so every platform renders the same bytes.
 */

/** A 32-bit hash of a lattice point and a seed, as a float in [0, 1). */
export function hash2(ix: number, iy: number, seed: number): number {
  let h =
    Math.imul(ix | 0, 0x27d4eb2d) ^ Math.imul(iy | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Value noise in [0, 1) at (x, y), smoothly interpolated between lattice points. */
export function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = smooth(x - ix);
  const fy = smooth(y - iy);
  const a = hash2(ix, iy, seed);
  const b = hash2(ix + 1, iy, seed);
  const c = hash2(ix, iy + 1, seed);
  const d = hash2(ix + 1, iy + 1, seed);
  return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
}

/** Fractal (fBm) value noise in [0, 1): `octaves` layers, each twice the frequency, `gain` the amplitude. */
export function fbm(x: number, y: number, seed: number, octaves = 4, gain = 0.5): number {
  let sum = 0;
  let amplitude = 1;
  let total = 0;
  let frequency = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amplitude * valueNoise(x * frequency, y * frequency, seed + o * 1013);
    total += amplitude;
    amplitude *= gain;
    frequency *= 2;
  }
  return sum / total;
}

/** One-dimensional fBm in [0, 1) (terrain profiles). */
export function fbm1(x: number, seed: number, octaves = 5, gain = 0.5): number {
  return fbm(x, 0.5, seed, octaves, gain);
}

/**
 * fBm value noise over a whole width x height grid, in [0, 1). Each octave hashes its
 * lattice once and interpolates, which is several times cheaper than `fbm` per pixel.
 * `cells` is the lattice period of the first octave, in pixels.
 */
export function noiseField(
  width: number,
  height: number,
  seed: number,
  cells: number,
  octaves = 3,
  gain = 0.5,
): Float32Array {
  const out = new Float32Array(width * height);
  let amplitude = 1;
  let total = 0;
  let period = Math.max(1, cells);
  for (let o = 0; o < octaves; o++) {
    const gw = Math.ceil(width / period) + 2;
    const gh = Math.ceil(height / period) + 2;
    const lattice = new Float32Array(gw * gh);
    for (let j = 0; j < gh; j++)
      for (let i = 0; i < gw; i++) lattice[j * gw + i] = hash2(i, j, seed + o * 1013);
    const inv = 1 / period;
    for (let y = 0; y < height; y++) {
      const fy0 = (y + 0.5) * inv;
      const iy = Math.floor(fy0);
      const fy = smooth(fy0 - iy);
      const row0 = iy * gw;
      const row1 = row0 + gw;
      for (let x = 0; x < width; x++) {
        const fx0 = (x + 0.5) * inv;
        const ix = Math.floor(fx0);
        const fx = smooth(fx0 - ix);
        const a = lattice[row0 + ix]!;
        const b = lattice[row0 + ix + 1]!;
        const c = lattice[row1 + ix]!;
        const d = lattice[row1 + ix + 1]!;
        out[y * width + x]! +=
          amplitude * (a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy);
      }
    }
    total += amplitude;
    amplitude *= gain;
    period = Math.max(1, period / 2);
  }
  for (let i = 0; i < out.length; i++) out[i]! /= total;
  return out;
}
