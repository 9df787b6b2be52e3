/**
 * Poisson rate encoder with BindsNET semantics (spec snn-models.md §A5):
 *
 *   f = pixel/255 · rate (Hz);  λ = 1000/(f·dt) steps;  ISI_k ~ Poisson(λ), ISI_k ← 1 where it is 0;
 *   t_k = ISI_0 + … + ISI_k;  spike at step t_k − 1 for every t_k ≤ T.
 *
 * At most one spike per step; a white pixel gives 12.4 spikes at (T = 100, 128 Hz) and 11.8 at (T = 25, 512 Hz).
 *
 * Speed: a pixel value has only 255 possible rates, so the distribution of a bumped interval, truncated to
 * "1..T or more than T", is tabulated once per value as 32-bit thresholds with a 256-entry guide table. A draw
 * then costs one 32-bit random number and about one comparison. BindsNET draws T + 1 intervals per pixel; we
 * stop at the first one that passes T, which gives the same distribution (every interval is at least 1, so the
 * spikes depend only on the intervals drawn before the sum passes T).
 */
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import type { SpikeTrains } from './spikes.js';

/** Encoder settings. */
export interface PoissonOptions {
  /** Number of time steps (≥ 1). */
  T: number;
  /** Firing rate in Hz of a pixel of value 255 (BindsNET's `intensity`). */
  rate: number;
  /** Step length in ms (default 1). */
  dt?: number;
}

/** The two settings of the paper's experiments. */
export const POISSON_PRESETS = {
  /** Exp 1, STDP: T = 100 at 128 Hz. */
  stdp: { T: 100, rate: 128 },
  /** Exp 3, surrogate gradient: T = 25 at 512 Hz. */
  surrogate: { T: 25, rate: 512 },
} as const satisfies Record<string, PoissonOptions>;

const GUIDE_BITS = 8;
const GUIDE = 1 << GUIDE_BITS;
const TWO32 = 4294967296;

/** Encodes 8-bit intensities (one byte per input) into {@link SpikeTrains}; reusable across samples. */
export class PoissonEncoder {
  readonly T: number;
  readonly rate: number;
  readonly dt: number;
  /** thresholds[v·(T+1) + k] = P(bumped ISI ≤ k)·2³² for pixel value v and k = 1..T. */
  private readonly thresholds: Float64Array;
  /** guide[v·256 + g] = first k whose threshold exceeds g·2²⁴ (T + 1 when none). */
  private readonly guide: Int32Array;
  private scratchStep = new Uint16Array(0);
  private scratchInput = new Uint32Array(0);
  private readonly counts: Uint32Array;

  constructor(opts: PoissonOptions) {
    const { T, rate } = opts;
    const dt = opts.dt ?? 1;
    if (!Number.isInteger(T) || T < 1 || T > 65535) throw new UserError(`Poisson encoder T must be an integer in 1..65535, got ${T}.`);
    if (!(rate > 0) || !Number.isFinite(rate)) throw new UserError(`Poisson encoder rate must be a positive number of Hz, got ${rate}.`);
    if (!(dt > 0)) throw new UserError(`Poisson encoder dt must be a positive number of ms, got ${dt}.`);
    this.T = T;
    this.rate = rate;
    this.dt = dt;
    this.counts = new Uint32Array(T);
    this.thresholds = new Float64Array(256 * (T + 1));
    this.guide = new Int32Array(256 * GUIDE);
    this.guide.fill(T + 1, 0, GUIDE); // value 0 never spikes
    for (let v = 1; v < 256; v++) {
      const cdf = bumpedIsiCdf(meanInterval(v, rate, dt), T);
      const base = v * (T + 1);
      for (let k = 1; k <= T; k++) this.thresholds[base + k] = cdf[k] * TWO32;
      let k = 1;
      for (let g = 0; g < GUIDE; g++) {
        const lower = g * (TWO32 / GUIDE);
        while (k <= T && this.thresholds[base + k] <= lower) k++;
        this.guide[v * GUIDE + g] = k;
      }
    }
  }

  /**
   * Encodes one sample. `pixels[i]` is the 0–255 intensity of input i; every random draw comes from `rng`
   * (same generator state, same spikes).
   */
  encode(pixels: Uint8Array, rng: Rng): SpikeTrains {
    const T = this.T;
    const n = pixels.length;
    if (n > 65536) throw new RangeError('PoissonEncoder.encode: more than 65536 inputs');
    const cap = n * T;
    if (this.scratchStep.length < cap) {
      this.scratchStep = new Uint16Array(cap);
      this.scratchInput = new Uint32Array(cap);
    }
    const steps = this.scratchStep;
    const inputs = this.scratchInput;
    const counts = this.counts;
    counts.fill(0);
    const thr = this.thresholds;
    const guide = this.guide;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = pixels[i];
      if (v === 0) continue;
      const base = v * (T + 1);
      const gbase = v * GUIDE;
      let t = 0;
      for (;;) {
        const u = rng.nextUint32();
        let k = guide[gbase + (u >>> (32 - GUIDE_BITS))];
        while (k <= T && u >= thr[base + k]) k++;
        t += k;
        if (t > T) break;
        steps[m] = t - 1;
        inputs[m] = i;
        counts[t - 1]++;
        m++;
      }
    }
    // Counting sort by step; inputs were visited in ascending order, so each step's list comes out sorted.
    const offsets = new Uint32Array(T + 1);
    for (let t = 0; t < T; t++) offsets[t + 1] = offsets[t] + counts[t];
    const fill = counts; // reused as per-step write cursors
    for (let t = 0; t < T; t++) fill[t] = offsets[t];
    const indices = new Uint16Array(m);
    for (let j = 0; j < m; j++) indices[fill[steps[j]]++] = inputs[j];
    return { T, nInputs: n, offsets, indices };
  }

  /** Expected number of spikes of one input of value `pixel` over T steps (renewal equation, exact). */
  expectedSpikes(pixel: number): number {
    return expectedSpikeCount((pixel / 255) * this.rate, this.T, this.dt);
  }
}

/** Mean inter-spike interval in steps for a pixel value (λ = 1000/(f·dt)). */
function meanInterval(v: number, rate: number, dt: number): number {
  return 1000 / ((v / 255) * rate * dt);
}

/** cdf[k] = P(max(1, Poisson(λ)) ≤ k) for k = 0..T, computed in log space so large λ cannot underflow early. */
function bumpedIsiCdf(lambda: number, T: number): Float64Array {
  const cdf = new Float64Array(T + 1);
  const logL = Math.log(lambda);
  let logFact = 0;
  let acc = 0;
  for (let k = 0; k <= T; k++) {
    if (k > 0) logFact += Math.log(k);
    acc += Math.exp(-lambda + k * logL - logFact);
    cdf[k] = Math.min(1, acc);
  }
  cdf[0] = 0; // bumped: an interval is never 0
  return cdf;
}

/**
 * Expected spike count over T steps of the A5 encoder at rate `rateHz` (renewal equation on the bumped
 * Poisson interval distribution). 12.4 at (128 Hz, T = 100), 11.8 at (512 Hz, T = 25).
 */
export function expectedSpikeCount(rateHz: number, T: number, dt = 1): number {
  if (rateHz <= 0) return 0;
  const cdf = bumpedIsiCdf(1000 / (rateHz * dt), T);
  const pmf = new Float64Array(T + 1);
  for (let k = 1; k <= T; k++) pmf[k] = cdf[k] - cdf[k - 1];
  // u[t] = probability that some cumulative time equals t.
  const u = new Float64Array(T + 1);
  u[0] = 1;
  let total = 0;
  for (let t = 1; t <= T; t++) {
    let s = 0;
    for (let k = 1; k <= t; k++) s += pmf[k] * u[t - k];
    u[t] = s;
    total += s;
  }
  return total;
}
