/**
 * Exact GP surrogate of SCBO (spec scbo.md §4, §7, §10): constant mean, σ_f²·Matérn-5/2 ARD kernel,
 * Gaussian noise, outputs transformed (optional Bilog or Gaussian copula) then standardised, fitted by
 * maximising the exact marginal likelihood; predictions, kriging-believer conditioning and joint posterior
 * sampling (exact or pathwise).
 *
 * Three output scales appear:
 *  - raw: the y given to `fit`;
 *  - model output space: t(y), the transformed but un-standardised scale, where `predict` and
 *    `sampleJoint` report (raw for 'none', bilog scale for 'bilog', normal scores for 'copula');
 *  - standardised: (t(y) − mean)/std, where the hyperparameters live.
 */
import type { Rng } from '../../util/rng.js';
import { gpKernelBackend } from '../../kernels/gp-kernels.js';
import { defaultHyperparameters, fitHyperparameters } from './fit.js';
import { buildPosterior, conditionOnPseudoObservations, logMarginalLikelihood, type Posterior, posteriorMeanVariance } from './posterior.js';
import { type FeaturePrecision, sampleExact, samplePathwiseWithPaths } from './sampling.js';
import { meanAsPaths, type PathwiseSamples } from './paths.js';
import {
  applyOutputTransform,
  bilogInverse,
  CopulaTransform,
  type OutputTransform,
  type Standardization,
  standardization,
  standardize,
} from './transforms.js';
import type { GpFitInfo, GpFitOptions, GpHyperparameters } from './types.js';

export type { GpFitInfo, GpFitOptions, GpHyperparameters, OutputTransform } from './types.js';
export type { FeaturePrecision } from './sampling.js';
export type { PathwiseSamples } from './paths.js';

/** Random Fourier features used by pathwise sampling unless the caller passes another count. */
export const DEFAULT_PATHWISE_FEATURES = 2048;
/** Without an explicit method, sampling is exact up to this many points and pathwise above (spec §7 `auto`). */
export const EXACT_SAMPLING_MAX_POINTS = 2000;

/** Options of {@link GaussianProcess.sampleJoint}. */
export interface SampleOptions {
  /** 'exact' (Cholesky of the m×m posterior covariance) or 'pathwise' (Fourier features); default: auto by m. */
  method?: 'exact' | 'pathwise';
  /** Number of random Fourier features for pathwise sampling (default {@link DEFAULT_PATHWISE_FEATURES}). */
  features?: number;
  /**
   * Arithmetic of the feature (prior) part of pathwise samples at the sampled points: 'float32' (centred
   * phases; error ~1e-6·σ_f, far below the ~σ_f/√F Monte Carlo error of the features) or 'float64'.
   * Default: 'float32' with the wasm GP kernels, 'float64' with their TypeScript fallback (where float32
   * arithmetic is slower, not faster).
   */
  featurePrecision?: FeaturePrecision;
}

/** A GP fitted (or given hyperparameters) on n points of the unit cube. Immutable. */
export class GaussianProcess {
  /** Hyperparameters, in the standardised output space. */
  readonly hyper: GpHyperparameters;
  readonly fitInfo: GpFitInfo;
  /** Number of training points (pseudo-observations included). */
  readonly n: number;
  readonly d: number;
  /** Output transform applied before standardisation. */
  readonly transform: OutputTransform;
  /** Standardisation of the transformed outputs (fixed at fit time; pseudo-observations do not change it). */
  readonly standardization: Standardization;

  private readonly post: Posterior;
  private readonly copula: CopulaTransform | null;

  private constructor(post: Posterior, transform: OutputTransform, stdz: Standardization, fitInfo: GpFitInfo, copula: CopulaTransform | null) {
    this.post = post;
    this.hyper = post.hyper;
    this.n = post.n;
    this.d = post.d;
    this.transform = transform;
    this.standardization = stdz;
    this.fitInfo = fitInfo;
    this.copula = copula;
  }

  /**
   * Fits a GP by maximising the exact marginal likelihood (multi-start projected L-BFGS, see fit.ts).
   * X: n×d row-major unit-cube inputs; y: n raw outputs.
   * With n ≤ 1 nothing is fitted: the hyperparameters are `warmStart` (or the GPyTorch defaults) with μ = 0,
   * since one point carries no information about lengthscales and would drive σ_f² to its lower bound.
   * @throws Error on invalid inputs or when the likelihood cannot be evaluated at any start.
   */
  static fit(X: Float64Array, n: number, d: number, y: Float64Array, options: GpFitOptions = {}): GaussianProcess {
    const transform = options.transform ?? 'none';
    const { x, stdz, ys, copula } = prepareData(X, n, d, y, transform);
    let hyper: GpHyperparameters;
    let info: GpFitInfo;
    if (n <= 1) {
      const base = options.warmStart ?? defaultHyperparameters(d, options);
      if (base.lengthscales.length !== d) throw new Error(`GP fit: warmStart has ${base.lengthscales.length} lengthscales, expected ${d}`);
      hyper = { ...copyHyper(base), mean: 0 };
      info = { logMarginalLikelihood: 0, iterations: 0, converged: true, jitter: 0, starts: 0, evaluations: 0 };
    } else {
      const fitted = fitHyperparameters(x, n, d, ys, options);
      hyper = fitted.hyper;
      info = fitted.info;
    }
    const post = buildPosterior(x, n, d, ys, hyper);
    info = { ...info, jitter: post.jitter };
    if (n <= 1) info.logMarginalLikelihood = logMarginalLikelihood(post);
    return new GaussianProcess(post, transform, stdz, info, copula);
  }

  /** Builds a GP with the given hyperparameters (standardised space), without fitting. */
  static withHyperparameters(
    X: Float64Array,
    n: number,
    d: number,
    y: Float64Array,
    hyper: GpHyperparameters,
    transform: OutputTransform = 'none',
  ): GaussianProcess {
    checkHyper(hyper, d);
    const { x, stdz, ys, copula } = prepareData(X, n, d, y, transform);
    const post = buildPosterior(x, n, d, ys, copyHyper(hyper));
    const info: GpFitInfo = {
      logMarginalLikelihood: logMarginalLikelihood(post),
      iterations: 0,
      converged: true,
      jitter: post.jitter,
      starts: 0,
      evaluations: 0,
    };
    return new GaussianProcess(post, transform, stdz, info, copula);
  }

  /** Posterior mean and latent (noise-free) variance at m points (m×d row-major), in model output space. */
  predict(Xs: Float64Array, m: number): { mean: Float64Array; variance: Float64Array } {
    this.checkPoints(Xs, m, 'predict');
    const { mean, variance } = posteriorMeanVariance(this.post, Xs, m);
    const { mean: c, std } = this.standardization;
    const std2 = std * std;
    for (let i = 0; i < m; i++) {
      mean[i] = c + std * mean[i];
      variance[i] *= std2;
    }
    return { mean, variance };
  }

  /** Posterior mean only at m points (m×d row-major), in model output space: cheaper than {@link predict}. */
  predictMean(Xs: Float64Array, m: number): Float64Array {
    this.checkPoints(Xs, m, 'predictMean');
    const { mean } = posteriorMeanVariance(this.post, Xs, m, false);
    const { mean: c, std } = this.standardization;
    for (let i = 0; i < m; i++) mean[i] = c + std * mean[i];
    return mean;
  }

  /**
   * Kriging believer: a GP conditioned on k extra points (k×d) observed at their current posterior mean,
   * with the same hyperparameters and standardisation. The Cholesky factor is extended by k rows (not
   * recomputed); the posterior mean is unchanged and the variance collapses at and near the points.
   */
  withPseudoObservations(Xp: Float64Array, k: number): GaussianProcess {
    this.checkPoints(Xp, k, 'withPseudoObservations');
    if (k === 0) return this;
    const post = conditionOnPseudoObservations(this.post, Xp, k);
    return new GaussianProcess(post, this.transform, this.standardization, this.fitInfo, this.copula);
  }

  /**
   * nSamples joint sample paths of the latent function over m points, in model output space,
   * sample-major: result[s·m + i]. Method 'exact' or 'pathwise'; without one, exact for m ≤ 2000.
   */
  sampleJoint(Xs: Float64Array, m: number, nSamples: number, rng: Rng, options: SampleOptions = {}): Float64Array {
    return this.sampleJointWithPaths(Xs, m, nSamples, rng, options, false).values;
  }

  /**
   * {@link sampleJoint} that also returns the sample paths as functions (model output space) when the method is
   * pathwise: `paths.evaluate(s, x, grad)` gives path s (the one behind `values[s·m + i]`) anywhere, with its
   * gradient. `paths` is null for exact sampling. Consumes the same random numbers as {@link sampleJoint}.
   */
  samplePaths(
    Xs: Float64Array,
    m: number,
    nSamples: number,
    rng: Rng,
    options: SampleOptions = {},
  ): { values: Float64Array; paths: PathwiseSamples | null } {
    return this.sampleJointWithPaths(Xs, m, nSamples, rng, options, true);
  }

  /**
   * The posterior mean as `count` identical "paths" (model output space), with the interface of sample paths:
   * evaluate(s, x, grad) gives the mean and its gradient anywhere.
   */
  meanPaths(count: number): PathwiseSamples {
    return meanAsPaths(this.post, count).withOutputScale(this.standardization.mean, this.standardization.std);
  }

  private sampleJointWithPaths(
    Xs: Float64Array,
    m: number,
    nSamples: number,
    rng: Rng,
    options: SampleOptions,
    keepPaths: boolean,
  ): { values: Float64Array; paths: PathwiseSamples | null } {
    this.checkPoints(Xs, m, 'sampleJoint');
    if (!(Number.isInteger(nSamples) && nSamples >= 0)) throw new Error(`sampleJoint: nSamples must be a non-negative integer, got ${nSamples}`);
    const method = options.method ?? (m <= EXACT_SAMPLING_MAX_POINTS ? 'exact' : 'pathwise');
    let out: Float64Array;
    let paths: PathwiseSamples | null = null;
    if (method === 'exact') {
      out = sampleExact(this.post, Xs, m, nSamples, rng);
    } else if (method === 'pathwise') {
      const features = options.features ?? DEFAULT_PATHWISE_FEATURES;
      if (!(Number.isInteger(features) && features >= 1)) throw new Error(`sampleJoint: features must be a positive integer, got ${features}`);
      const precision = options.featurePrecision ?? (gpKernelBackend() === 'wasm' ? 'float32' : 'float64');
      if (precision !== 'float32' && precision !== 'float64') throw new Error(`sampleJoint: unknown featurePrecision '${String(precision)}'`);
      const r = samplePathwiseWithPaths(this.post, Xs, m, nSamples, rng, features, precision, keepPaths);
      out = r.values;
      paths = r.paths;
    } else {
      throw new Error(`sampleJoint: unknown method '${String(method)}'`);
    }
    const { mean: c, std } = this.standardization;
    for (let i = 0; i < out.length; i++) out[i] = c + std * out[i];
    return { values: out, paths: paths?.withOutputScale(c, std) ?? null };
  }

  /**
   * Maps model-output-space values back to the raw scale: identity ('none'), inverse bilog ('bilog'), or
   * the piecewise-linear inverse of the fitted copula, clamped to the observed range ('copula').
   */
  toRawScale(values: Float64Array): Float64Array {
    if (this.transform === 'bilog') return bilogInverse(values);
    if (this.transform === 'copula' && this.copula) return this.copula.inverse(values);
    return Float64Array.from(values);
  }

  /** Log marginal likelihood of the current data (pseudo-observations included) at the current hyperparameters. */
  logMarginalLikelihood(): number {
    return logMarginalLikelihood(this.post);
  }

  private checkPoints(xs: Float64Array, m: number, what: string): void {
    if (!(Number.isInteger(m) && m >= 0)) throw new Error(`${what}: point count must be a non-negative integer, got ${m}`);
    if (xs.length < m * this.d) throw new Error(`${what}: expected ${m}x${this.d} inputs, got ${xs.length} values`);
  }
}

/** Validates and copies the training data, applies the output transform and Standardize. */
function prepareData(
  X: Float64Array,
  n: number,
  d: number,
  y: Float64Array,
  transform: OutputTransform,
): { x: Float64Array; stdz: Standardization; ys: Float64Array; copula: CopulaTransform | null } {
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`GP: n must be a non-negative integer, got ${n}`);
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`GP: d must be a positive integer, got ${d}`);
  if (X.length < n * d) throw new Error(`GP: X has ${X.length} values, expected ${n}x${d}`);
  if (y.length < n) throw new Error(`GP: y has ${y.length} values, expected ${n}`);
  const x = Float64Array.from(X.subarray(0, n * d));
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new Error(`GP: X[${Math.floor(i / d)}, ${i % d}] is not finite`);
  const raw = y.subarray(0, n);
  for (let i = 0; i < n; i++) if (!Number.isFinite(raw[i])) throw new Error(`GP: y[${i}] is not finite (${raw[i]})`);
  const t = applyOutputTransform(transform, raw);
  const stdz = standardization(t);
  const copula = transform === 'copula' && n > 0 ? CopulaTransform.fit(raw) : null;
  return { x, stdz, ys: standardize(t, stdz), copula };
}

function copyHyper(h: GpHyperparameters): GpHyperparameters {
  return { lengthscales: Float64Array.from(h.lengthscales), outputscale: h.outputscale, noise: h.noise, mean: h.mean };
}

function checkHyper(h: GpHyperparameters, d: number): void {
  if (h.lengthscales.length !== d) throw new Error(`GP: ${h.lengthscales.length} lengthscales given for d = ${d}`);
  for (let k = 0; k < d; k++) {
    if (!(h.lengthscales[k] > 0 && Number.isFinite(h.lengthscales[k]))) throw new Error(`GP: lengthscale ${k} must be positive and finite, got ${h.lengthscales[k]}`);
  }
  if (!(h.outputscale > 0 && Number.isFinite(h.outputscale))) throw new Error(`GP: outputscale must be positive and finite, got ${h.outputscale}`);
  if (!(h.noise >= 0 && Number.isFinite(h.noise))) throw new Error(`GP: noise must be non-negative and finite, got ${h.noise}`);
  if (!Number.isFinite(h.mean)) throw new Error(`GP: mean must be finite, got ${h.mean}`);
}
