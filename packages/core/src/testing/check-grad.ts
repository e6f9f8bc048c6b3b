import { ArgumentError } from '../errors.js';
import { tf } from '../tfjs.js';

export interface CheckGradOptions {
  /** 1 checks the gradient; 2 checks the gradient of (a random projection of) the gradient. */
  order?: 1 | 2;
  /** Finite-difference step, relative to max(1, |x|); float32 favours about 1e-2 here. */
  step?: number;
  /** Accepted error: |analytic - numeric| <= atol + rtol * |numeric|, element-wise. */
  atol?: number;
  rtol?: number;
  /** At most this many coordinates per input are checked (chosen deterministically). */
  maxPoints?: number;
  seed?: number;
}

export interface GradCheckResult {
  ok: boolean;
  /** The largest error found, relative to the tolerance (<= 1 passes). */
  worst: number;
  failures: { input: number; index: number; analytic: number; numeric: number }[];
}

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fixed random weighting that turns any output into a scalar loss, sum(w * f(x)). */
function projector(shape: number[], seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const rand = mulberry32(seed);
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = rand() * 2 - 1;
  return w;
}

async function scalarValue(t: tf.Tensor): Promise<number> {
  const data = await t.data();
  return data[0]!;
}

/**
 * Checks the gradient of `f` at `inputs` against central finite differences.
 *
 * The test loss is linear in f's output (a fixed random projection), so its own second
 * derivative adds nothing. Differences are taken in float32 (the backend's precision)
 * but accumulated in doubles. At order 2 the function checked is
 * g(x) = sum(v * dL/dx0) for a fixed random v: its gradient needs the second
 * derivatives of every op, which is what gradient penalties use.
 */
export async function checkGrad(
  f: Fn,
  inputs: tf.Tensor[],
  options: CheckGradOptions = {},
): Promise<GradCheckResult> {
  const order = options.order ?? 1;
  if (order !== 1 && order !== 2) {
    throw new ArgumentError(`checkGrad: order must be 1 or 2, got ${String(order)}`);
  }
  if (inputs.length === 0) throw new ArgumentError('checkGrad: expected at least one input');
  const step = options.step ?? 1e-2;
  const atol = options.atol ?? 2e-3;
  const rtol = options.rtol ?? 2e-2;
  const maxPoints = options.maxPoints ?? 24;
  const seed = options.seed ?? 1;

  const outShape = tf.tidy(() => f(...inputs).shape);
  const w = projector(outShape, seed);
  const loss1 = (...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), tf.tensor(w, outShape)));
  let loss: (...xs: tf.Tensor[]) => tf.Scalar = loss1 as (...xs: tf.Tensor[]) => tf.Scalar;
  if (order === 2) {
    const v = projector(inputs[0]!.shape, seed + 7);
    loss = (...xs: tf.Tensor[]) => {
      const g0 = tf.grads((...ys: tf.Tensor[]) => loss1(...ys))(xs)[0]!;
      return tf.sum(tf.mul(g0, tf.tensor(v, xs[0]!.shape))) as tf.Scalar;
    };
  }

  const analytic = tf.tidy(() => tf.grads((...xs: tf.Tensor[]) => loss(...xs))(inputs));
  const analyticData = await Promise.all(analytic.map((g) => g.data()));
  tf.dispose(analytic);

  const result: GradCheckResult = { ok: true, worst: 0, failures: [] };
  for (let k = 0; k < inputs.length; k++) {
    const x = inputs[k]!;
    const base = Float32Array.from(await x.data());
    const n = base.length;
    const rand = mulberry32(seed * 31 + k);
    const indices =
      n <= maxPoints
        ? [...Array(n).keys()]
        : Array.from({ length: maxPoints }, () => Math.floor(rand() * n));
    for (const i of indices) {
      const h = step * Math.max(1, Math.abs(base[i]!));
      const evalAt = async (delta: number): Promise<number> => {
        const moved = base.slice();
        moved[i] = base[i]! + delta;
        const xi = tf.tensor(moved, x.shape, x.dtype);
        const args = inputs.map((t, j) => (j === k ? xi : t));
        const value = tf.tidy(() => loss(...args));
        const out = await scalarValue(value);
        tf.dispose([xi, value]);
        return out;
      };
      // Actual step after float32 rounding, so the quotient uses the true distance.
      const hp = Math.fround(base[i]! + h) - base[i]!;
      const hm = base[i]! - Math.fround(base[i]! - h);
      const numeric = ((await evalAt(hp)) - (await evalAt(-hm))) / (hp + hm);
      const a = analyticData[k]![i]!;
      const err = Math.abs(a - numeric) / (atol + rtol * Math.abs(numeric));
      if (!(err <= 1)) {
        result.ok = false;
        result.failures.push({ input: k, index: i, analytic: a, numeric });
      }
      if (!(err <= result.worst)) result.worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
    }
  }
  return result;
}
