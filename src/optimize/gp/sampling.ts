/**
 * Joint posterior sample paths of the latent (noise-free) GP over a finite set of points, in the
 * standardised output space (spec scbo.md §7). Results are sample-major: out[s·m + i].
 */
import type { Rng } from '../../util/rng.js';
import { choleskyInPlace, choleskySolveMulti, solveLowerRows, subtractGramLower } from '../../kernels/linalg.js';
import { GpArena } from '../../kernels/gp-kernels.js';
import { maternCrossKernel, maternKernelMatrix } from './matern.js';
import type { Posterior } from './posterior.js';
import { drawMaternFeatures } from './rff.js';
import { PathwiseSamples } from './paths.js';

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

/** Arithmetic of the prior (feature) part at the sampled points in pathwise sampling. */
export type FeaturePrecision = 'float32' | 'float64';

/** Points per block of the feature matrix (float32: 16 × F × 4 bytes, 128 KiB at F = 2048). */
const FEATURE_BLOCK = 16;
/** Points per block of the cross-covariance in the data term. */
const KERNEL_BLOCK = 64;

function pad(v: number, to: number): number {
  return Math.ceil(v / to) * to;
}

/**
 * Pathwise sampling (Wilson et al. 2020, "Efficiently sampling functions from GP posteriors"):
 *   f_s(x) = μ + φ(x)ᵀw_s + k(x, X)·v_s,   v_s = K⁻¹(y − μ − Φ(X)w_s − ε_s),   ε_s ~ N(0, diag(noise)),
 * with one draw of F random Fourier features shared by all samples and one weight vector w_s ~ N(0, I_F)
 * per sample. The posterior mean is exact; the covariance is exact up to the feature approximation of
 * the prior. Cost O(m·F·(d + q) + n·m·(d + q) + n²q).
 *
 * The products run in the GP kernels (wasm SIMD when available), block by block so that the m×F feature
 * matrix is never stored whole: Φ(X)·W at the training points in float64; at the m sampled points, by
 * default, in float32 with the points centred first (φ(x) = cos(Ω(x − c) + (Ωc + b)), the phase Ωc + b
 * reduced modulo 2π in float64), so the float32 phases stay small: the prior part then carries an absolute
 * error of order 1e-6 σ_f, four orders below the Monte Carlo error of the features (~σ_f/√F). The data
 * term k(x, X)·V is float64.
 */
export function samplePathwise(
  post: Posterior,
  xs: Float64Array,
  m: number,
  nSamples: number,
  rng: Rng,
  features: number,
  precision: FeaturePrecision = 'float32',
): Float64Array {
  return samplePathwiseWithPaths(post, xs, m, nSamples, rng, features, precision, false).values;
}

/**
 * {@link samplePathwise}, also returning the sample paths themselves (when `keepPaths`): each is a closed-form,
 * differentiable function of x (standardised scale) that can be evaluated anywhere, e.g. to refine a Thompson
 * pick by gradient steps. Draws exactly the same random numbers as {@link samplePathwise}.
 */
export function samplePathwiseWithPaths(
  post: Posterior,
  xs: Float64Array,
  m: number,
  nSamples: number,
  rng: Rng,
  features: number,
  precision: FeaturePrecision,
  keepPaths: boolean,
): { values: Float64Array; paths: PathwiseSamples | null } {
  const { n, d, hyper, chol, noiseDiag } = post;
  const q = nSamples;
  const ff = drawMaternFeatures(d, features, hyper.lengthscales, hyper.outputscale, rng);
  const w = rng.fillNormal(new Float64Array(q * ff.count));
  const F = ff.count;
  const F4 = pad(F, 4);
  const q4 = pad(Math.max(q, 1), 4);
  // Rows of Ω padded by a cache line: with F4 a multiple of 1024 the d rows would map to the same cache sets,
  // and the feature kernels read all d of them for every block of frequencies.
  const ldw = F4 + 16;
  const f32 = precision === 'float32';

  const arena = new GpArena();
  const omega64 = arena.f64(d * ldw);
  const phase64 = arena.f64(F4);
  const w64 = arena.f64(F4 * q4);
  const xTrain = arena.f64(n * d);
  const phi64 = arena.f64(FEATURE_BLOCK * F4);
  const prior = arena.f64(n * q4);
  const omega32 = arena.f32(f32 ? d * ldw : 0);
  const phase32 = arena.f32(f32 ? F4 : 0);
  const w32 = arena.f32(f32 ? F4 * q4 : 0);
  const x32 = arena.f32(f32 ? m * d : 0);
  const phi32 = arena.f32(f32 ? FEATURE_BLOCK * F4 : 0);
  const x64 = arena.f64(m * d);
  const paths = arena.f64(m * q4);
  const bt = arena.f64(d * n);
  const invL = arena.f64(d);
  const kb = arena.f64(Math.min(KERNEL_BLOCK, Math.max(m, 1)) * n);
  const v = arena.f64(n * q4);
  arena.commit();
  try {
    const k = arena.kernels;
    const Om = omega64.view();
    const Ph = phase64.view();
    const W = w64.view();
    // Padded features (F ≤ j < F4) have zero frequency, zero phase and zero weight: they contribute nothing.
    Om.fill(0);
    for (let r = 0; r < d; r++) Om.set(ff.omega.subarray(r * F, (r + 1) * F), r * ldw);
    Ph.set(ff.phase);
    const amp = ff.amplitude;
    for (let j = 0; j < F; j++) for (let s = 0; s < q; s++) W[j * q4 + s] = amp * w[s * F + j];

    // Data update v_s for every sample at once (n×q right-hand side).
    const Xt = xTrain.view();
    Xt.set(post.x.subarray(0, n * d));
    const Pr = prior.view();
    const Phi = phi64.view();
    for (let start = 0; start < n; start += FEATURE_BLOCK) {
      const rows = Math.min(FEATURE_BLOCK, n - start);
      k.features64(Xt.subarray(start * d), d, rows, d, Om, ldw, Ph, F4, Phi, F4);
      k.gemm64(Phi, F4, W, q4, Pr.subarray(start * q4), q4, rows, F4, q4, false);
    }
    const resid = new Float64Array(n * q);
    for (let i = 0; i < n; i++) {
      const sd = Math.sqrt(noiseDiag[i]);
      const base = post.y[i] - hyper.mean;
      for (let s = 0; s < q; s++) resid[i * q + s] = base - Pr[i * q4 + s] - sd * rng.normal();
    }
    choleskySolveMulti(chol, n, resid, q);
    const V = v.view();
    for (let i = 0; i < n; i++) for (let s = 0; s < q; s++) V[i * q4 + s] = resid[i * q + s];
    let kept: PathwiseSamples | null = null;
    if (keepPaths) {
      const weights = new Float64Array(q * F);
      for (let s = 0; s < q; s++) for (let j = 0; j < F; j++) weights[s * F + j] = amp * w[s * F + j];
      const update = new Float64Array(q * n);
      for (let s = 0; s < q; s++) for (let i = 0; i < n; i++) update[s * n + i] = resid[i * q + s];
      kept = new PathwiseSamples(d, q, ff.omega, ff.phase, F, weights, post.x.slice(0, n * d), n, update, hyper);
    }

    // Prior part at the sampled points: m×q4 paths.
    const P = paths.view();
    const X = x64.view();
    X.set(xs.subarray(0, m * d));
    if (f32) {
      const centre = new Float64Array(d);
      for (let r = 0; r < d; r++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < m; i++) {
          const t = X[i * d + r];
          if (t < lo) lo = t;
          if (t > hi) hi = t;
        }
        centre[r] = m > 0 ? 0.5 * (lo + hi) : 0;
      }
      const Om32 = omega32.view();
      const Ph32 = phase32.view();
      const W32 = w32.view();
      Om32.set(Om);
      for (let j = 0; j < F; j++) {
        let z = ff.phase[j];
        for (let r = 0; r < d; r++) z += ff.omega[r * F + j] * centre[r];
        Ph32[j] = z - TWO_PI * Math.floor(z / TWO_PI);
      }
      W32.set(W);
      const X32 = x32.view();
      for (let i = 0; i < m; i++) for (let r = 0; r < d; r++) X32[i * d + r] = X[i * d + r] - centre[r];
      const Phi32 = phi32.view();
      for (let start = 0; start < m; start += FEATURE_BLOCK) {
        const rows = Math.min(FEATURE_BLOCK, m - start);
        k.features32(X32.subarray(start * d), d, rows, d, Om32, ldw, Ph32, F4, Phi32, F4);
        k.gemm32(Phi32, F4, W32, q4, P.subarray(start * q4), q4, rows, F4, q4);
      }
    } else {
      for (let start = 0; start < m; start += FEATURE_BLOCK) {
        const rows = Math.min(FEATURE_BLOCK, m - start);
        k.features64(X.subarray(start * d), d, rows, d, Om, ldw, Ph, F4, Phi, F4);
        k.gemm64(Phi, F4, W, q4, P.subarray(start * q4), q4, rows, F4, q4, false);
      }
    }

    // Data term k(x, X)·V, block by block.
    if (n > 0) {
      const Bt = bt.view();
      const IL = invL.view();
      for (let r = 0; r < d; r++) {
        const inv = 1 / hyper.lengthscales[r];
        IL[r] = inv;
        for (let j = 0; j < n; j++) Bt[r * n + j] = post.x[j * d + r] * inv;
      }
      const Kb = kb.view();
      for (let start = 0; start < m; start += KERNEL_BLOCK) {
        const rows = Math.min(KERNEL_BLOCK, m - start);
        k.crossKernel(X.subarray(start * d), d, rows, Bt, n, n, d, IL, hyper.outputscale, Kb, n);
        k.gemm64(Kb, n, V, q4, P.subarray(start * q4), q4, rows, n, q4, true);
      }
    }
    const out = new Float64Array(q * m);
    for (let i = 0; i < m; i++) {
      for (let s = 0; s < q; s++) out[s * m + i] = hyper.mean + P[i * q4 + s];
    }
    return { values: out, paths: kept };
  } finally {
    arena.release();
  }
}

const TWO_PI = 2 * Math.PI;
