/**
 * Matching one channel's distribution to another's, for luminance-only transfer:
 * - 'meanvar': L' = σ_t / σ_s (L - μ_s) + μ_t, the linear map of Gatys et al. (CVPR
 *   2017, 5.1) that gives the style luminance the content's mean and variance;
 * - 'histogram': exact histogram matching: each value goes to the target's value at
 *   the same rank (quantile), interpolating between the target's sorted values.
 */
export const LUMINANCE_MATCH_MODES = ['meanvar', 'histogram'] as const;
export type LuminanceMatchMode = (typeof LUMINANCE_MATCH_MODES)[number];

export function matchChannel(
  source: Float32Array,
  target: Float32Array,
  mode: LuminanceMatchMode,
): Float32Array {
  const out = new Float32Array(source.length);
  if (mode === 'meanvar') {
    const s = moments(source);
    const t = moments(target);
    const k = s.std > 0 ? t.std / s.std : 0;
    for (let i = 0; i < source.length; i++) out[i] = (source[i]! - s.mean) * k + t.mean;
    return out;
  }
  const sortedTarget = Float32Array.from(target).sort();
  const order = Array.from(source.keys()).sort((a, b) => source[a]! - source[b]!);
  const n = source.length;
  const m = sortedTarget.length;
  // Ties share a rank: a run of equal source values maps to its middle quantile.
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && source[order[j + 1]!] === source[order[i]!]) j++;
    const quantile = n === 1 ? 0.5 : (i + j) / 2 / (n - 1);
    const pos = quantile * (m - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(m - 1, lo + 1);
    const value = sortedTarget[lo]! + (sortedTarget[hi]! - sortedTarget[lo]!) * (pos - lo);
    for (let k = i; k <= j; k++) out[order[k]!] = value;
    i = j + 1;
  }
  return out;
}

function moments(x: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / x.length) };
}
