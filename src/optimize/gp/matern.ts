/**
 * Matérn-5/2 kernel with ARD lengthscales (spec scbo.md §4):
 *   r² = Σ_k (x_k − x'_k)²/ℓ_k²,   k(x, x') = σ_f²·(1 + √5 r + 5r²/3)·exp(−√5 r).
 *
 * Training-pair quantities are stored "packed": pair p = (i, j) with j < i has index p = i(i−1)/2 + j.
 * Per-dimension pair data are dimension-major (dimension k of pair p at k·P + p, P pairs), so both the
 * distance accumulation (an axpy per dimension) and the lengthscale gradients (a dot product per
 * dimension) stream contiguous memory without loop-carried dependencies on d.
 * (The likelihood itself now evaluates the pair terms in the GP kernels; the packed helpers remain for tests
 * and reference computations.)
 */
import { GpArena } from '../../kernels/gp-kernels.js';

export const SQRT5 = Math.sqrt(5);

/** Correlation (1 + √5 r + 5r²/3)·exp(−√5 r) at scaled distance r ≥ 0. */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/**
 * Factor g(r) = (5/3)(1 + √5 r)·exp(−√5 r), so that ∂k/∂log ℓ_k = σ_f²·g(r)·(x_k − x'_k)²/ℓ_k².
 * (From dk/dr = −(5/3)σ_f² r(1 + √5 r)e^{−√5 r} and ∂r/∂log ℓ_k = −(x_k − x'_k)²/(ℓ_k² r); the r cancels.)
 */
export function matern52LogLengthscaleFactor(r: number): number {
  const s = SQRT5 * r;
  return (5 / 3) * (1 + s) * Math.exp(-s);
}

/** Number of unordered pairs of n points. */
export function pairCount(n: number): number {
  return (n * (n - 1)) / 2;
}

/** Packed index of the pair (i, j), j < i. */
export function pairIndex(i: number, j: number): number {
  return (i * (i - 1)) / 2 + j;
}

/** Squared coordinate differences of every pair of rows of X (n×d), dimension-major (see module doc). */
export function pairwiseSquaredDifferences(x: Float64Array, n: number, d: number): Float64Array {
  const nPairs = pairCount(n);
  const out = new Float64Array(nPairs * d);
  for (let k = 0; k < d; k++) {
    const o = k * nPairs;
    let p = 0;
    for (let i = 1; i < n; i++) {
      const xi = x[i * d + k];
      for (let j = 0; j < i; j++, p++) {
        const t = xi - x[j * d + k];
        out[o + p] = t * t;
      }
    }
  }
  return out;
}

/**
 * Correlation c(r_p) and log-lengthscale factor g(r_p) of every training pair from the dimension-major
 * squared differences and the inverse squared lengthscales. `r2` (P entries) is scratch.
 */
export function maternPairTerms(
  sqDiff: Float64Array,
  nPairs: number,
  d: number,
  invLengthSq: Float64Array,
  corr: Float64Array,
  gradFactor: Float64Array,
  r2: Float64Array = new Float64Array(nPairs),
): void {
  r2.fill(0, 0, nPairs);
  let k = 0;
  // Three dimensions per pass: the array is megabytes, so passes over r2 cost memory traffic.
  for (; k + 2 < d; k += 3) {
    const w0 = invLengthSq[k];
    const w1 = invLengthSq[k + 1];
    const w2 = invLengthSq[k + 2];
    const o0 = k * nPairs;
    const o1 = o0 + nPairs;
    const o2 = o1 + nPairs;
    for (let p = 0; p < nPairs; p++) r2[p] += w0 * sqDiff[o0 + p] + w1 * sqDiff[o1 + p] + w2 * sqDiff[o2 + p];
  }
  for (; k < d; k++) {
    const w = invLengthSq[k];
    const o = k * nPairs;
    for (let p = 0; p < nPairs; p++) r2[p] += w * sqDiff[o + p];
  }
  for (let p = 0; p < nPairs; p++) {
    const q = r2[p];
    const s = Math.sqrt(5 * q);
    const e = Math.exp(-s);
    corr[p] = (1 + s + (5 * q) / 3) * e;
    gradFactor[p] = (5 / 3) * (1 + s) * e;
  }
}

/** Rows of A per kernel call in {@link maternCrossKernel} (bounds the kernel memory to 512·nb values). */
const CROSS_BLOCK = 512;

/**
 * Cross-covariance K[i, j] = k(A_i, B_j) for A (na×d) and B (nb×d), result na×nb row-major.
 * Runs in the GP kernels (src/kernels/gp-kernels.ts, wasm SIMD when available), blocks of rows at a time:
 * the squared distances are accumulated a dimension at a time against Bᵀ/ℓ, which avoids the cancellation
 * of the |a|² + |b|² − 2a·b expansion.
 */
export function maternCrossKernel(
  a: Float64Array,
  na: number,
  b: Float64Array,
  nb: number,
  d: number,
  lengthscales: Float64Array,
  outputscale: number,
  out: Float64Array = new Float64Array(na * nb),
): Float64Array {
  if (na === 0 || nb === 0) return out;
  const rowsPerBlock = Math.min(CROSS_BLOCK, na);
  const arena = new GpArena();
  const sa = arena.f64(rowsPerBlock * d);
  const sbt = arena.f64(d * nb);
  const sil = arena.f64(d);
  const so = arena.f64(rowsPerBlock * nb);
  arena.commit();
  try {
    const bt = sbt.view();
    bt.set(scaledTranspose(b, nb, d, lengthscales));
    const invL = sil.view();
    for (let k = 0; k < d; k++) invL[k] = 1 / lengthscales[k];
    const av = sa.view();
    const ov = so.view();
    for (let start = 0; start < na; start += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, na - start);
      av.set(a.subarray(start * d, (start + rows) * d));
      arena.kernels.crossKernel(av, d, rows, bt, nb, nb, d, invL, outputscale, ov, nb);
      out.set(ov.subarray(0, rows * nb), start * nb);
    }
  } finally {
    arena.release();
  }
  return out;
}

/** Bᵀ/ℓ: d×nb with row k holding B[·, k]/ℓ_k. */
function scaledTranspose(b: Float64Array, nb: number, d: number, lengthscales: Float64Array): Float64Array {
  const bt = new Float64Array(d * nb);
  for (let k = 0; k < d; k++) {
    const inv = 1 / lengthscales[k];
    const bk = k * nb;
    for (let j = 0; j < nb; j++) bt[bk + j] = b[j * d + k] * inv;
  }
  return bt;
}

/**
 * Noise-free kernel matrix of X with itself (n×n, full symmetric), plus `diagonalAdd` on the diagonal
 * (noise variance and jitter).
 */
export function maternKernelMatrix(
  x: Float64Array,
  n: number,
  d: number,
  lengthscales: Float64Array,
  outputscale: number,
  diagonalAdd = 0,
  out: Float64Array = new Float64Array(n * n),
): Float64Array {
  maternCrossKernel(x, n, x, n, d, lengthscales, outputscale, out);
  for (let i = 0; i < n; i++) out[i * n + i] = outputscale + diagonalAdd; // exact 1 at r = 0
  return out;
}
