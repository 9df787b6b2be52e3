/**
 * Losses and the classifier on output spike rates (spec snn-models.md B7). Both return the loss of one sample
 * and write ∂L/∂r; the batch loss is the sum over samples (reduction 'sum').
 */
export type LossName = 'rate' | 'max';

/** SpikeRate targets: 0.2 for the label, 0.03 otherwise. */
export const RATE_TRUE = 0.2;
export const RATE_FALSE = 0.03;

/** L = Σ_i (r_i − r̂_i)² (no ½). */
export function rateLoss(r: ArrayLike<number>, label: number, grad: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < r.length; i++) {
    const d = r[i] - (i === label ? RATE_TRUE : RATE_FALSE);
    loss += d * d;
    grad[i] = 2 * d;
  }
  return loss;
}

/**
 * SpikeMax (probability mode): p_i = r_i/(Σ r + 1e-6), L = −log(max(p_label, 1e-12)). The reference has no floor
 * (a silent label neuron gives an infinite loss and NaN weights); below the floor the gradient is 0.
 */
export function maxLoss(r: ArrayLike<number>, label: number, grad: Float64Array): number {
  let sum = 1e-6;
  for (let i = 0; i < r.length; i++) sum += r[i];
  const p = r[label] / sum;
  grad.fill(0, 0, r.length);
  if (p <= 1e-12) return -Math.log(1e-12);
  // L = −log r_label + log(sum): ∂L/∂r_i = 1/sum − [i = label]/r_label.
  for (let i = 0; i < r.length; i++) grad[i] = 1 / sum - (i === label ? 1 / r[label] : 0);
  return -Math.log(p);
}

export function lossFunction(name: LossName): (r: ArrayLike<number>, label: number, grad: Float64Array) => number {
  return name === 'rate' ? rateLoss : maxLoss;
}

/** argmax of the rates, lowest index on ties (all silent → 0). */
export function predict(r: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < r.length; i++) if (r[i] > r[best]) best = i;
  return best;
}
