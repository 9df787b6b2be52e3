/**
 * Public types of the GP surrogates (spec scbo.md §4). Kept apart from the class so the fitting and sampling
 * modules can share them without importing each other.
 */
import type { Rng } from '../../util/rng.js';
import type { OutputTransform } from './transforms.js';

export type { OutputTransform } from './transforms.js';

/** GP hyperparameters, all in the standardised output space. */
export interface GpHyperparameters {
  /** ARD lengthscales ℓ_k, one per input dimension (unit-cube inputs). */
  lengthscales: Float64Array;
  /** Signal variance σ_f². */
  outputscale: number;
  /** Observation noise variance σ_n². */
  noise: number;
  /** Constant prior mean μ. */
  mean: number;
}

/** Options of {@link GaussianProcess.fit}. */
export interface GpFitOptions {
  /** Box for every lengthscale (default [0.005, 4], the paper's). */
  lengthscaleBounds?: [number, number];
  /** Box for the noise variance on standardised outputs (default [1e-8, 1e-3]). */
  noiseBounds?: [number, number];
  /**
   * Box for the outputscale σ_f² (default [0.01, 100]). The reference leaves it free (softplus); with
   * standardised outputs the fitted value is O(1), and the box only stops degenerate runs (σ_f² → 0 on
   * near-constant data, σ_f² → ∞ with ℓ at its upper bound) from wandering off.
   */
  outputscaleBounds?: [number, number];
  /** Output transform applied before Standardize (default 'none'). */
  transform?: OutputTransform;
  /** A previous fit of the same GP: used as an extra start. */
  warmStart?: GpHyperparameters;
  /** L-BFGS iterations per start (default 200). */
  maxIterations?: number;
  /** Extra random starts (GPyTorch-style raw values drawn N(0, 1)); default 0. Needs `rng`. */
  randomStarts?: number;
  /** Source of the random starts. */
  rng?: Rng;
}

/** What a fit did. */
export interface GpFitInfo {
  /** Exact log marginal likelihood of the standardised outputs at the chosen hyperparameters (not divided by n). */
  logMarginalLikelihood: number;
  /** L-BFGS iterations summed over all starts. */
  iterations: number;
  /** Whether the start that won met a convergence test (projected gradient or relative decrease). */
  converged: boolean;
  /** Jitter added to the diagonal of K for the final factorisation (0 if none). */
  jitter: number;
  /** Number of starts actually optimised. */
  starts: number;
  /** Objective and gradient evaluations summed over all starts. */
  evaluations: number;
}
