/**
 * Pathwise posterior samples as functions (Wilson et al. 2020): sample s is
 *   f_s(x) = μ + Σ_j w_sj·cos(ω_jᵀx + b_j) + Σ_i v_si·k(x, x_i),
 * a random-Fourier-feature prior path plus an exact data update (see sampling.ts). Each path is smooth and
 * closed-form, so it can be evaluated, with its gradient, at points that were not among the sampled candidates:
 * SCBO uses this to refine each Thompson pick by a few gradient steps (scbo/refine.ts).
 *
 * Values are reported on an affine output scale `offset + scale·f_s(x)` (the GP's model output space when built by
 * {@link GaussianProcess.samplePaths}); the arithmetic is float64 throughout, so values agree with the sampled
 * candidate values up to the float32 rounding of the prior part there (~1e-6·σ_f).
 */
import { fastCos } from './rff.js';
import type { Posterior } from './posterior.js';
import type { GpHyperparameters } from './types.js';

const SQRT5 = Math.sqrt(5);
const HALF_PI = Math.PI / 2;

export class PathwiseSamples {
  /** Affine map from the standardised scale to the reported one. */
  offset = 0;
  scale = 1;
  private readonly z: Float64Array;
  private readonly coef: Float64Array;
  private readonly invLengthSq: Float64Array;

  constructor(
    /** Input dimension. */
    readonly d: number,
    /** Number of sample paths. */
    readonly count: number,
    /** Frequencies, dimension-major: ω_j[k] at omega[k·F + j]. */
    private readonly omega: Float64Array,
    private readonly phase: Float64Array,
    private readonly features: number,
    /** Feature weights with the amplitude included, sample-major: weights[s·F + j]. */
    private readonly weights: Float64Array,
    /** Training inputs (n×d, pseudo-observations included). */
    private readonly xTrain: Float64Array,
    private readonly n: number,
    /** Data-update coefficients v_s, sample-major: update[s·n + i]. */
    private readonly update: Float64Array,
    private readonly hyper: GpHyperparameters,
  ) {
    this.z = new Float64Array(features);
    this.coef = new Float64Array(features);
    this.invLengthSq = hyper.lengthscales.map((l) => 1 / (l * l));
  }

  /** The same paths reported on the scale offset + scale·f (shares the arrays). */
  withOutputScale(offset: number, scale: number): PathwiseSamples {
    const p = new PathwiseSamples(this.d, this.count, this.omega, this.phase, this.features, this.weights, this.xTrain, this.n, this.update, this.hyper);
    p.offset = offset;
    p.scale = scale;
    return p;
  }

  /**
   * Value of path s at x (d coordinates); with `grad`, also writes ∂/∂x into it. Cost O(F·d + n·d).
   */
  evaluate(s: number, x: Float64Array, grad: Float64Array | null = null): number {
    if (!(Number.isInteger(s) && s >= 0 && s < this.count)) throw new RangeError(`PathwiseSamples: no path ${s} (have ${this.count})`);
    const { d, features: F, omega, z, coef, n, xTrain, invLengthSq } = this;
    const { outputscale } = this.hyper;
    // Prior part: Σ_j w_j cos(ω_jᵀx + b_j).
    z.set(this.phase);
    for (let k = 0; k < d; k++) {
      const xk = x[k];
      const row = k * F;
      for (let j = 0; j < F; j++) z[j] += xk * omega[row + j];
    }
    const w = this.weights;
    const wOff = s * F;
    let value = 0;
    if (grad) {
      for (let j = 0; j < F; j++) {
        const wj = w[wOff + j];
        value += wj * fastCos(z[j]);
        coef[j] = -wj * fastCos(z[j] - HALF_PI); // −w_j sin(z_j)
      }
      for (let k = 0; k < d; k++) {
        const row = k * F;
        let g = 0;
        for (let j = 0; j < F; j++) g += coef[j] * omega[row + j];
        grad[k] = g;
      }
    } else {
      for (let j = 0; j < F; j++) value += w[wOff + j] * fastCos(z[j]);
    }
    // Data part: Σ_i v_i k(x, x_i), k = σ_f²(1 + √5r + 5r²/3)e^{−√5r};
    // ∂k/∂x_k = −(5/3)σ_f²(1 + √5r)e^{−√5r}(x_k − x_ik)/ℓ_k².
    const v = this.update;
    const vOff = s * n;
    for (let i = 0; i < n; i++) {
      const row = i * d;
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const t = x[k] - xTrain[row + k];
        r2 += t * t * invLengthSq[k];
      }
      const sr = SQRT5 * Math.sqrt(r2);
      const e = Math.exp(-sr);
      const vi = v[vOff + i];
      value += vi * outputscale * (1 + sr + (sr * sr) / 3) * e;
      if (grad) {
        const f = (-(5 / 3) * outputscale * (1 + sr) * e * vi);
        for (let k = 0; k < d; k++) grad[k] += f * (x[k] - xTrain[row + k]) * invLengthSq[k];
      }
    }
    if (grad) for (let k = 0; k < d; k++) grad[k] *= this.scale;
    return this.offset + this.scale * (this.hyper.mean + value);
  }
}

/** The posterior mean μ + k(x, X)·α as `count` identical paths without features (standardised scale). */
export function meanAsPaths(post: Posterior, count: number): PathwiseSamples {
  const { n, d } = post;
  const update = new Float64Array(count * n);
  for (let s = 0; s < count; s++) update.set(post.alpha.subarray(0, n), s * n);
  const none = new Float64Array(0);
  return new PathwiseSamples(d, count, none, none, 0, none, post.x.slice(0, n * d), n, update, post.hyper);
}
