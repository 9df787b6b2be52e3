/**
 * `log` decoder: logistic regression on spike counts with scikit-learn's `LogisticRegression()` defaults (L2,
 * C = 1, intercept not penalised, L-BFGS, 100 iterations, gradient tolerance 1e-4), multinomial for more than
 * two classes and binary for two; refitted from scratch on the latest chunk only (spec A6, quirk Q17). Before
 * the first fit it predicts −1; a chunk with fewer than two classes is skipped. The objective is scaled as
 * scikit-learn's: mean log-loss + ||W||²/(2·C·n).
 */
import { minimize } from '../../optimize/lbfgsb.js';
import { argmaxLowest, type Decoder, type SampleSpikes } from './decoder.js';
import { distinctLabels, sparseCounts, type SparseVector } from './features.js';

/** Options of {@link LogisticRegressionDecoder}. */
export interface LogisticOptions {
  /** Inverse regularisation strength (default 1). */
  C?: number;
  /** L-BFGS iterations (default 100). */
  maxIterations?: number;
  /** Gradient tolerance (default 1e-4). */
  tolerance?: number;
}

/** Logistic regression read-out. */
export class LogisticRegressionDecoder implements Decoder {
  readonly name = 'log';
  /** Classes of the last fit (ascending), empty before the first. */
  classes: number[] = [];
  /** Weights [K × nFeatures] (K = 1 for a binary fit) and intercepts [K]. */
  private coef: Float64Array | null = null;
  private intercept: Float64Array | null = null;
  private readonly C: number;
  private readonly maxIterations: number;
  private readonly tolerance: number;
  /** Iterations used by the last fit. */
  lastIterations = 0;

  constructor(
    readonly nFeatures: number,
    options: LogisticOptions = {},
  ) {
    this.C = options.C ?? 1;
    this.maxIterations = options.maxIterations ?? 100;
    this.tolerance = options.tolerance ?? 1e-4;
  }

  update(chunk: readonly SampleSpikes[], labels: ArrayLike<number>): void {
    const classes = distinctLabels(labels);
    if (classes.length < 2) return;
    const X = chunk.map(sparseCounts);
    const y = Int32Array.from(Array.from(labels, (l) => classes.indexOf(l)));
    const K = classes.length === 2 ? 1 : classes.length;
    const d = this.nFeatures;
    const nParams = K * d + K;
    const fg = K === 1 ? binaryObjective(X, y, d, this.C) : multinomialObjective(X, y, K, d, this.C);
    const lower = new Float64Array(nParams).fill(-Infinity);
    const upper = new Float64Array(nParams).fill(Infinity);
    const res = minimize(fg, new Float64Array(nParams), lower, upper, {
      maxIterations: this.maxIterations,
      gradTolerance: this.tolerance,
      functionTolerance: 64 * Number.EPSILON,
    });
    this.lastIterations = res.iterations;
    this.coef = res.x.slice(0, K * d);
    this.intercept = res.x.slice(K * d);
    this.classes = classes;
  }

  /** Decision values (one per class; one value for a binary fit). */
  decision(sample: SampleSpikes): Float64Array {
    if (!this.coef || !this.intercept) throw new Error('log decoder not fitted');
    const x = sparseCounts(sample);
    const K = this.intercept.length;
    const z = Float64Array.from(this.intercept);
    for (let k = 0; k < K; k++) for (let a = 0; a < x.idx.length; a++) z[k] += this.coef[k * this.nFeatures + x.idx[a]] * x.val[a];
    return z;
  }

  predict(sample: SampleSpikes): number {
    if (!this.coef) return -1;
    const z = this.decision(sample);
    if (z.length === 1) return this.classes[z[0] > 0 ? 1 : 0];
    return this.classes[argmaxLowest(z)];
  }
}

/** f(W, b) = mean_i softmax cross-entropy + ||W||²/(2Cn); params = [W (K×d) | b (K)]. */
function multinomialObjective(X: SparseVector[], y: Int32Array, K: number, d: number, C: number) {
  const n = X.length;
  const z = new Float64Array(K);
  return (p: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let loss = 0;
    const bOff = K * d;
    for (let i = 0; i < n; i++) {
      const x = X[i];
      let zmax = -Infinity;
      for (let k = 0; k < K; k++) {
        let s = p[bOff + k];
        for (let a = 0; a < x.idx.length; a++) s += p[k * d + x.idx[a]] * x.val[a];
        z[k] = s;
        if (s > zmax) zmax = s;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(z[k] - zmax);
      const lse = zmax + Math.log(sum);
      loss += lse - z[y[i]];
      for (let k = 0; k < K; k++) {
        const r = (Math.exp(z[k] - lse) - (k === y[i] ? 1 : 0)) / n;
        g[bOff + k] += r;
        for (let a = 0; a < x.idx.length; a++) g[k * d + x.idx[a]] += r * x.val[a];
      }
    }
    let reg = 0;
    const lambda = 1 / (C * n);
    for (let q = 0; q < K * d; q++) {
      reg += p[q] * p[q];
      g[q] += lambda * p[q];
    }
    return loss / n + 0.5 * lambda * reg;
  };
}

/** Binary logistic loss with y ∈ {0, 1} (class index 1 positive); params = [w (d) | b]. */
function binaryObjective(X: SparseVector[], y: Int32Array, d: number, C: number) {
  const n = X.length;
  return (p: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const x = X[i];
      let z = p[d];
      for (let a = 0; a < x.idx.length; a++) z += p[x.idx[a]] * x.val[a];
      const s = y[i] === 1 ? 1 : -1;
      const m = s * z;
      // log(1 + e^(−m)), stable for both signs.
      loss += m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
      const r = (-s / (1 + Math.exp(m))) / n;
      g[d] += r;
      for (let a = 0; a < x.idx.length; a++) g[x.idx[a]] += r * x.val[a];
    }
    let reg = 0;
    const lambda = 1 / (C * n);
    for (let q = 0; q < d; q++) {
      reg += p[q] * p[q];
      g[q] += lambda * p[q];
    }
    return loss / n + 0.5 * lambda * reg;
  };
}
