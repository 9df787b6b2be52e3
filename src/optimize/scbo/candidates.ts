/**
 * Candidate generation inside the trust region (spec scbo.md §5.4 and §6): the box around the centre, scrambled
 * Sobol points in it, and the perturbation mask that keeps most coordinates at the centre in high dimension.
 */
import type { Rng } from '../../util/rng.js';
import { SobolEngine } from '../sobol.js';

/** n_cand = min(5000, max(2000, 200·d)). */
export function defaultCandidateCount(dimension: number): number {
  return Math.min(5000, Math.max(2000, 200 * dimension));
}

/** Probability that a coordinate is perturbed away from the centre: min(20/d, 1). */
export function perturbationProbability(dimension: number): number {
  return Math.min(20 / dimension, 1);
}

export type TrustRegionShape = 'weighted' | 'cube';

export interface Box {
  lower: Float64Array;
  upper: Float64Array;
}

/**
 * The trust region: a cube of side L around the centre, or (weighted) a box whose sides follow the objective
 * GP's lengthscales, normalised so that their geometric mean is 1 (TuRBO). Clipped to the unit cube.
 */
export function trustRegionBox(
  centre: Float64Array,
  length: number,
  shape: TrustRegionShape,
  lengthscales?: Float64Array,
): Box {
  const d = centre.length;
  const weights = new Float64Array(d).fill(1);
  if (shape === 'weighted' && lengthscales) {
    let mean = 0;
    for (let k = 0; k < d; k++) mean += lengthscales[k];
    mean /= d;
    let logProduct = 0;
    for (let k = 0; k < d; k++) {
      weights[k] = lengthscales[k] / mean;
      logProduct += Math.log(weights[k]);
    }
    const geometricMean = Math.exp(logProduct / d);
    for (let k = 0; k < d; k++) weights[k] /= geometricMean;
  }
  const lower = new Float64Array(d);
  const upper = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    const half = (weights[k] * length) / 2;
    lower[k] = Math.max(0, centre[k] - half);
    upper[k] = Math.min(1, centre[k] + half);
  }
  return { lower, upper };
}

/**
 * count candidates, row-major count×d: scrambled Sobol points in the box, each coordinate kept at the centre
 * unless perturbed (probability p); a row with no perturbed coordinate gets one, chosen uniformly among all d
 * (the reference never picks the last one, quirk Q11).
 */
export function generateCandidates(
  centre: Float64Array,
  box: Box,
  count: number,
  rng: Rng,
  probability = perturbationProbability(centre.length),
): Float64Array {
  const d = centre.length;
  const sobol = new SobolEngine(d, { scramble: true, rng }).draw(count);
  const out = new Float64Array(count * d);
  for (let i = 0; i < count; i++) {
    const row = i * d;
    let perturbed = 0;
    for (let k = 0; k < d; k++) {
      if (probability >= 1 || rng.random() <= probability) {
        out[row + k] = box.lower[k] + (box.upper[k] - box.lower[k]) * sobol[row + k];
        perturbed++;
      } else {
        out[row + k] = centre[k];
      }
    }
    if (perturbed === 0) {
      const k = rng.int(d);
      out[row + k] = box.lower[k] + (box.upper[k] - box.lower[k]) * sobol[row + k];
    }
  }
  return out;
}
