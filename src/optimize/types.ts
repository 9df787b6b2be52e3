/**
 * The ask/tell contract shared by every optimizer (SCBO, random search, Sobol search).
 *
 * Conventions (spec scbo.md §1): the optimizer MAXIMISES the objective; constraint values c_j are feasible when
 * c_j <= 0. The study layer negates minimisation objectives before they reach an optimizer.
 */
import type { ParamValue } from '../space/types.js';

/** Why a point was proposed; recorded with every trial so the optimizer state can be rebuilt from the log. */
export type ProposalPhase =
  | 'init' // initial design
  | 'add-init' // extra random point while the initial design is still running (paper's AddInitSCBO)
  | 'restart-init' // random design after a trust-region restart
  | 'scbo' // Thompson-sampled point inside the trust region
  | 'failed-fit' // objective GP could not be fitted: random point instead
  | 'random' // random-search baseline
  | 'sobol'; // Sobol-search baseline

/** Optimizer state at the time a point was proposed. */
export interface ProposalInfo {
  phase: ProposalPhase;
  /** Counts optimizer ask() calls that produced this batch. */
  batchId: number;
  /** Trust-region side length L at proposal time (SCBO only). */
  trustRegionLength?: number;
  successCount?: number;
  failureCount?: number;
  /** Number of trust-region restarts before this proposal. */
  restartCount?: number;
  /** Identifier of the fitted models that produced the point (SCBO only). */
  modelId?: number;
}

/** A point the optimizer wants evaluated. */
export interface Proposal {
  /** Unique, increasing id; results are reported back under it. */
  id: number;
  /** Unit-cube coordinates as proposed. */
  u: Float64Array;
  /** Decoded user-space values. */
  params: Record<string, ParamValue>;
  info: ProposalInfo;
}

/** The outcome of evaluating a proposal. */
export interface Observation {
  /** Id of the proposal this observes (points not proposed by the optimizer may use any unused id). */
  id: number;
  /** Unit-cube coordinates of the evaluated point (the proposal's u). */
  u: Float64Array;
  /**
   * Objective value in the MAXIMISE convention; null when the evaluation failed, or, next to finite constraint
   * values, when the objective was not measured (spec Q15: SCBO then trains only its constraint models on the
   * point and never takes it as the best feasible point; NaN is read the same way).
   */
  objective: number | null;
  /** Constraint values (feasible when all <= 0); empty for unconstrained problems; null when failed. */
  constraints: number[] | null;
}

/** A point still being evaluated, which an optimizer must not propose again. */
export interface PendingPoint {
  id: number;
  u: Float64Array;
}

/** Common interface of all optimizers. Synchronous: callers wanting parallelism run ask() off their event loop. */
export interface Optimizer {
  readonly name: string;
  /** Records finished evaluations (any order, any count). */
  tell(results: Observation[]): void;
  /** Proposes `count` new points, knowing which points are still running. */
  ask(count: number, pending?: PendingPoint[]): Proposal[];
}
