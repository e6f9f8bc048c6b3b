/**
 * The 1-D interpolation of tfjs's image resizes as dense matrices, following its kernels'
 * arithmetic exactly: entry [o, i] is the weight of input row (or column) i in output o.
 * A 2-D resize is one such matrix per axis, applied to rows and to columns.
 */
export type ResizeKind = 'nearest' | 'bilinear';

export function resizeMatrix(
  kind: ResizeKind,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float32Array {
  const effectiveIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effectiveOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effectiveIn / effectiveOut;
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    if (kind === 'nearest') {
      const source = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
      let nearest = Math.min(inSize - 1, alignCorners ? Math.round(source) : Math.floor(source));
      if (halfPixelCenters) nearest = Math.max(0, nearest);
      m[o * inSize + nearest] = 1;
    } else {
      const source = halfPixelCenters ? ratio * (o + 0.5) - 0.5 : ratio * o;
      const low = Math.max(0, Math.floor(source));
      const high = Math.min(inSize - 1, Math.ceil(source));
      const frac = source - low;
      m[o * inSize + low]! += 1 - frac;
      m[o * inSize + high]! += frac;
    }
  }
  return m;
}

/** True when two matrices have the same entries (float32 storage). */
export function sameMatrix(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
