/**
 * Gradient refinement of Thompson picks. With pathwise sampling every posterior sample is a closed-form smooth
 * function (gp/paths.ts), so the candidate a sample picked among the Sobol points can be moved to a better point
 * of the same sample inside the trust region:
 *
 *  - the pick is feasible in its sample: maximise the sampled objective subject to the sampled constraints ≤ 0,
 *    by bounded L-BFGS (lbfgsb.ts) on a quadratic penalty with increasing weights, then a projection back onto
 *    the sampled feasible set (Gauss–Newton steps on the violated constraints, else bisection towards the
 *    start); kept only if feasible in the sample and better than the start;
 *  - the sample has no feasible candidate: minimise the sampled total violation Σ max(c_j, 0) (the quantity the
 *    selection ranks by, squared); kept only if it lowers the violation.
 *
 * The random candidates find the region of a sample's optimum; the gradient steps reach it, which a finite set of
 * points in d dimensions does not (the nearest of 2000 Sobol points in a 10-D box is a sizeable fraction of the
 * box away).
 */
import { minimize } from '../lbfgsb.js';
import type { PathwiseSamples } from '../gp/paths.js';

export interface RefineProblem {
  /** Objective sample paths (maximised), null when no objective GP exists. */
  objective: PathwiseSamples | null;
  /** Constraint sample paths (feasible when ≤ 0). */
  constraints: PathwiseSamples[];
  /** The box to stay in (the trust region). */
  lower: Float64Array;
  upper: Float64Array;
  /** L-BFGS iterations per stage. */
  iterations: number;
}

/** Result of refining one sample's pick. */
export interface RefineResult {
  x: Float64Array;
  /** True when the point moved and improved the sample's score; x is then a new array. */
  improved: boolean;
  /** Path evaluations used (one per GP and point). */
  evaluations: number;
}

/** Penalty weights of the feasible mode, on the standardised scales, applied in turn (continuation). */
const PENALTY_WEIGHTS = [1e2, 1e4];
const REPAIR_STEPS = 5;
const BISECTIONS = 30;

/** Sampled values of one sample path set at a point, with gradients on request. */
class SampleEvaluator {
  readonly c: Float64Array;
  readonly cGrad: Float64Array[];
  readonly fGrad: Float64Array;
  evaluations = 0;

  constructor(
    readonly problem: RefineProblem,
    readonly s: number,
    d: number,
  ) {
    this.c = new Float64Array(problem.constraints.length);
    this.cGrad = problem.constraints.map(() => new Float64Array(d));
    this.fGrad = new Float64Array(d);
  }

  constraints(x: Float64Array, withGrad: boolean): Float64Array {
    const cs = this.problem.constraints;
    for (let j = 0; j < cs.length; j++) this.c[j] = cs[j].evaluate(this.s, x, withGrad ? this.cGrad[j] : null);
    this.evaluations += cs.length;
    return this.c;
  }

  objective(x: Float64Array, withGrad: boolean): number {
    this.evaluations++;
    return this.problem.objective!.evaluate(this.s, x, withGrad ? this.fGrad : null);
  }
}

/** Σ max(c_j, 0). */
function violationOf(c: Float64Array): number {
  let v = 0;
  for (let j = 0; j < c.length; j++) if (c[j] > 0) v += c[j];
  return v;
}

/** Refines the pick x0 of sample s. Returns x0 itself when nothing better was found. */
export function refinePick(problem: RefineProblem, s: number, x0: Float64Array): RefineResult {
  const ev = new SampleEvaluator(problem, s, x0.length);
  const startViolation = violationOf(ev.constraints(x0, false));
  let x: Float64Array | null;
  if (startViolation > 0) x = leastViolation(ev, x0, startViolation);
  else if (problem.objective !== null) x = maximiseFeasible(ev, x0);
  else x = null;
  return x === null ? { x: x0, improved: false, evaluations: ev.evaluations } : { x, improved: true, evaluations: ev.evaluations };
}

/** Minimises (Σ c_j⁺)² in the box; the end point if it lowers the violation, else null. */
function leastViolation(ev: SampleEvaluator, x0: Float64Array, startViolation: number): Float64Array | null {
  const { lower, upper, iterations } = ev.problem;
  const d = x0.length;
  // Scaled by the starting violation so that L-BFGS sees values of order one.
  const scale = 1 / startViolation;
  const res = minimize(
    (x, g) => {
      const c = ev.constraints(x, true);
      const v = violationOf(c) * scale;
      g.fill(0);
      for (let j = 0; j < c.length; j++) {
        if (!(c[j] > 0)) continue;
        const gj = ev.cGrad[j];
        for (let k = 0; k < d; k++) g[k] += 2 * v * scale * gj[k];
      }
      return v * v;
    },
    x0,
    lower,
    upper,
    { maxIterations: Math.max(1, iterations), gradTolerance: 0, functionTolerance: 0 },
  );
  return violationOf(ev.constraints(res.x, false)) < startViolation ? res.x : null;
}

/** Maximises f subject to c ≤ 0 from a feasible x0; the result if feasible and better than x0, else null. */
function maximiseFeasible(ev: SampleEvaluator, x0: Float64Array): Float64Array | null {
  const { lower, upper, iterations, constraints } = ev.problem;
  const d = x0.length;
  const f0 = ev.objective(x0, false);
  const fScale = ev.problem.objective!.scale;
  let x = x0;
  for (const rho of PENALTY_WEIGHTS) {
    const res = minimize(
      (xx, g) => {
        const f = ev.objective(xx, true);
        const c = ev.constraints(xx, true);
        let psi = -f / fScale;
        for (let k = 0; k < d; k++) g[k] = -ev.fGrad[k] / fScale;
        for (let j = 0; j < c.length; j++) {
          if (!(c[j] > 0)) continue;
          const sj = constraints[j].scale;
          const t = c[j] / sj;
          psi += rho * t * t;
          const a = (2 * rho * t) / sj;
          const gj = ev.cGrad[j];
          for (let k = 0; k < d; k++) g[k] += a * gj[k];
        }
        return psi;
      },
      x,
      lower,
      upper,
      { maxIterations: Math.max(1, iterations), gradTolerance: 0, functionTolerance: 0 },
    );
    x = res.x;
  }
  const p = projectFeasible(ev, x, x0);
  if (p === null) return null;
  return ev.objective(p, false) > f0 ? p : null;
}

/**
 * Moves x onto the sampled feasible set: Gauss–Newton steps x ← x − c_j ∇c_j/‖∇c_j‖² on each violated
 * constraint (clipped to the box), and if that does not make every constraint ≤ 0, bisection on the segment from
 * the feasible start x0. Null when only x0 itself is feasible.
 */
function projectFeasible(ev: SampleEvaluator, x: Float64Array, x0: Float64Array): Float64Array | null {
  const { lower, upper } = ev.problem;
  const d = x.length;
  const p = Float64Array.from(x);
  for (let step = 0; step <= REPAIR_STEPS; step++) {
    const c = ev.constraints(p, step < REPAIR_STEPS);
    if (violationOf(c) === 0) return p;
    if (step === REPAIR_STEPS) break;
    for (let j = 0; j < c.length; j++) {
      if (!(c[j] > 0)) continue;
      const g = ev.cGrad[j];
      let gg = 0;
      for (let k = 0; k < d; k++) gg += g[k] * g[k];
      if (!(gg > 0)) continue;
      const a = (c[j] * (1 + 1e-6)) / gg;
      for (let k = 0; k < d; k++) p[k] = Math.min(upper[k], Math.max(lower[k], p[k] - a * g[k]));
    }
  }
  // Bisection between the feasible start (t = 0) and x (t = 1).
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < BISECTIONS; it++) {
    const t = 0.5 * (lo + hi);
    for (let k = 0; k < d; k++) p[k] = x0[k] + t * (x[k] - x0[k]);
    if (violationOf(ev.constraints(p, false)) === 0) lo = t;
    else hi = t;
  }
  if (lo === 0) return null;
  for (let k = 0; k < d; k++) p[k] = x0[k] + lo * (x[k] - x0[k]);
  return p;
}
