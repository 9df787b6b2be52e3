/**
 * Exact log marginal likelihood of a constant-mean Matérn-5/2 ARD GP and its analytic gradient
 * (spec scbo.md §4):
 *   log p = −½ rᵀK⁻¹r − ½ log|K| − (n/2) log 2π,   r = y' − μ,   K = σ_f² C + σ_n² I,
 *   ∂ log p/∂θ = ½ tr(W ∂K/∂θ),   W = ααᵀ − K⁻¹,   α = K⁻¹ r,   ∂ log p/∂μ = Σ α_i.
 *
 * Parameter vector θ (length d + 3): [log ℓ_1 … log ℓ_d, log σ_f², log σ_n², μ].
 * The squared coordinate differences of the training pairs are computed once, so each lengthscale
 * gradient is a single pass over the pairs.
 */
import { choleskyInPlace, inverseFromCholesky, logDetFromCholesky, solveLower, solveLowerTransposed } from '../../kernels/linalg.js';
import { maternPairTerms, pairCount, pairwiseSquaredDifferences } from './matern.js';
import type { GpHyperparameters } from './types.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** θ from hyperparameters (see module doc for the layout). */
export function packHyperparameters(h: GpHyperparameters): Float64Array {
  const d = h.lengthscales.length;
  const theta = new Float64Array(d + 3);
  for (let k = 0; k < d; k++) theta[k] = Math.log(h.lengthscales[k]);
  theta[d] = Math.log(h.outputscale);
  theta[d + 1] = Math.log(h.noise);
  theta[d + 2] = h.mean;
  return theta;
}

/** Hyperparameters from θ. */
export function unpackHyperparameters(theta: Float64Array, d: number): GpHyperparameters {
  const lengthscales = new Float64Array(d);
  for (let k = 0; k < d; k++) lengthscales[k] = Math.exp(theta[k]);
  return { lengthscales, outputscale: Math.exp(theta[d]), noise: Math.exp(theta[d + 1]), mean: theta[d + 2] };
}

/** Log marginal likelihood of fixed training data as a function of θ, with reusable workspaces. */
export class MarginalLikelihood {
  readonly n: number;
  readonly d: number;
  /** Jitter used by the last evaluation. */
  lastJitter = 0;

  private readonly y: Float64Array;
  private readonly sqDiff: Float64Array;
  private readonly nPairs: number;
  private readonly invLengthSq: Float64Array;
  private readonly corr: Float64Array;
  private readonly gradFactor: Float64Array;
  private readonly chol: Float64Array;
  private readonly inverse: Float64Array;
  private readonly work: Float64Array;
  private readonly alpha: Float64Array;
  private readonly r2: Float64Array;
  private readonly pairWeight: Float64Array;

  /** @param x n×d training inputs; @param y n standardised outputs. Both are read, not copied. */
  constructor(x: Float64Array, n: number, d: number, y: Float64Array) {
    this.n = n;
    this.d = d;
    this.y = y;
    this.nPairs = pairCount(n);
    this.sqDiff = pairwiseSquaredDifferences(x, n, d);
    this.invLengthSq = new Float64Array(d);
    this.corr = new Float64Array(this.nPairs);
    this.gradFactor = new Float64Array(this.nPairs);
    this.chol = new Float64Array(n * n);
    this.inverse = new Float64Array(n * n);
    this.work = new Float64Array(n * n);
    this.alpha = new Float64Array(n);
    this.r2 = new Float64Array(this.nPairs);
    this.pairWeight = new Float64Array(this.nPairs);
  }

  /** Length of θ. */
  get dimension(): number {
    return this.d + 3;
  }

  /**
   * log p(y' | θ); when `grad` is given it receives ∂ log p/∂θ.
   * @throws CholeskyError when K cannot be factorised even with jitter.
   */
  evaluate(theta: Float64Array, grad?: Float64Array): number {
    const { n, d, nPairs, y, sqDiff, invLengthSq, corr, gradFactor, chol, alpha } = this;
    for (let k = 0; k < d; k++) invLengthSq[k] = Math.exp(-2 * theta[k]);
    const sf2 = Math.exp(theta[d]);
    const sn2 = Math.exp(theta[d + 1]);
    const mu = theta[d + 2];

    maternPairTerms(sqDiff, nPairs, d, invLengthSq, corr, gradFactor, this.r2);
    let p = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let j = 0; j < i; j++) chol[ri + j] = sf2 * corr[p++];
      chol[ri + i] = sf2 + sn2;
    }
    this.lastJitter = choleskyInPlace(chol, n);

    for (let i = 0; i < n; i++) alpha[i] = y[i] - mu;
    solveLower(chol, n, alpha);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += alpha[i] * alpha[i];
    solveLowerTransposed(chol, n, alpha);
    const logp = -0.5 * fit - 0.5 * logDetFromCholesky(chol, n) - 0.5 * n * LOG_2PI;

    if (grad) this.gradient(sf2, sn2, grad);
    return logp;
  }

  /** Fills ∂ log p/∂θ from the factor and α left by `evaluate`. */
  private gradient(sf2: number, sn2: number, grad: Float64Array): void {
    const { n, d, nPairs, sqDiff, invLengthSq, corr, gradFactor, chol, alpha, pairWeight } = this;
    const kinv = inverseFromCholesky(chol, n, this.inverse, this.work);
    let traceW = 0;
    let pairSum = 0; // Σ_{i>j} W_ij C_ij
    let sumAlpha = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const ai = alpha[i];
      sumAlpha += ai;
      for (let j = 0; j < i; j++, p++) {
        const w = ai * alpha[j] - kinv[ri + j];
        pairSum += w * corr[p];
        pairWeight[p] = w * gradFactor[p];
      }
      traceW += ai * ai - kinv[ri + i];
    }
    // ½ tr(W ∂K) with ∂K symmetric and zero on the diagonal for ℓ: the ½ cancels the pair double count.
    // Three dimensions per pass share the loads of the pair weights.
    let k = 0;
    for (; k + 2 < d; k += 3) {
      const o0 = k * nPairs;
      const o1 = o0 + nPairs;
      const o2 = o1 + nPairs;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (let q = 0; q < nPairs; q++) {
        const w = pairWeight[q];
        s0 += w * sqDiff[o0 + q];
        s1 += w * sqDiff[o1 + q];
        s2 += w * sqDiff[o2 + q];
      }
      grad[k] = sf2 * s0 * invLengthSq[k];
      grad[k + 1] = sf2 * s1 * invLengthSq[k + 1];
      grad[k + 2] = sf2 * s2 * invLengthSq[k + 2];
    }
    for (; k < d; k++) {
      const o = k * nPairs;
      let s0 = 0;
      for (let q = 0; q < nPairs; q++) s0 += pairWeight[q] * sqDiff[o + q];
      grad[k] = sf2 * s0 * invLengthSq[k];
    }
    grad[d] = 0.5 * sf2 * (traceW + 2 * pairSum);
    grad[d + 1] = 0.5 * sn2 * traceW;
    grad[d + 2] = sumAlpha;
  }
}
