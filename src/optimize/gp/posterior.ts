/**
 * Posterior of a constant-mean Matérn-5/2 GP with fixed hyperparameters, in the standardised output space:
 * the Cholesky factor of K = σ_f²C + diag(noise) and α = K⁻¹(y' − μ), predictions, and the rank-k extension
 * used by the kriging believer (spec scbo.md §10).
 */
import { choleskyInPlace, logDetFromCholesky, solveLower, solveLowerRows, solveLowerTransposed } from '../../kernels/linalg.js';
import { maternCrossKernel, maternKernelMatrix } from './matern.js';
import type { GpHyperparameters } from './types.js';

/** Everything prediction and sampling need; immutable once built. */
export interface Posterior {
  readonly n: number;
  readonly d: number;
  /** n×d training inputs (row-major). */
  readonly x: Float64Array;
  /** n standardised outputs (pseudo-observations included). */
  readonly y: Float64Array;
  readonly hyper: GpHyperparameters;
  /** Lower Cholesky factor (n×n) of K = σ_f²C(X, X) + diag(noiseDiag). */
  readonly chol: Float64Array;
  /** K⁻¹(y − μ). */
  readonly alpha: Float64Array;
  /** Variance on the diagonal of each training point: σ_n² plus any jitter the factorisation needed. */
  readonly noiseDiag: Float64Array;
  /** Jitter added on top of σ_n² to factorise the original training block. */
  readonly jitter: number;
}

/** Factorises K at the given hyperparameters. @throws CholeskyError if even the largest jitter fails. */
export function buildPosterior(x: Float64Array, n: number, d: number, y: Float64Array, hyper: GpHyperparameters): Posterior {
  const { lengthscales, outputscale, noise, mean } = hyper;
  const chol = maternKernelMatrix(x, n, d, lengthscales, outputscale, noise);
  const jitter = choleskyInPlace(chol, n);
  const alpha = new Float64Array(n);
  for (let i = 0; i < n; i++) alpha[i] = y[i] - mean;
  solveLowerTransposed(chol, n, solveLower(chol, n, alpha));
  return { n, d, x, y, hyper, chol, alpha, noiseDiag: new Float64Array(n).fill(noise + jitter), jitter };
}

/** Exact log marginal likelihood of the posterior's data under its hyperparameters (and jitter). */
export function logMarginalLikelihood(post: Posterior): number {
  const { n, y, alpha, chol } = post;
  let fit = 0;
  for (let i = 0; i < n; i++) fit += (y[i] - post.hyper.mean) * alpha[i];
  return -0.5 * fit - 0.5 * logDetFromCholesky(chol, n) - 0.5 * n * Math.log(2 * Math.PI);
}

/** Rows of test points handled per block, to bound the m×n cross-covariance memory. */
const BLOCK = 256;

/**
 * Posterior mean and latent (noise-free) variance at m points, standardised scale. Without `withVariance` only
 * the mean is computed (O(mn) after the cross-covariance instead of O(mn²)) and `variance` is empty.
 */
export function posteriorMeanVariance(post: Posterior, xs: Float64Array, m: number, withVariance = true): { mean: Float64Array; variance: Float64Array } {
  const { n, d, chol, alpha, hyper } = post;
  const mean = new Float64Array(m);
  const variance = new Float64Array(withVariance ? m : 0);
  const kb = new Float64Array(Math.min(BLOCK, Math.max(m, 1)) * n);
  for (let start = 0; start < m; start += BLOCK) {
    const rows = Math.min(BLOCK, m - start);
    maternCrossKernel(xs.subarray(start * d, (start + rows) * d), rows, post.x, n, d, hyper.lengthscales, hyper.outputscale, kb);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let mu = hyper.mean;
      for (let j = 0; j < n; j++) mu += kb[o + j] * alpha[j];
      mean[start + r] = mu;
    }
    if (!withVariance) continue;
    solveLowerRows(chol, n, kb, rows); // row r becomes L⁻¹ k(X, x_r)
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let q = 0;
      for (let j = 0; j < n; j++) q += kb[o + j] * kb[o + j];
      variance[start + r] = Math.max(hyper.outputscale - q, 0);
    }
  }
  return { mean, variance };
}

/**
 * Kriging believer: the posterior conditioned on k extra points whose observations are the current
 * posterior mean, with noise σ_n² (plus the original jitter), hyperparameters unchanged.
 *
 * The factor is extended by k rows instead of refactorised: with B = L⁻¹K(X, Xp) and
 * S = K(Xp, Xp) + noise·I − BᵀB, the new factor is [[L, 0], [Bᵀ, chol(S)]] (O(n²k + nk² + k³)).
 * If S needs jitter, it is added to the pseudo-points only and recorded in their noiseDiag.
 * Since the pseudo-observations equal the mean, α extends by zeros exactly, and the posterior mean is
 * unchanged everywhere; only the variance shrinks.
 */
export function conditionOnPseudoObservations(post: Posterior, xp: Float64Array, k: number): Posterior {
  const { n, d, hyper } = post;
  if (k === 0) return post;
  if (xp.length < k * d) throw new Error(`withPseudoObservations: expected ${k}x${d} inputs, got ${xp.length} values`);
  const total = n + k;
  const kpx = maternCrossKernel(xp, k, post.x, n, d, hyper.lengthscales, hyper.outputscale);
  const pseudo = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    let mu = hyper.mean;
    for (let j = 0; j < n; j++) mu += kpx[t * n + j] * post.alpha[j];
    pseudo[t] = mu;
  }

  const chol = new Float64Array(total * total);
  for (let i = 0; i < n; i++) chol.set(post.chol.subarray(i * n, i * n + i + 1), i * total);
  // B rows: L⁻¹ k(X, xp_t), stored as the first n columns of the new rows.
  for (let t = 0; t < k; t++) {
    const row = kpx.subarray(t * n, (t + 1) * n);
    solveLower(post.chol, n, row);
    chol.set(row, (n + t) * total);
  }
  const baseNoise = hyper.noise + post.jitter;
  const schur = maternKernelMatrix(xp, k, d, hyper.lengthscales, hyper.outputscale, baseNoise);
  for (let t = 0; t < k; t++) {
    for (let u = 0; u <= t; u++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += kpx[t * n + j] * kpx[u * n + j];
      schur[t * k + u] -= s;
    }
  }
  const extraJitter = choleskyInPlace(schur, k);
  for (let t = 0; t < k; t++) chol.set(schur.subarray(t * k, t * k + t + 1), (n + t) * total + n);

  const x = new Float64Array(total * d);
  x.set(post.x.subarray(0, n * d));
  x.set(xp.subarray(0, k * d), n * d);
  const y = new Float64Array(total);
  y.set(post.y);
  y.set(pseudo, n);
  const alpha = new Float64Array(total);
  alpha.set(post.alpha);
  const noiseDiag = new Float64Array(total);
  noiseDiag.set(post.noiseDiag);
  noiseDiag.fill(baseNoise + extraJitter, n);
  return { n: total, d, x, y, hyper, chol, alpha, noiseDiag, jitter: post.jitter };
}
