import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minimize, projectedGradientNorm } from '../../src/optimize/lbfgsb.js';

/** Generalised Rosenbrock: Σ 100(x_{i+1} − x_i²)² + (1 − x_i)². */
function rosenbrock(x: Float64Array, g: Float64Array): number {
  const n = x.length;
  let f = 0;
  g.fill(0);
  for (let i = 0; i + 1 < n; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * a * x[i] - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
}

const inf = (n: number, v: number) => new Float64Array(n).fill(v);

describe('minimize (projected L-BFGS)', () => {
  it('finds the Rosenbrock minimum (2-D, unbounded)', () => {
    const r = minimize(rosenbrock, Float64Array.of(-1.2, 1), inf(2, -Infinity), inf(2, Infinity), {
      maxIterations: 500,
      gradTolerance: 1e-8,
      functionTolerance: 0,
    });
    assert.ok(r.converged, r.message);
    assert.ok(Math.abs(r.x[0] - 1) < 1e-6 && Math.abs(r.x[1] - 1) < 1e-6, `x = ${Array.from(r.x)}`);
    assert.ok(r.f < 1e-12, 'r.f < 1e-12');
    assert.ok(r.iterations < 100, `took ${r.iterations} iterations`);
  });

  it('finds the Rosenbrock minimum (10-D, unbounded)', () => {
    const x0 = new Float64Array(10).map((_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = minimize(rosenbrock, x0, inf(10, -Infinity), inf(10, Infinity), { maxIterations: 1000, gradTolerance: 1e-7, functionTolerance: 0 });
    assert.ok(r.converged, r.message);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(r.x[i] - 1) < 1e-5, `x[${i}] = ${r.x[i]}`);
  });

  it('stops on an active bound of Rosenbrock at (0.5, 0.25)', () => {
    // With x0 ≤ 0.5 the best x1 is x0², and (1 − x0)² then decreases up to the bound.
    const r = minimize(rosenbrock, Float64Array.of(-1.2, 1), Float64Array.of(-2, -2), Float64Array.of(0.5, 2), {
      maxIterations: 500,
      gradTolerance: 1e-9,
      functionTolerance: 0,
    });
    assert.ok(r.converged, r.message);
    assert.equal(r.x[0], 0.5);
    assert.ok(Math.abs(r.x[1] - 0.25) < 1e-7, `x1 = ${r.x[1]}`);
    const g = new Float64Array(2);
    rosenbrock(r.x, g);
    assert.ok(g[0] < 0, 'gradient pushes against the upper bound');
  });

  it('solves a bound-constrained quadratic (checked against active-set enumeration)', () => {
    // f = ½xᵀAx − bᵀx, A SPD, chosen so that several bounds are active at the optimum.
    const n = 4;
    const A = [
      [4, 1, 0.5, 0],
      [1, 3, 0, 0.3],
      [0.5, 0, 2, 0.4],
      [0, 0.3, 0.4, 1.5],
    ];
    const b = [8, -6, 1, 3];
    const lo = Float64Array.of(-1, -1, -1, -1);
    const hi = Float64Array.of(1, 1, 1, 1);
    const fg = (x: Float64Array, g: Float64Array): number => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A[i][j] * x[j];
        g[i] = s - b[i];
        f += 0.5 * x[i] * s - b[i] * x[i];
      }
      return f;
    };
    const expected = bruteForceBoxQp(A, b, lo, hi);
    const r = minimize(fg, new Float64Array(n), lo, hi, { gradTolerance: 1e-10, functionTolerance: 0 });
    assert.ok(r.converged, r.message);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(r.x[i] - expected[i]) < 1e-8, `x[${i}] = ${r.x[i]} vs ${expected[i]}`);
    // Both x0 = 1 (upper) and x1 = −1 (lower) must be active for this data.
    assert.equal(r.x[0], 1);
    assert.equal(r.x[1], -1);
    const g = new Float64Array(n);
    fg(r.x, g);
    assert.ok(projectedGradientNorm(r.x, g, lo, hi) < 1e-9, 'projectedGradientNorm(r.x, g, lo, hi) < 1e-9');
  });

  it('projects an infeasible start into the box and never leaves it', () => {
    const lo = Float64Array.of(0, 0);
    const hi = Float64Array.of(3, 3);
    const seen: number[][] = [];
    const fg = (x: Float64Array, g: Float64Array): number => {
      seen.push(Array.from(x));
      g[0] = 2 * (x[0] + 1);
      g[1] = 2 * (x[1] - 2);
      return (x[0] + 1) ** 2 + (x[1] - 2) ** 2;
    };
    const r = minimize(fg, Float64Array.of(10, -5), lo, hi);
    assert.ok(r.converged, r.message);
    assert.equal(r.x[0], 0);
    assert.ok(Math.abs(r.x[1] - 2) < 1e-6, 'Math.abs(r.x[1] - 2) < 1e-6');
    for (const p of seen) assert.ok(p[0] >= 0 && p[0] <= 3 && p[1] >= 0 && p[1] <= 3, 'p[0] >= 0 && p[0] <= 3 && p[1] >= 0 && p[1] <= 3');
  });

  it('backs off from points where the objective is not finite', () => {
    // log barrier-like objective, undefined for x ≤ 0; minimum at x = 1.
    const fg = (x: Float64Array, g: Float64Array): number => {
      if (x[0] <= 0) return NaN;
      g[0] = 1 - 1 / x[0];
      return x[0] - Math.log(x[0]);
    };
    const r = minimize(fg, Float64Array.of(20), inf(1, -Infinity), inf(1, Infinity), { gradTolerance: 1e-9, functionTolerance: 0 });
    assert.ok(r.converged, r.message);
    assert.ok(Math.abs(r.x[0] - 1) < 1e-6, 'Math.abs(r.x[0] - 1) < 1e-6');
  });

  it('reports a non-finite start and hitting the iteration limit', () => {
    const bad = minimize(() => NaN, Float64Array.of(0), inf(1, -1), inf(1, 1));
    assert.equal(bad.converged, false);
    assert.match(bad.message, /not finite/);
    const r = minimize(rosenbrock, Float64Array.of(-1.2, 1), inf(2, -Infinity), inf(2, Infinity), { maxIterations: 3, functionTolerance: 0 });
    assert.equal(r.converged, false);
    assert.equal(r.iterations, 3);
    assert.match(r.message, /maximum number of iterations/);
  });

  it('rejects inconsistent bounds', () => {
    assert.throws(() => minimize(rosenbrock, Float64Array.of(0, 0), Float64Array.of(1, 0), Float64Array.of(0, 1)), /lower bound 1 exceeds upper bound 0/);
  });
});

/** Minimiser of a strictly convex box QP by enumerating every active pattern (lower/upper/free). */
function bruteForceBoxQp(A: number[][], b: number[], lo: Float64Array, hi: Float64Array): number[] {
  const n = b.length;
  let best: number[] = [];
  let bestF = Infinity;
  for (let code = 0; code < 3 ** n; code++) {
    const state: number[] = [];
    for (let i = 0, c = code; i < n; i++, c = Math.floor(c / 3)) state.push(c % 3); // 0 free, 1 lower, 2 upper
    const x = state.map((s, i) => (s === 1 ? lo[i] : s === 2 ? hi[i] : 0));
    const freeIdx = state.flatMap((s, i) => (s === 0 ? [i] : []));
    // Solve A_FF x_F = b_F − A_FB x_B by Gaussian elimination.
    const m = freeIdx.length;
    const M = freeIdx.map((i) => freeIdx.map((j) => A[i][j]));
    const r = freeIdx.map((i) => b[i] - state.reduce((acc, s, j) => (s === 0 ? acc : acc + A[i][j] * x[j]), 0));
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const f = M[q][p] / M[p][p];
        for (let k = p; k < m; k++) M[q][k] -= f * M[p][k];
        r[q] -= f * r[p];
      }
    }
    for (let p = m - 1; p >= 0; p--) {
      let s = r[p];
      for (let k = p + 1; k < m; k++) s -= M[p][k] * x[freeIdx[k]];
      x[freeIdx[p]] = s / M[p][p];
    }
    if (x.some((v, i) => v < lo[i] - 1e-12 || v > hi[i] + 1e-12)) continue;
    let f = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i][j] * x[j];
      f += 0.5 * x[i] * s - b[i] * x[i];
    }
    if (f < bestF) {
      bestF = f;
      best = x;
    }
  }
  return best;
}
