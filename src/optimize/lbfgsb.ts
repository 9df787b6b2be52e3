/**
 * Bound-constrained quasi-Newton minimisation: projected L-BFGS with a two-metric ε-active set
 * (Bertsekas 1982; as in Schmidt's minConf_TMP), not the Cauchy-point/subspace method of Byrd et al.
 *
 * Each iteration:
 *  1. Stop if the projected gradient ‖P(x − ∇f) − x‖_∞ is below `gradTolerance`.
 *  2. Variables within ε of a bound whose gradient pushes them out of the box are "active": they take a
 *     scaled steepest-descent step (which the projection clamps onto the bound). The free variables take
 *     the L-BFGS direction computed with every inner product restricted to the free set.
 *  3. Backtracking along the projection arc x(t) = P(x + t·d), t = 1, … with the Armijo condition
 *     f(x(t)) ≤ f(x) + c₁·∇fᵀ(x(t) − x) and safeguarded quadratic interpolation; non-finite values of f
 *     count as failures and shrink the step.
 *  4. Store the pair (s, y) if sᵀy > ε·yᵀy (else skip it, keeping the inverse Hessian positive definite).
 *  5. Stop if the relative decrease (f_k − f_{k+1})/max(|f_k|, |f_{k+1}|, 1) is below `functionTolerance`
 *     (the `factr` test of L-BFGS-B).
 * Bounds may be infinite. The objective writes its gradient into the array it is given.
 */

/** Objective: returns f(x) and writes ∇f(x) into `grad`. May return a non-finite value to reject x. */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

/** Options of {@link minimize}. */
export interface MinimizeOptions {
  /** Maximum iterations (default 200). */
  maxIterations?: number;
  /** Maximum objective evaluations (default 20 × maxIterations). */
  maxEvaluations?: number;
  /** Converged when ‖P(x − ∇f) − x‖_∞ ≤ this (default 1e-5). */
  gradTolerance?: number;
  /** Converged when the relative decrease of f in one iteration is ≤ this (default 1e-9; 0 disables). */
  functionTolerance?: number;
  /** Number of correction pairs kept (default 10). */
  history?: number;
  /** Alias of `history`. */
  m?: number;
}

/** Outcome of {@link minimize}. */
export interface MinimizeResult {
  /** Best point found (inside the box). */
  x: Float64Array;
  /** f(x). */
  f: number;
  /** Iterations done. */
  iterations: number;
  /** Objective evaluations done. */
  evaluations: number;
  /** True when a convergence test was met (not when a limit or a line-search failure stopped it). */
  converged: boolean;
  /** Why it stopped. */
  message: string;
}

const ARMIJO_C1 = 1e-4;
const MAX_BACKTRACKS = 40;
const ACTIVE_EPSILON = 1e-6;

/** Minimises fg over the box [lower, upper] starting from x0 (projected into the box). */
export function minimize(
  fg: ObjectiveWithGradient,
  x0: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  options: MinimizeOptions = {},
): MinimizeResult {
  const n = x0.length;
  if (lower.length !== n || upper.length !== n) {
    throw new Error(`minimize: bounds have lengths ${lower.length}/${upper.length}, expected ${n}`);
  }
  for (let i = 0; i < n; i++) {
    if (!(lower[i] <= upper[i])) throw new Error(`minimize: lower bound ${lower[i]} exceeds upper bound ${upper[i]} at index ${i}`);
  }
  const maxIterations = options.maxIterations ?? 200;
  const maxEvaluations = options.maxEvaluations ?? 20 * Math.max(1, maxIterations);
  const gradTolerance = options.gradTolerance ?? 1e-5;
  const functionTolerance = options.functionTolerance ?? 1e-9;
  const mem = Math.max(1, options.history ?? options.m ?? 10);

  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = clamp(x0[i], lower[i], upper[i]);
  const g = new Float64Array(n);
  let evaluations = 1;
  let f = fg(x, g);
  const result = (iterations: number, converged: boolean, message: string): MinimizeResult => ({
    x,
    f,
    iterations,
    evaluations,
    converged,
    message,
  });
  if (!Number.isFinite(f)) return result(0, false, 'objective is not finite at the starting point');
  if (!allFinite(g)) return result(0, false, 'gradient is not finite at the starting point');

  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  for (let k = 0; k < mem; k++) {
    sHist.push(new Float64Array(n));
    yHist.push(new Float64Array(n));
  }
  const rho = new Float64Array(mem);
  const coef = new Float64Array(mem);
  let stored = 0; // number of valid pairs
  let newest = -1; // ring index of the newest pair

  const free = new Uint8Array(n);
  const dir = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);

  for (let iter = 0; iter < maxIterations; iter++) {
    const pgNorm = projectedGradientNorm(x, g, lower, upper);
    if (pgNorm <= gradTolerance) return result(iter, true, 'projected gradient below tolerance');

    const eps = Math.min(ACTIVE_EPSILON, pgNorm);
    for (let i = 0; i < n; i++) {
      const atLower = x[i] - lower[i] <= eps && g[i] > 0;
      const atUpper = upper[i] - x[i] <= eps && g[i] < 0;
      free[i] = atLower || atUpper ? 0 : 1;
    }

    // Two-loop recursion on the free subspace; q ends as H·g restricted to it.
    for (let i = 0; i < n; i++) dir[i] = free[i] ? g[i] : 0;
    let gamma = 0;
    for (let c = 0, idx = newest; c < stored; c++, idx = (idx - 1 + mem) % mem) {
      const sy = maskedDot(sHist[idx], yHist[idx], free, n);
      if (!(sy > 0)) {
        rho[idx] = 0;
        continue;
      }
      const yy = maskedDot(yHist[idx], yHist[idx], free, n);
      if (gamma === 0 && yy > 0) gamma = sy / yy;
      rho[idx] = 1 / sy;
      const a = rho[idx] * maskedDot(sHist[idx], dir, free, n);
      coef[idx] = a;
      const y = yHist[idx];
      for (let i = 0; i < n; i++) if (free[i]) dir[i] -= a * y[i];
    }
    if (gamma === 0) gamma = 1 / Math.max(norm2(g), 1e-12); // first step: unit length
    for (let i = 0; i < n; i++) dir[i] *= gamma;
    for (let c = 0, idx = (newest - stored + 1 + mem) % mem; c < stored; c++, idx = (idx + 1) % mem) {
      if (rho[idx] === 0) continue;
      const b = rho[idx] * maskedDot(yHist[idx], dir, free, n);
      const s = sHist[idx];
      const a = coef[idx] - b;
      for (let i = 0; i < n; i++) if (free[i]) dir[i] += a * s[i];
    }
    let slope = 0;
    for (let i = 0; i < n; i++) {
      dir[i] = free[i] ? -dir[i] : -gamma * g[i];
      slope += g[i] * dir[i];
    }
    if (!(slope < 0)) {
      // Stale curvature made the direction uphill: restart from steepest descent.
      stored = 0;
      gamma = 1 / Math.max(norm2(g), 1e-12);
      for (let i = 0; i < n; i++) dir[i] = -gamma * g[i];
    }

    // Backtracking along the projection arc.
    let t = 1;
    let ft = NaN;
    let accepted = false;
    for (let bt = 0; bt < MAX_BACKTRACKS; bt++) {
      if (evaluations >= maxEvaluations) return result(iter, false, 'maximum number of evaluations reached');
      let moved = false;
      let decrease = 0; // ∇fᵀ(x(t) − x), negative along a descent arc
      for (let i = 0; i < n; i++) {
        const v = clamp(x[i] + t * dir[i], lower[i], upper[i]);
        xt[i] = v;
        if (v !== x[i]) moved = true;
        decrease += g[i] * (v - x[i]);
      }
      if (!moved) break;
      evaluations++;
      ft = fg(xt, gt);
      if (Number.isFinite(ft) && allFinite(gt) && ft <= f + ARMIJO_C1 * decrease) {
        accepted = true;
        break;
      }
      if (Number.isFinite(ft) && decrease < 0) {
        // Minimiser of the quadratic through f(0), its slope and f(t), kept within [0.1t, 0.5t].
        const tq = (-decrease * t) / (2 * (ft - f - decrease));
        t = Math.min(0.5 * t, Math.max(0.1 * t, tq));
      } else {
        t *= 0.25;
      }
    }
    if (!accepted) {
      return result(iter, false, 'line search could not decrease the objective');
    }

    // Curvature pair.
    const slot = (newest + 1) % mem;
    const s = sHist[slot];
    const y = yHist[slot];
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xt[i] - x[i];
      y[i] = gt[i] - g[i];
      sy += s[i] * y[i];
      yy += y[i] * y[i];
    }
    if (sy > 2.2e-16 * yy) {
      newest = slot;
      stored = Math.min(stored + 1, mem);
    }

    const fPrev = f;
    x.set(xt);
    g.set(gt);
    f = ft;
    if (functionTolerance > 0 && fPrev - f <= functionTolerance * Math.max(Math.abs(fPrev), Math.abs(f), 1)) {
      return result(iter + 1, true, 'relative decrease of the objective below tolerance');
    }
  }
  const pgNorm = projectedGradientNorm(x, g, lower, upper);
  if (pgNorm <= gradTolerance) return result(maxIterations, true, 'projected gradient below tolerance');
  return result(maxIterations, false, 'maximum number of iterations reached');
}

/** ‖P(x − g) − x‖_∞, zero exactly at a first-order (KKT) point of the box problem. */
export function projectedGradientNorm(x: Float64Array, g: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(clamp(x[i] - g[i], lower[i], upper[i]) - x[i]);
    if (v > m) m = v;
  }
  return m;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function maskedDot(a: Float64Array, b: Float64Array, mask: Uint8Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) if (mask[i]) s += a[i] * b[i];
  return s;
}

function norm2(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
