/**
 * Exact log marginal likelihood of a constant-mean Matérn-5/2 ARD GP and its analytic gradient
 * (spec scbo.md §4):
 *   log p = −½ rᵀK⁻¹r − ½ log|K| − (n/2) log 2π,   r = y' − μ,   K = σ_f² C + σ_n² I,
 *   ∂ log p/∂θ = ½ tr(W ∂K/∂θ),   W = ααᵀ − K⁻¹,   α = K⁻¹ r,   ∂ log p/∂μ = Σ α_i.
 *
 * Parameter vector θ (length d + 3): [log ℓ_1 … log ℓ_d, log σ_f², log σ_n², μ].
 *
 * The O(n²d) and O(n³) work runs in the GP kernels (src/kernels/gp-kernels.ts: wasm SIMD, or their TypeScript
 * twins), on matrices kept in the kernels' memory for the lifetime of the object:
 *   pair terms and K (maternPairs) → Cholesky with jitter escalation → α (triangular solves) → log p;
 *   for the gradient: U = L⁻ᵀ, K⁻¹ = UUᵀ, then one pass over the pairs per four lengthscales
 *   (likelihoodGradient), which recomputes the scaled coordinate differences from Xᵀ/ℓ instead of storing
 *   n²d/2 squared differences.
 * Cost per evaluation: n³/2 multiply-adds (n³/6 without the gradient) plus O(n²d).
 */
import { CholeskyError, logDetFromCholesky } from '../../kernels/linalg.js';
import { GpArena, type GpKernels } from '../../kernels/gp-kernels.js';
import type { GpHyperparameters } from './types.js';

/** Relative jitters tried after a failed factorisation (as linalg's choleskyInPlace defaults). */
const MIN_JITTER = 1e-8;
const MAX_JITTER = 1e-4;

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
  /** Xᵀ (d×n), unscaled. */
  private readonly xt: Float64Array;
  private readonly arena: GpArena;
  private readonly k: GpKernels;
  // Views into the arena.
  private readonly xs: Float64Array;
  private readonly corr: Float64Array;
  private readonly gf: Float64Array;
  private readonly chol: Float64Array;
  private readonly kinv: Float64Array;
  private readonly work: Float64Array;
  private readonly alpha: Float64Array;
  private readonly sums: Float64Array;

  /** @param x n×d training inputs; @param y n standardised outputs. Both are read, not copied. */
  constructor(x: Float64Array, n: number, d: number, y: Float64Array) {
    this.n = n;
    this.d = d;
    this.y = y;
    this.xt = new Float64Array(d * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) this.xt[k * n + i] = x[i * d + k];
    const arena = new GpArena();
    const nn = n * n;
    const xs = arena.f64(d * n);
    const corr = arena.f64(nn);
    const gf = arena.f64(nn);
    const chol = arena.f64(nn);
    const kinv = arena.f64(nn);
    const work = arena.f64(nn);
    const alpha = arena.f64(n);
    const sums = arena.f64(d + 3);
    arena.commit();
    this.arena = arena;
    this.k = arena.kernels;
    this.xs = xs.view();
    this.corr = corr.view();
    this.gf = gf.view();
    this.chol = chol.view();
    this.kinv = kinv.view();
    this.work = work.view();
    this.alpha = alpha.view();
    this.sums = sums.view();
  }

  /** Length of θ. */
  get dimension(): number {
    return this.d + 3;
  }

  /** Which implementation of the GP kernels evaluates this likelihood. */
  get backend(): string {
    return this.arena.backend;
  }

  /** Frees the kernel memory for reuse; the object must not be evaluated afterwards. */
  release(): void {
    this.arena.release();
  }

  /**
   * log p(y' | θ); when `grad` is given it receives ∂ log p/∂θ.
   * @throws CholeskyError when K cannot be factorised even with jitter.
   */
  evaluate(theta: Float64Array, grad?: Float64Array): number {
    const { n, d, y, xt, xs, corr, gf, chol, alpha, k } = this;
    const sf2 = Math.exp(theta[d]);
    const sn2 = Math.exp(theta[d + 1]);
    const mu = theta[d + 2];
    const diag = sf2 + sn2;
    let finite = Number.isFinite(diag) && Number.isFinite(mu);
    for (let q = 0; q < d; q++) {
      const inv = Math.exp(-theta[q]);
      if (!(inv > 0 && inv < Infinity)) finite = false;
      const o = q * n;
      for (let i = 0; i < n; i++) xs[o + i] = xt[o + i] * inv;
    }
    if (!finite) throw new CholeskyError(n, 0, -1, 'non-finite or degenerate kernel hyperparameters');

    k.maternPairs(xs, n, n, d, sf2, diag, corr, gf, chol);
    let pivot = n > 0 ? k.cholesky(chol, n) : -1;
    let jitter = 0;
    // Jitter escalation as choleskyInPlace: c·(mean diagonal) for c = 1e-8, 1e-7, …, 1e-4.
    for (let c = MIN_JITTER; pivot >= 0 && c <= MAX_JITTER * (1 + 1e-9); c *= 10) {
      jitter = c * Math.abs(diag);
      for (let i = 0; i < n; i++) {
        const ri = i * n;
        for (let j = 0; j < i; j++) chol[ri + j] = sf2 * corr[ri + j];
        chol[ri + i] = diag + jitter;
      }
      pivot = k.cholesky(chol, n);
    }
    if (pivot >= 0) throw new CholeskyError(n, jitter, pivot, 'matrix is not positive definite');
    this.lastJitter = jitter;

    for (let i = 0; i < n; i++) alpha[i] = y[i] - mu;
    k.solveLower(chol, n, alpha);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += alpha[i] * alpha[i];
    k.solveLowerTransposed(chol, n, alpha);
    const logp = -0.5 * fit - 0.5 * logDetFromCholesky(chol, n) - 0.5 * n * LOG_2PI;

    if (grad) this.gradient(sf2, sn2, grad);
    return logp;
  }

  /** Fills ∂ log p/∂θ from the factor and α left by `evaluate`. */
  private gradient(sf2: number, sn2: number, grad: Float64Array): void {
    const { n, d, xs, corr, gf, chol, kinv, work, alpha, sums, k } = this;
    k.invertLowerTransposed(chol, n, work);
    k.gramUpper(work, n, kinv);
    k.likelihoodGradient(xs, n, n, d, kinv, alpha, corr, gf, work, sums);
    // ½ tr(W ∂K) with ∂K symmetric and zero on the diagonal for ℓ: the ½ cancels the pair double count.
    for (let q = 0; q < d; q++) grad[q] = sf2 * sums[q];
    const pairSum = sums[d];
    const traceW = sums[d + 1];
    grad[d] = 0.5 * sf2 * (traceW + 2 * pairSum);
    grad[d + 1] = 0.5 * sn2 * traceW;
    grad[d + 2] = sums[d + 2];
  }
}
