/**
 * `svm` decoder: a support vector classifier on spike counts with scikit-learn's `SVC()` defaults (libsvm
 * C-SVC, C = 1, RBF kernel with gamma = 'scale' = 1/(n_features·Var(X)), tolerance 1e-3, one-vs-one voting with
 * ties to the lowest class), refitted from scratch on the latest chunk only, −1 before the first fit, chunks
 * with fewer than two classes skipped (spec A6). `kernel: 'linear'` gives a linear SVM.
 *
 * Each pairwise problem is solved by SMO with second-order working-set selection (Fan, Chen & Lin 2005) on a
 * precomputed kernel matrix (chunks are at most about a thousand samples).
 */
import { type Decoder, type SampleSpikes } from './decoder.js';
import { distinctLabels, sparseCounts, sparseDot, type SparseVector } from './features.js';

/** Options of {@link SvmDecoder}. */
export interface SvmOptions {
  /** 'rbf' (default, as SVC()) or 'linear'. */
  kernel?: 'rbf' | 'linear';
  /** Box constraint (default 1). */
  C?: number;
  /** Kernel width; default 'scale'. */
  gamma?: number | 'scale';
  /** Stopping tolerance on the maximal violating pair (default 1e-3). */
  tolerance?: number;
}

/** A trained binary machine of the one-vs-one set: decision > 0 votes for classes[a], else classes[b]. */
interface PairMachine {
  a: number;
  b: number;
  support: SparseVector[];
  coef: Float64Array; // α_t·y_t
  rho: number;
  /** Chunk indices of the pair's samples and their dual variables (diagnostics). */
  indices: Int32Array;
  alpha: Float64Array;
  y: Float64Array;
}

/** Dual solution of one pairwise problem of the last fit. */
export interface PairDual {
  /** Class indices (into `classes`): y = +1 for a, −1 for b. */
  a: number;
  b: number;
  /** Chunk positions of the samples, their labels ±1 and dual variables α ∈ [0, C]. */
  indices: Int32Array;
  y: Float64Array;
  alpha: Float64Array;
  rho: number;
}

/** One-vs-one kernel SVM read-out. */
export class SvmDecoder implements Decoder {
  readonly name = 'svm';
  classes: number[] = [];
  private machines: PairMachine[] = [];
  private gammaValue = 1;
  private readonly kernelKind: 'rbf' | 'linear';
  private readonly C: number;
  private readonly gammaOption: number | 'scale';
  private readonly tolerance: number;

  constructor(
    readonly nFeatures: number,
    options: SvmOptions = {},
  ) {
    this.kernelKind = options.kernel ?? 'rbf';
    this.C = options.C ?? 1;
    this.gammaOption = options.gamma ?? 'scale';
    this.tolerance = options.tolerance ?? 1e-3;
  }

  /** The gamma of the last fit. */
  get gamma(): number {
    return this.gammaValue;
  }

  private kernel(x: SparseVector, y: SparseVector): number {
    const dot = sparseDot(x, y);
    if (this.kernelKind === 'linear') return dot;
    return Math.exp(-this.gammaValue * Math.max(0, x.sqNorm + y.sqNorm - 2 * dot));
  }

  update(chunk: readonly SampleSpikes[], labels: ArrayLike<number>): void {
    const classes = distinctLabels(labels);
    if (classes.length < 2) return;
    const X = chunk.map(sparseCounts);
    if (this.gammaOption === 'scale') {
      // Variance of all n × d entries, zeros included.
      let s = 0;
      let s2 = 0;
      for (const x of X) for (let a = 0; a < x.val.length; a++) {
        s += x.val[a];
        s2 += x.val[a] * x.val[a];
      }
      const m = X.length * this.nFeatures;
      const variance = s2 / m - (s / m) * (s / m);
      this.gammaValue = variance > 0 ? 1 / (this.nFeatures * variance) : 1;
    } else {
      this.gammaValue = this.gammaOption;
    }
    const byClass = classes.map((c) => X.map((_, i) => i).filter((i) => labels[i] === c));
    const machines: PairMachine[] = [];
    for (let a = 0; a < classes.length; a++) {
      for (let b = a + 1; b < classes.length; b++) {
        const indices = Int32Array.from([...byClass[a], ...byClass[b]]);
        const xs = Array.from(indices, (i) => X[i]);
        const y = new Float64Array(xs.length).fill(-1);
        y.fill(1, 0, byClass[a].length);
        const { alpha, rho } = this.solve(xs, y);
        const support: SparseVector[] = [];
        const coef: number[] = [];
        for (let t = 0; t < xs.length; t++) {
          if (alpha[t] > 0) {
            support.push(xs[t]);
            coef.push(alpha[t] * y[t]);
          }
        }
        machines.push({ a, b, support, coef: Float64Array.from(coef), rho, indices, alpha, y });
      }
    }
    this.machines = machines;
    this.classes = classes;
  }

  /** SMO for min ½αᵀQα − Σα, 0 ≤ α ≤ C, yᵀα = 0, Q = (y yᵀ)∘K; returns α and the bias term rho. */
  private solve(xs: SparseVector[], y: Float64Array): { alpha: Float64Array; rho: number } {
    const l = xs.length;
    const C = this.C;
    const K = new Float64Array(l * l);
    for (let i = 0; i < l; i++) {
      for (let j = i; j < l; j++) {
        const k = this.kernel(xs[i], xs[j]);
        K[i * l + j] = k;
        K[j * l + i] = k;
      }
    }
    const alpha = new Float64Array(l);
    const G = new Float64Array(l).fill(-1); // gradient Qα − e at α = 0
    const maxIter = Math.max(1_000_000, 100 * l);
    const TAU = 1e-12;
    for (let iter = 0; iter < maxIter; iter++) {
      // i: maximal −y_t·G_t over I_up = {y=+1, α<C} ∪ {y=−1, α>0}.
      let gMax = -Infinity;
      let i = -1;
      for (let t = 0; t < l; t++) {
        const up = y[t] > 0 ? alpha[t] < C : alpha[t] > 0;
        if (up && -y[t] * G[t] >= gMax) {
          gMax = -y[t] * G[t];
          i = t;
        }
      }
      // j: over I_low = {y=+1, α>0} ∪ {y=−1, α<C} with −y_t·G_t < gMax, minimising −b²/a.
      let gMin = Infinity;
      let j = -1;
      let best = Infinity;
      for (let t = 0; t < l; t++) {
        const low = y[t] > 0 ? alpha[t] > 0 : alpha[t] < C;
        if (!low) continue;
        const v = -y[t] * G[t];
        if (v < gMin) gMin = v;
        if (i < 0 || v >= gMax) continue;
        const b = gMax - v;
        let a = K[i * l + i] + K[t * l + t] - 2 * K[i * l + t];
        if (a <= 0) a = TAU;
        const score = -(b * b) / a;
        if (score <= best) {
          best = score;
          j = t;
        }
      }
      if (i < 0 || j < 0 || gMax - gMin < this.tolerance) break;
      // Move α_i += y_i·δ, α_j −= y_j·δ (keeps yᵀα), δ ≥ 0 clipped to the box.
      let a = K[i * l + i] + K[j * l + j] - 2 * K[i * l + j];
      if (a <= 0) a = TAU;
      const b = gMax + y[j] * G[j];
      let delta = b / a;
      delta = Math.min(delta, y[i] > 0 ? C - alpha[i] : alpha[i], y[j] > 0 ? alpha[j] : C - alpha[j]);
      alpha[i] += y[i] * delta;
      alpha[j] -= y[j] * delta;
      if (alpha[i] < 1e-15 * C) alpha[i] = 0;
      if (alpha[j] < 1e-15 * C) alpha[j] = 0;
      if (alpha[i] > C * (1 - 1e-15)) alpha[i] = C;
      if (alpha[j] > C * (1 - 1e-15)) alpha[j] = C;
      for (let t = 0; t < l; t++) G[t] += y[t] * delta * (K[t * l + i] - K[t * l + j]);
    }
    // Bias (libsvm): mean of y·G over free vectors, else the middle of the feasible interval.
    let ub = Infinity;
    let lb = -Infinity;
    let nFree = 0;
    let sumFree = 0;
    for (let t = 0; t < l; t++) {
      const yG = y[t] * G[t];
      if (alpha[t] >= C) {
        if (y[t] < 0) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else if (alpha[t] <= 0) {
        if (y[t] > 0) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else {
        nFree++;
        sumFree += yG;
      }
    }
    const rho = nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
    return { alpha, rho };
  }

  /** The dual solutions of the last fit, one per class pair (a < b). */
  pairDuals(): PairDual[] {
    return this.machines.map(({ a, b, indices, y, alpha, rho }) => ({ a, b, indices, y, alpha, rho }));
  }

  /** Decision value of every pairwise machine, in (a, b) order. */
  decisions(sample: SampleSpikes): Float64Array {
    const x = sparseCounts(sample);
    return Float64Array.from(this.machines, (m) => {
      let s = -m.rho;
      for (let t = 0; t < m.support.length; t++) s += m.coef[t] * this.kernel(m.support[t], x);
      return s;
    });
  }

  predict(sample: SampleSpikes): number {
    if (this.machines.length === 0) return -1;
    const votes = new Int32Array(this.classes.length);
    const d = this.decisions(sample);
    this.machines.forEach((m, k) => votes[d[k] > 0 ? m.a : m.b]++);
    let best = 0;
    for (let c = 1; c < votes.length; c++) if (votes[c] > votes[best]) best = c;
    return this.classes[best];
  }
}
