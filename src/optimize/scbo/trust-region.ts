/**
 * SCBO's trust-region state machine (spec scbo.md §5): side length L, success and failure counters, incumbent,
 * restart trigger. Pure and synchronous so that it can be unit-tested on scripted results.
 */

/** How the reference's quirks Q5-Q7 (system.md §9) are treated. */
export type TrustRegionRule =
  /** Positive-part violation, "incumbent infeasible" = any(c > 0), infinite incumbents always improvable. */
  | 'default'
  /** The paper's code: raw constraint sums, all(c > 0), NaN lock-out after a restart. */
  | 'faithful';

export interface TrustRegionSettings {
  lengthInit: number;
  lengthMin: number;
  lengthMax: number;
  successTolerance: number;
  failureTolerance: number;
  rule: TrustRegionRule;
}

/**
 * One evaluated result as the state machine sees it (objective maximised). Failed evaluation: constraints null
 * (and objective null). Unmeasured objective (spec Q15, `validateStopped: skip`): objective null, constraints
 * measured; such a point ranks as an infeasible one (by its violation) and is never the best feasible point.
 */
export interface ScoredResult {
  objective: number | null;
  constraints: readonly number[] | null;
}

/** Feasible with a measured objective: the only points that can be the best feasible point. */
function feasibleMeasured(r: ScoredResult): boolean {
  return r.objective !== null && r.constraints !== null && isFeasible(r.constraints);
}

/** The paper's failure tolerance ⌈max(4/q, d/q)⌉. */
export function defaultFailureTolerance(dimension: number, batchSize: number): number {
  return Math.ceil(Math.max(4 / batchSize, dimension / batchSize));
}

/** Total violation V = Σ max(c_j, 0). */
export function totalViolation(constraints: readonly number[]): number {
  let v = 0;
  for (const c of constraints) if (c > 0) v += c;
  return v;
}

function rawSum(constraints: readonly number[]): number {
  let s = 0;
  for (const c of constraints) s += c;
  return s;
}

/** Feasible iff every constraint is <= 0 (vacuously true without constraints). */
export function isFeasible(constraints: readonly number[]): boolean {
  for (const c of constraints) if (!(c <= 0)) return false;
  return true;
}

/**
 * Order of points used for incumbents and centres (scbo.md §1): feasible beats infeasible; among feasible the
 * larger objective; among infeasible the smaller total violation. A point with an unmeasured objective counts as
 * infeasible (it cannot be compared with feasible points), ranked by its violation; failed points rank last.
 * Returns true when a is strictly better than b.
 */
export function isBetter(a: ScoredResult, b: ScoredResult | null): boolean {
  if (a.constraints === null) return false;
  if (b === null || b.constraints === null) return true;
  const fa = feasibleMeasured(a);
  const fb = feasibleMeasured(b);
  if (fa !== fb) return fa;
  if (fa) return a.objective! > b.objective!;
  return totalViolation(a.constraints) < totalViolation(b.constraints);
}

export class TrustRegion {
  length: number;
  successCount = 0;
  failureCount = 0;
  restartTriggered = false;
  /** Incumbent objective (maximised); -Infinity before any result. */
  best = -Infinity;
  /** Incumbent constraint values; +Infinity each before any result. */
  bestConstraints: number[];

  constructor(
    readonly settings: TrustRegionSettings,
    readonly constraintCount: number,
  ) {
    this.length = settings.lengthInit;
    this.bestConstraints = new Array<number>(constraintCount).fill(Infinity);
  }

  /**
   * One success/failure update from the results received by one optimizer call (scbo.md §5.2).
   * Returns whether the update counted as a success.
   */
  update(results: readonly ScoredResult[]): boolean {
    const success = this.isSuccess(results);
    if (success) {
      this.successCount += 1;
      this.failureCount = 0;
    } else {
      this.failureCount += 1;
      this.successCount = 0;
    }
    if (this.successCount === this.settings.successTolerance) {
      this.length = Math.min(2 * this.length, this.settings.lengthMax);
      this.successCount = 0;
    } else if (this.failureCount === this.settings.failureTolerance) {
      this.length /= 2;
      this.failureCount = 0;
    }
    if (this.length < this.settings.lengthMin) this.restartTriggered = true;
    return success;
  }

  private isSuccess(results: readonly ScoredResult[]): boolean {
    const faithful = this.settings.rule === 'faithful';
    // Unmeasured objectives (constraints only) take part as infeasible points; failed evaluations do not.
    const valid = results.filter((r) => r.constraints !== null) as { objective: number | null; constraints: number[] }[];
    if (valid.length === 0) return false; // only failed evaluations: nothing improved
    const feasible = valid.filter(feasibleMeasured) as { objective: number; constraints: number[] }[];
    if (feasible.length === 0) {
      const score = faithful ? rawSum : totalViolation;
      let star = valid[0];
      for (const r of valid) if (score(r.constraints) < score(star.constraints)) star = r;
      if (score(star.constraints) < score(this.bestConstraints)) {
        this.setIncumbent(star.objective ?? -Infinity, star.constraints);
        return true;
      }
      return false;
    }
    let star = feasible[0];
    for (const r of feasible) if (r.objective > star.objective) star = r;
    const improves = faithful
      ? star.objective > this.best + 1e-3 * Math.abs(this.best) // NaN, so false, while best is -Infinity
      : !Number.isFinite(this.best) || star.objective > this.best + 1e-3 * Math.abs(this.best);
    const incumbentInfeasible = faithful
      ? this.bestConstraints.every((c) => c > 0)
      : this.bestConstraints.some((c) => !(c <= 0));
    if (improves || incumbentInfeasible) {
      this.setIncumbent(star.objective, star.constraints);
      return true;
    }
    return false;
  }

  setIncumbent(objective: number, constraints: readonly number[]): void {
    this.best = objective;
    this.bestConstraints = [...constraints];
  }

  /**
   * Restart: L back to its initial value, counters to zero, restart flag cleared. The default rule clears the
   * incumbent (the optimizer then re-initialises it from all data, Q6); the faithful rule reproduces the
   * reference's reset, which sets the incumbent to -Infinity and multiplies its constraints by +Infinity (zeros
   * become NaN), so no later update from a feasible incumbent can succeed (quirk Q7).
   */
  reset(): void {
    this.length = this.settings.lengthInit;
    this.successCount = 0;
    this.failureCount = 0;
    this.restartTriggered = false;
    this.best = -Infinity;
    this.bestConstraints =
      this.settings.rule === 'faithful'
        ? this.bestConstraints.map((c) => c * Infinity)
        : new Array<number>(this.constraintCount).fill(Infinity);
  }

  /** A plain snapshot for logging and persistence. */
  snapshot(): TrustRegionSnapshot {
    return {
      length: this.length,
      successCount: this.successCount,
      failureCount: this.failureCount,
      best: this.best,
      bestConstraints: [...this.bestConstraints],
    };
  }
}

export interface TrustRegionSnapshot {
  length: number;
  successCount: number;
  failureCount: number;
  best: number;
  bestConstraints: number[];
}
