/**
 * Random Fourier features of the Matérn-5/2 ARD kernel (Rahimi & Recht 2007; the spectral density of
 * Matérn-ν is a multivariate t with 2ν degrees of freedom), as in spec scbo.md §7:
 *   ω_j = (z_j ⊘ ℓ)·√(2ν/g_j), z_j ~ N(0, I_d), g_j ~ χ²_{2ν} (ν = 5/2: √(5/g_j), g_j ~ χ²₅), b_j ~ U(0, 2π),
 *   φ(x) = σ_f·√(2/F)·cos(Ωx + b),   so E[φ(x)ᵀφ(x′)] = σ_f²·k(x, x′).
 *
 * (Cos/sin pairs with F/2 frequencies were tried: cheaper and a lower-variance kernel estimate, but the
 * posterior covariance in small trust regions came out ~40% less accurate at equal F, since half as many
 * frequencies sample the heavy-tailed spectral density. See bench/gp-timing.ts --quality.)
 *
 * The hot operation is Φ(X)·W for many points and a few weight vectors. Pathwise sampling runs it in the GP
 * kernels (src/kernels/gp-kernels.ts, see sampling.ts); {@link featureMatrix} here is the plain float64
 * reference for tests and timing scripts.
 */
import type { Rng } from '../../util/rng.js';

/** One draw of F Matérn-5/2 Fourier features in d dimensions. */
export interface FourierFeatures {
  readonly d: number;
  /** Number of features F. */
  readonly count: number;
  /** Frequencies, dimension-major: ω_j[k] at omega[k·F + j] (so a projection streams contiguous rows). */
  readonly omega: Float64Array;
  /** Phases b_j. */
  readonly phase: Float64Array;
  /** σ_f·√(2/F). */
  readonly amplitude: number;
}

/** Draws F Matérn-5/2 features for the given lengthscales and outputscale σ_f². */
export function drawMaternFeatures(d: number, count: number, lengthscales: Float64Array, outputscale: number, rng: Rng): FourierFeatures {
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`Fourier features: need a positive integer count, got ${count}`);
  const omega = new Float64Array(d * count);
  const phase = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    const scale = Math.sqrt(5 / rng.chiSquared(5));
    for (let k = 0; k < d; k++) omega[k * count + j] = (rng.normal() * scale) / lengthscales[k];
    phase[j] = 2 * Math.PI * rng.random();
  }
  return { d, count, omega, phase, amplitude: Math.sqrt((2 * outputscale) / count) };
}

const TWO_PI = 2 * Math.PI;
const INV_TWO_PI = 1 / TWO_PI;

/**
 * cos(x) with absolute error < 1e-11 for |x| < 1e5, several times faster than Math.cos in V8.
 * Reduces to t = x/2π − round(x/2π) ∈ [−½, ½], then cos(2πt) = sin(2π(¼ − |t|)) with the argument in
 * [−π/2, π/2], where an odd Taylor polynomial of degree 15 suffices. Branch-free on purpose: the
 * arguments are random, so branches would mispredict.
 */
export function fastCos(x: number): number {
  const t = x * INV_TWO_PI;
  const v = (0.25 - Math.abs(t - Math.floor(t + 0.5))) * TWO_PI;
  const v2 = v * v;
  return (
    v *
    (1 +
      v2 *
        (-1 / 6 +
          v2 * (1 / 120 + v2 * (-1 / 5040 + v2 * (1 / 362880 + v2 * (-1 / 39916800 + v2 * (1 / 6227020800 + v2 * (-1 / 1307674368000))))))))
  );
}

/** Feature matrix Φ(X) (n×F, row-major) with the amplitude included. */
export function featureMatrix(ff: FourierFeatures, x: Float64Array, n: number, out: Float64Array = new Float64Array(n * ff.count)): Float64Array {
  const F = ff.count;
  for (let i = 0; i < n; i++) {
    const row = out.subarray(i * F, (i + 1) * F);
    project(ff, x, i, row);
    for (let j = 0; j < F; j++) row[j] = ff.amplitude * fastCos(row[j]);
  }
  return out;
}

/** z = Ω x_i + b for point i of x, four input dimensions per pass over z. */
function project(ff: FourierFeatures, x: Float64Array, i: number, z: Float64Array): void {
  const { d, count: F, omega, phase } = ff;
  const xi = i * d;
  z.set(phase);
  let k = 0;
  for (; k + 3 < d; k += 4) {
    const x0 = x[xi + k];
    const x1 = x[xi + k + 1];
    const x2 = x[xi + k + 2];
    const x3 = x[xi + k + 3];
    const r0 = k * F;
    const r1 = r0 + F;
    const r2 = r1 + F;
    const r3 = r2 + F;
    for (let j = 0; j < F; j++) z[j] += x0 * omega[r0 + j] + x1 * omega[r1 + j] + x2 * omega[r2 + j] + x3 * omega[r3 + j];
  }
  for (; k < d; k++) {
    const xk = x[xi + k];
    const r = k * F;
    for (let j = 0; j < F; j++) z[j] += xk * omega[r + j];
  }
}
