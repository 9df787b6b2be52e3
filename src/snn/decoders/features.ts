/**
 * Spike-count feature vectors for the `log` and `svm` decoders, kept sparse: an excitatory layer of hundreds of
 * neurons emits about ten spikes per sample, so a sample has a handful of non-zero features.
 */
import type { SampleSpikes } from './decoder.js';

/** One sample's non-zero counts: ascending feature indices and their values. */
export interface SparseVector {
  readonly idx: Int32Array;
  readonly val: Float64Array;
  /** Σ val². */
  readonly sqNorm: number;
}

/** The non-zero entries of a sample's counts. */
export function sparseCounts(sample: SampleSpikes): SparseVector {
  const c = sample.counts;
  let nnz = 0;
  for (let j = 0; j < c.length; j++) if (c[j] !== 0) nnz++;
  const idx = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let k = 0;
  let sq = 0;
  for (let j = 0; j < c.length; j++) {
    if (c[j] !== 0) {
      idx[k] = j;
      val[k++] = c[j];
      sq += c[j] * c[j];
    }
  }
  return { idx, val, sqNorm: sq };
}

/** x·y of two sparse vectors. */
export function sparseDot(x: SparseVector, y: SparseVector): number {
  let a = 0;
  let b = 0;
  let s = 0;
  while (a < x.idx.length && b < y.idx.length) {
    const i = x.idx[a];
    const j = y.idx[b];
    if (i === j) s += x.val[a++] * y.val[b++];
    else if (i < j) a++;
    else b++;
  }
  return s;
}

/** Sorted distinct labels (the classes a fit knows, like scikit-learn's `classes_`). */
export function distinctLabels(labels: ArrayLike<number>): number[] {
  return [...new Set(Array.from(labels))].sort((a, b) => a - b);
}
