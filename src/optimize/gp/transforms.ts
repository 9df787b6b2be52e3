/**
 * Output transforms of the GP surrogates (spec scbo.md §4 and §4.1): Standardize, Bilog and the
 * Gaussian copula, each with its inverse so values can be moved between the raw and model scales.
 */
import { normalQuantile } from './normal.js';

/** Location and scale of a standardisation y' = (y − mean) / std. */
export interface Standardization {
  mean: number;
  std: number;
}

/** Below this unbiased standard deviation the data are treated as constant and the scale is 1 (as BoTorch). */
export const MIN_STD = 1e-8;

/**
 * Mean and unbiased standard deviation of y for `Standardize`. The std is replaced by 1 when it is below
 * {@link MIN_STD} or n = 1; n = 0 gives mean 0, std 1.
 */
export function standardization(y: Float64Array): Standardization {
  const n = y.length;
  if (n === 0) return { mean: 0, std: 1 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  if (n === 1) return { mean, std: 1 };
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i] - mean;
    ss += e * e;
  }
  const std = Math.sqrt(ss / (n - 1));
  return { mean, std: std < MIN_STD ? 1 : std };
}

/** (y − mean)/std elementwise. */
export function standardize(y: Float64Array, s: Standardization, out: Float64Array = new Float64Array(y.length)): Float64Array {
  const inv = 1 / s.std;
  for (let i = 0; i < y.length; i++) out[i] = (y[i] - s.mean) * inv;
  return out;
}

/** mean + std·z elementwise (inverse of {@link standardize}). */
export function unstandardize(z: Float64Array, s: Standardization, out: Float64Array = new Float64Array(z.length)): Float64Array {
  for (let i = 0; i < z.length; i++) out[i] = s.mean + s.std * z[i];
  return out;
}

/** Bilog of one value: sign(y)·log(1 + |y|). Keeps the sign, so the threshold 0 is unchanged. */
export function bilogValue(y: number): number {
  return y < 0 ? -Math.log1p(-y) : Math.log1p(y);
}

/** Inverse bilog of one value: sign(z)·(e^|z| − 1). */
export function bilogInverseValue(z: number): number {
  return z < 0 ? -Math.expm1(-z) : Math.expm1(z);
}

/** Bilog elementwise. */
export function bilog(y: Float64Array, out: Float64Array = new Float64Array(y.length)): Float64Array {
  for (let i = 0; i < y.length; i++) out[i] = bilogValue(y[i]);
  return out;
}

/** Inverse bilog elementwise. */
export function bilogInverse(z: Float64Array, out: Float64Array = new Float64Array(z.length)): Float64Array {
  for (let i = 0; i < z.length; i++) out[i] = bilogInverseValue(z[i]);
  return out;
}

/**
 * Ranks 1..n of y with ties given their average rank (e.g. [5, 1, 5] → [2.5, 1, 2.5]).
 */
export function averageRanks(y: Float64Array): Float64Array {
  const n = y.length;
  const order = sortedOrder(y);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && y[order[end]] === y[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // mean of the 1-based positions start+1..end
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Gaussian-copula normal scores: z_i = Φ⁻¹(r_i/(n + 1)) with average ranks r_i. Monotone in y. */
export function copulaScores(y: Float64Array): Float64Array {
  const n = y.length;
  const ranks = averageRanks(y);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = normalQuantile(ranks[i] / (n + 1));
  return z;
}

/**
 * The Gaussian copula fitted on training values, with a forward map for new values and an inverse from the
 * normal-score scale back to the raw scale. Between training values both maps interpolate linearly through
 * the knots (sorted distinct y, their score); outside the training range they clamp to the end knots, since
 * an empirical copula says nothing beyond the observed extremes.
 */
export class CopulaTransform {
  /** Sorted distinct training values. */
  readonly knotsY: Float64Array;
  /** Normal score of each knot. */
  readonly knotsZ: Float64Array;

  private constructor(knotsY: Float64Array, knotsZ: Float64Array) {
    this.knotsY = knotsY;
    this.knotsZ = knotsZ;
  }

  /** Fits the transform on the training values y (non-empty, finite). */
  static fit(y: Float64Array): CopulaTransform {
    if (y.length === 0) throw new Error('CopulaTransform.fit: needs at least one value');
    const z = copulaScores(y);
    const order = sortedOrder(y);
    const ky: number[] = [];
    const kz: number[] = [];
    for (const i of order) {
      if (ky.length > 0 && ky[ky.length - 1] === y[i]) continue; // ties share one score
      ky.push(y[i]);
      kz.push(z[i]);
    }
    return new CopulaTransform(Float64Array.from(ky), Float64Array.from(kz));
  }

  /** Normal score of each value of y. */
  forward(y: Float64Array, out: Float64Array = new Float64Array(y.length)): Float64Array {
    for (let i = 0; i < y.length; i++) out[i] = interpolate(this.knotsY, this.knotsZ, y[i]);
    return out;
  }

  /** Raw-scale value of each normal score of z. */
  inverse(z: Float64Array, out: Float64Array = new Float64Array(z.length)): Float64Array {
    for (let i = 0; i < z.length; i++) out[i] = interpolate(this.knotsZ, this.knotsY, z[i]);
    return out;
  }
}

/** Names of the output transforms a GP can apply before Standardize. */
export type OutputTransform = 'none' | 'bilog' | 'copula';

/** t(y) for the named transform (the copula is fitted on y itself). */
export function applyOutputTransform(kind: OutputTransform, y: Float64Array): Float64Array {
  switch (kind) {
    case 'none':
      return Float64Array.from(y);
    case 'bilog':
      return bilog(y);
    case 'copula':
      return copulaScores(y);
    default:
      throw new Error(`Unknown output transform '${String(kind)}'`);
  }
}

/** Indices of y sorted ascending (stable). */
function sortedOrder(y: Float64Array): number[] {
  const order = Array.from({ length: y.length }, (_, i) => i);
  order.sort((a, b) => y[a] - y[b] || a - b);
  return order;
}

/** Piecewise-linear interpolation through increasing knots xs → ys, clamped outside. */
function interpolate(xs: Float64Array, ys: Float64Array, x: number): number {
  const n = xs.length;
  if (Number.isNaN(x)) return NaN;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}
