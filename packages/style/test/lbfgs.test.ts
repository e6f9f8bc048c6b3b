import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adam } from '../src/optim/adam.js';
import { lbfgs } from '../src/optim/lbfgs.js';
import type { Evaluation } from '../src/optim/objective.js';
import { cubicInterpolate } from '../src/optim/strong-wolfe.js';

interface TorchCase {
  dim: number;
  x0: number[];
  lineSearch: 'strong-wolfe' | 'none';
  history: number;
  lr: number;
  iterations: number;
  x: number[][];
  loss: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/lbfgs.json', import.meta.url), 'utf8'),
) as { cases: (Omit<TorchCase, 'lineSearch'> & { lineSearch: string })[] };
const cases: TorchCase[] = fixture.cases.map((c) => ({
  ...c,
  lineSearch: c.lineSearch === 'strong_wolfe' ? 'strong-wolfe' : 'none',
}));

/** The chained Rosenbrock function Σ 100 (x_{i+1} - x_i²)² + (1 - x_i)², minimum 0 at 1. */
function rosenbrock(x: Float32Array): Evaluation {
  let loss = 0;
  const grad = new Float32Array(x.length);
  const g = new Float64Array(x.length);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const r = b - a * a;
    loss += 100 * r * r + (1 - a) ** 2;
    g[i]! += -400 * r * a - 2 * (1 - a);
    g[i + 1]! += 200 * r;
  }
  grad.set(g);
  return { loss, grad };
}

describe('L-BFGS', () => {
  it('reaches the Rosenbrock minimum (1, 1) from (-1.2, 1) with the strong-Wolfe search', async () => {
    let calls = 0;
    const r = await lbfgs(
      (x) => {
        calls++;
        return rosenbrock(x);
      },
      Float32Array.from([-1.2, 1]),
      { maxIterations: 100, maxEvaluations: 1000 },
    );
    expect(Math.abs(r.x[0]! - 1)).toBeLessThan(1e-4);
    expect(Math.abs(r.x[1]! - 1)).toBeLessThan(1e-4);
    expect(r.loss).toBeLessThan(1e-8);
    expect(r.evaluations).toBe(calls);
    // Newton-like convergence: torch needs ~35 iterations; steepest descent would need thousands.
    expect(r.iterations).toBeLessThan(60);
  });

  it('reaches the 10-D Rosenbrock minimum with a short history (5 pairs)', async () => {
    const x0 = Float32Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = await lbfgs(rosenbrock, x0, { maxIterations: 300, maxEvaluations: 3000, history: 5 });
    for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(1e-3);
    expect(r.loss).toBeLessThan(1e-6);
  });

  for (const c of cases) {
    const steps = c.lineSearch === 'none' ? c.iterations : 12;
    it(`follows torch.optim.LBFGS's iterates (${c.dim}-D, ${c.lineSearch}, history ${c.history}) for ${steps} iterations`, async () => {
      const seen: number[][] = [];
      const losses: number[] = [];
      await lbfgs(rosenbrock, Float32Array.from(c.x0), {
        maxIterations: steps,
        maxEvaluations: 10_000,
        history: c.history,
        lineSearch: c.lineSearch,
        learningRate: c.lr,
        toleranceGrad: 0,
        toleranceChange: 0,
        onIteration: ({ x }) => {
          seen.push([...x]);
          losses.push(rosenbrock(x).loss);
        },
      });
      expect(seen.length).toBe(steps);
      for (let k = 0; k < steps; k++) {
        // float32 iterates against torch's float64 ones: close early, not bit-equal.
        const tol = 1e-4 * (1 + k);
        for (let i = 0; i < c.dim; i++)
          expect(Math.abs(seen[k]![i]! - c.x[k]![i]!)).toBeLessThan(tol);
        expect(Math.abs(losses[k]! - c.loss[k]!)).toBeLessThan(tol * (1 + Math.abs(c.loss[k]!)));
      }
    });
  }

  it('stops when the callback returns false, and leaves x0 untouched', async () => {
    const x0 = Float32Array.from([-1.2, 1]);
    const r = await lbfgs(rosenbrock, x0, {
      maxIterations: 50,
      onIteration: ({ iteration }) => iteration < 3,
    });
    expect(r.iterations).toBe(3);
    expect(r.reason).toBe('stopped');
    expect([...x0]).toEqual([Math.fround(-1.2), 1]);
  });

  it('stops at once at a stationary point', async () => {
    const r = await lbfgs(rosenbrock, Float32Array.from([1, 1]));
    expect(r.iterations).toBe(0);
    expect(r.reason).toBe('gradient-tolerance');
  });

  it('rejects a gradient of the wrong length and bad options', async () => {
    await expect(
      lbfgs(() => ({ loss: 0, grad: new Float32Array(3) }), new Float32Array(2)),
    ).rejects.toThrow(/grad as a Float32Array of length 2/);
    await expect(lbfgs(rosenbrock, new Float32Array(2), { history: 0 })).rejects.toThrow(
      /history must be an integer >= 1/,
    );
    await expect(
      lbfgs(rosenbrock, new Float32Array(2), { lineSearch: 'armijo' as 'none' }),
    ).rejects.toThrow(/lineSearch must be one of 'strong-wolfe', 'none'/);
  });
});

describe('cubic interpolation', () => {
  it('finds the minimiser of a cubic exactly from two points and slopes', () => {
    // f(t) = (t - 1)³/3... use f(t) = t³ - 3t (min at 1 on [0, 3]).
    const f = (t: number) => t ** 3 - 3 * t;
    const g = (t: number) => 3 * t * t - 3;
    expect(cubicInterpolate(0, f(0), g(0), 3, f(3), g(3))).toBeCloseTo(1, 12);
    expect(cubicInterpolate(3, f(3), g(3), 0.5, f(0.5), g(0.5))).toBeCloseTo(1, 12);
    // A quadratic is a cubic too: minimum of (t - 2)² at 2.
    expect(cubicInterpolate(0, 4, -4, 5, 9, 6)).toBeCloseTo(2, 12);
    // Clamped to the bounds.
    expect(cubicInterpolate(0, f(0), g(0), 3, f(3), g(3), [1.5, 2])).toBe(1.5);
  });
});

describe('Adam', () => {
  it('takes the closed-form first step -lr·sign(g) and minimises a quadratic', async () => {
    const target = Float32Array.from([3, -2, 0.5]);
    const quadratic = (x: Float32Array): Evaluation => {
      const grad = new Float32Array(3);
      let loss = 0;
      for (let i = 0; i < 3; i++) {
        const d = x[i]! - target[i]!;
        loss += d * d;
        grad[i] = 2 * d;
      }
      return { loss, grad };
    };
    const first: number[][] = [];
    const r = await adam(quadratic, new Float32Array(3), {
      maxIterations: 2000,
      learningRate: 0.05,
      onIteration: ({ iteration, x }) => {
        if (iteration === 1) first.push([...x]);
      },
    });
    // m̂ = g, v̂ = g² after one step: x1 = x0 - lr · g / (|g| + ε).
    expect(first[0]![0]).toBeCloseTo(0.05, 6);
    expect(first[0]![1]).toBeCloseTo(-0.05, 6);
    for (let i = 0; i < 3; i++) expect(Math.abs(r.x[i]! - target[i]!)).toBeLessThan(1e-3);
  });
});
