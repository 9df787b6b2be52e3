/**
 * Type-II maximum-likelihood fit of the GP hyperparameters (spec scbo.md §4): maximise the exact log
 * marginal likelihood of the standardised outputs with the bounded quasi-Newton minimiser, from several
 * starts, keeping the best.
 *
 * Parameterisation: we optimise θ = (log ℓ, log σ_f², log σ_n², μ) inside the box given by the bounds,
 * instead of GPyTorch's raw sigmoid/softplus values. The feasible set is the same and the starts are the
 * GPyTorch raw-zero values, but the log scale has no vanishing gradient near the bounds, so the projected
 * L-BFGS pins parameters (e.g. irrelevant lengthscales at 4, noise at 1e-8) in a few steps.
 * The objective is −log p / n, as GPyTorch's ExactMarginalLogLikelihood, so tolerances do not depend on n.
 */
import type { Rng } from '../../util/rng.js';
import { CholeskyError } from '../../kernels/linalg.js';
import { minimize } from '../lbfgsb.js';
import { MarginalLikelihood, packHyperparameters, unpackHyperparameters } from './likelihood.js';
import type { GpFitInfo, GpFitOptions, GpHyperparameters } from './types.js';

export const DEFAULT_LENGTHSCALE_BOUNDS: [number, number] = [0.005, 4];
export const DEFAULT_NOISE_BOUNDS: [number, number] = [1e-8, 1e-3];
export const DEFAULT_OUTPUTSCALE_BOUNDS: [number, number] = [0.01, 100];
export const DEFAULT_MAX_ITERATIONS = 200;
/** Projected-gradient tolerance on −log p/n (scipy's L-BFGS-B default pgtol). */
export const FIT_GRAD_TOLERANCE = 1e-5;
/**
 * Relative-decrease tolerance on −log p/n. 1e-7 needs ~25% fewer evaluations than scipy's 2.2e-9
 * (factr 1e7) for a log-likelihood loss below 0.01 on our test data; 1e-6 sometimes stopped early.
 */
export const FIT_FUNCTION_TOLERANCE = 1e-7;

/** Result of {@link fitHyperparameters}. */
export interface HyperparameterFit {
  hyper: GpHyperparameters;
  info: GpFitInfo;
}

/**
 * The GPyTorch raw-zero hyperparameters for these bounds: bounded values at the middle of their box
 * (ℓ = 2.0025, σ_n² ≈ 5·10⁻⁴ for the defaults), σ_f² = softplus(0) = ln 2 (clamped into its box), μ = 0.
 */
export function defaultHyperparameters(d: number, options: GpFitOptions = {}): GpHyperparameters {
  const [l0, l1] = options.lengthscaleBounds ?? DEFAULT_LENGTHSCALE_BOUNDS;
  const [n0, n1] = options.noiseBounds ?? DEFAULT_NOISE_BOUNDS;
  const [s0, s1] = options.outputscaleBounds ?? DEFAULT_OUTPUTSCALE_BOUNDS;
  return {
    lengthscales: new Float64Array(d).fill((l0 + l1) / 2),
    outputscale: Math.min(s1, Math.max(s0, Math.LN2)),
    noise: (n0 + n1) / 2,
    mean: 0,
  };
}

/**
 * Fits the hyperparameters to standardised outputs y (n ≥ 2) at inputs x (n×d).
 * Starts: the raw-zero defaults, `warmStart` if given, then `randomStarts` random ones.
 * @throws Error if the likelihood cannot be evaluated at any start.
 */
export function fitHyperparameters(x: Float64Array, n: number, d: number, y: Float64Array, options: GpFitOptions = {}): HyperparameterFit {
  const lengthBounds = checkBounds('lengthscaleBounds', options.lengthscaleBounds ?? DEFAULT_LENGTHSCALE_BOUNDS);
  const noiseBounds = checkBounds('noiseBounds', options.noiseBounds ?? DEFAULT_NOISE_BOUNDS);
  const scaleBounds = checkBounds('outputscaleBounds', options.outputscaleBounds ?? DEFAULT_OUTPUTSCALE_BOUNDS);
  const lower = new Float64Array(d + 3);
  const upper = new Float64Array(d + 3);
  for (let k = 0; k < d; k++) {
    lower[k] = Math.log(lengthBounds[0]);
    upper[k] = Math.log(lengthBounds[1]);
  }
  lower[d] = Math.log(scaleBounds[0]);
  upper[d] = Math.log(scaleBounds[1]);
  lower[d + 1] = Math.log(noiseBounds[0]);
  upper[d + 1] = Math.log(noiseBounds[1]);
  lower[d + 2] = -Infinity;
  upper[d + 2] = Infinity;

  const starts: Float64Array[] = [packHyperparameters(defaultHyperparameters(d, options))];
  if (options.warmStart) {
    if (options.warmStart.lengthscales.length !== d) {
      throw new Error(`GP fit: warmStart has ${options.warmStart.lengthscales.length} lengthscales, expected ${d}`);
    }
    starts.push(packHyperparameters(options.warmStart));
  }
  const randomStarts = options.randomStarts ?? 0;
  if (randomStarts > 0) {
    if (!options.rng) throw new Error('GP fit: randomStarts needs an rng');
    for (let r = 0; r < randomStarts; r++) starts.push(randomStart(d, lengthBounds, noiseBounds, scaleBounds, options.rng));
  }

  const likelihood = new MarginalLikelihood(x, n, d, y);
  const invN = 1 / n;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    try {
      const logp = likelihood.evaluate(theta, grad);
      for (let i = 0; i < grad.length; i++) grad[i] *= -invN;
      return -logp * invN;
    } catch (e) {
      if (e instanceof CholeskyError) return Infinity; // the line search backs off
      throw e;
    }
  };

  let best: { theta: Float64Array; f: number; converged: boolean } | null = null;
  let iterations = 0;
  let evaluations = 0;
  let optimised = 0;
  let lastMessage = '';
  try {
    for (const start of starts) {
      const r = minimize(objective, start, lower, upper, {
        maxIterations: options.maxIterations ?? DEFAULT_MAX_ITERATIONS,
        gradTolerance: FIT_GRAD_TOLERANCE,
        functionTolerance: FIT_FUNCTION_TOLERANCE,
      });
      iterations += r.iterations;
      evaluations += r.evaluations;
      lastMessage = r.message;
      if (!Number.isFinite(r.f)) continue;
      optimised++;
      if (best === null || r.f < best.f) best = { theta: Float64Array.from(r.x), f: r.f, converged: r.converged };
    }
  } finally {
    likelihood.release();
  }
  if (best === null) {
    throw new Error(`GP fit failed: the marginal likelihood could not be evaluated at any of ${starts.length} starts (${lastMessage})`);
  }
  // exp(log(bound)) can land an ulp outside the box: clamp so callers see values within their bounds.
  const hyper = unpackHyperparameters(best.theta, d);
  for (let k = 0; k < d; k++) hyper.lengthscales[k] = clamp(hyper.lengthscales[k], lengthBounds);
  hyper.outputscale = clamp(hyper.outputscale, scaleBounds);
  hyper.noise = clamp(hyper.noise, noiseBounds);
  // jitter is filled in by whoever factorises K at the chosen hyperparameters.
  return {
    hyper,
    info: { logMarginalLikelihood: -best.f * n, iterations, converged: best.converged, jitter: 0, starts: optimised, evaluations },
  };
}

/** GPyTorch-style random start: raw values N(0, 1) through sigmoid (bounded) or softplus (outputscale). */
function randomStart(
  d: number,
  lengthBounds: [number, number],
  noiseBounds: [number, number],
  scaleBounds: [number, number],
  rng: Rng,
): Float64Array {
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const lengthscales = new Float64Array(d);
  for (let k = 0; k < d; k++) lengthscales[k] = lengthBounds[0] + (lengthBounds[1] - lengthBounds[0]) * sigmoid(rng.normal());
  const outputscale = Math.min(scaleBounds[1], Math.max(scaleBounds[0], Math.log1p(Math.exp(rng.normal()))));
  const noise = noiseBounds[0] + (noiseBounds[1] - noiseBounds[0]) * sigmoid(rng.normal());
  return packHyperparameters({ lengthscales, outputscale, noise, mean: 0 });
}

function clamp(v: number, [lo, hi]: [number, number]): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function checkBounds(name: string, b: [number, number]): [number, number] {
  if (!(b[0] > 0 && b[1] >= b[0] && Number.isFinite(b[1]))) {
    throw new Error(`GP fit: ${name} must satisfy 0 < lower <= upper < Infinity, got [${b[0]}, ${b[1]}]`);
  }
  return b;
}
