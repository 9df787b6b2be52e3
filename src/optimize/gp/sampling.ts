/**
 * Joint posterior sample paths of the latent (noise-free) GP over a finite set of points, in the
 * standardised output space (spec scbo.md §7). Results are sample-major: out[s·m + i].
 */
import type { Rng } from '../../util/rng.js';
import { choleskyInPlace, choleskySolveMulti, matMulTransB, solveLowerRows, subtractGramLower } from '../../kernels/linalg.js';
import { maternCrossKernel, maternKernelMatrix } from './matern.js';
import type { Posterior } from './posterior.js';
import { drawMaternFeatures, featureWeightProduct } from './rff.js';

/** Floor of the jitter scale relative to σ_f², for a posterior covariance that has collapsed everywhere. */
const EXACT_JITTER_FLOOR = 1e-6;

/**
 * Exact sampling: posterior mean m and covariance Σ over the points, Σ + jitter·I = L Lᵀ, samples m + L z.
 * Cost O(n²m + nm² + m³): meant for tests and moderate m (a few thousand points at most).
 */
export function sampleExact(post: Posterior, xs: Float64Array, m: number, nSamples: number, rng: Rng): Float64Array {
  const { n, d, hyper, chol, alpha } = post;
  const v = maternCrossKernel(xs, m, post.x, n, d, hyper.lengthscales, hyper.outputscale);
  const mean = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let mu = hyper.mean;
    for (let j = 0; j < n; j++) mu += v[i * n + j] * alpha[j];
    mean[i] = mu;
  }
  solveLowerRows(chol, n, v, m); // row i of V becomes L⁻¹ k(X, x_i)
  const cov = maternKernelMatrix(xs, m, d, hyper.lengthscales, hyper.outputscale, 0);
  subtractGramLower(v, m, n, cov);
  let trace = 0;
  for (let i = 0; i < m; i++) trace += cov[i * m + i];
  choleskyInPlace(cov, m, { jitterScale: Math.max(trace / Math.max(m, 1), EXACT_JITTER_FLOOR * hyper.outputscale) });

  const z = rng.fillNormal(new Float64Array(nSamples * m));
  const out = new Float64Array(nSamples * m);
  for (let s = 0; s < nSamples; s++) {
    const zs = s * m;
    for (let i = 0; i < m; i++) {
      const li = i * m;
      let acc = 0;
      for (let j = 0; j <= i; j++) acc += cov[li + j] * z[zs + j];
      out[zs + i] = mean[i] + acc;
    }
  }
  return out;
}

/** Points per block when adding the data term k(x, X)·V. */
const BLOCK = 256;

/**
 * Pathwise sampling (Wilson et al. 2020, "Efficiently sampling functions from GP posteriors"):
 *   f_s(x) = μ + φ(x)ᵀw_s + k(x, X)·v_s,   v_s = K⁻¹(y − μ − Φ(X)w_s − ε_s),   ε_s ~ N(0, diag(noise)),
 * with one draw of F random Fourier features shared by all samples and one weight vector w_s ~ N(0, I_F)
 * per sample. The posterior mean is exact; the covariance is exact up to the feature approximation of
 * the prior. Cost O(m·F·(d + q) + n·m·(d + q) + n²q).
 */
export function samplePathwise(post: Posterior, xs: Float64Array, m: number, nSamples: number, rng: Rng, features: number): Float64Array {
  const { n, d, hyper, chol, noiseDiag } = post;
  const q = nSamples;
  const ff = drawMaternFeatures(d, features, hyper.lengthscales, hyper.outputscale, rng);
  const w = rng.fillNormal(new Float64Array(q * ff.count));

  // Data update v_s for every sample at once (n×q right-hand side).
  const resid = featureWeightProduct(ff, post.x, n, w, q);
  for (let i = 0; i < n; i++) {
    const sd = Math.sqrt(noiseDiag[i]);
    const base = post.y[i] - hyper.mean;
    for (let s = 0; s < q; s++) resid[i * q + s] = base - resid[i * q + s] - sd * rng.normal();
  }
  choleskySolveMulti(chol, n, resid, q);

  const paths = featureWeightProduct(ff, xs, m, w, q); // m×q prior part
  // Data term k(x, X)·V, with V sample-major (q×n) so each block product is a row-dot-row kernel.
  const vt = new Float64Array(q * n);
  for (let j = 0; j < n; j++) for (let s = 0; s < q; s++) vt[s * n + j] = resid[j * q + s];
  const kb = new Float64Array(Math.min(BLOCK, Math.max(m, 1)) * n);
  for (let start = 0; start < m && n > 0; start += BLOCK) {
    const rows = Math.min(BLOCK, m - start);
    maternCrossKernel(xs.subarray(start * d, (start + rows) * d), rows, post.x, n, d, hyper.lengthscales, hyper.outputscale, kb);
    matMulTransB(kb, vt, rows, n, q, paths.subarray(start * q, (start + rows) * q), true);
  }
  const out = new Float64Array(q * m);
  for (let i = 0; i < m; i++) {
    for (let s = 0; s < q; s++) out[s * m + i] = hyper.mean + paths[i * q + s];
  }
  return out;
}
