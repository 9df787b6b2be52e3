/**
 * BindsNET `assign_labels` (spec A6): per-class mean spike counts accumulated across chunks (alpha = 1),
 * proportions = rates / row sums (0 for neurons that never fired), assignment = argmax of the proportions (a
 * neuron that never fired gets class 0). Before the first update every assignment is −1 (no class), as in the
 * reference's initial state.
 */
import { argmaxLowest, type SampleSpikes } from './decoder.js';

/** Label assignment state of one decoder. */
export class LabelAssignment {
  /** rates[j·C + c]. */
  readonly rates: Float64Array;
  /** proportions[j·C + c]. */
  readonly proportions: Float64Array;
  /** Class of every neuron (−1 before the first update). */
  readonly assignments: Int32Array;

  constructor(
    readonly nNeurons: number,
    readonly nClasses: number,
    readonly alpha = 1,
  ) {
    this.rates = new Float64Array(nNeurons * nClasses);
    this.proportions = new Float64Array(nNeurons * nClasses);
    this.assignments = new Int32Array(nNeurons).fill(-1);
  }

  /** Folds a chunk in: classes present get rates ← alpha·rates + mean counts; absent classes keep theirs. */
  update(chunk: readonly SampleSpikes[], labels: ArrayLike<number>): void {
    const N = this.nNeurons;
    const C = this.nClasses;
    const sum = new Float64Array(N * C);
    const nc = new Float64Array(C);
    for (let k = 0; k < chunk.length; k++) {
      const c = labels[k];
      if (!(c >= 0 && c < C)) throw new RangeError(`label ${c} outside 0..${C - 1}`);
      nc[c]++;
      const counts = chunk[k].counts;
      for (let j = 0; j < N; j++) if (counts[j] !== 0) sum[j * C + c] += counts[j];
    }
    for (let c = 0; c < C; c++) {
      if (nc[c] === 0) continue;
      for (let j = 0; j < N; j++) this.rates[j * C + c] = this.alpha * this.rates[j * C + c] + sum[j * C + c] / nc[c];
    }
    const row = new Float64Array(C);
    for (let j = 0; j < N; j++) {
      let total = 0;
      for (let c = 0; c < C; c++) total += this.rates[j * C + c];
      for (let c = 0; c < C; c++) {
        const p = total === 0 ? 0 : this.rates[j * C + c] / total;
        this.proportions[j * C + c] = p;
        row[c] = p;
      }
      this.assignments[j] = argmaxLowest(row);
    }
  }

  /** Number of neurons assigned to each class. */
  assignedCounts(): Int32Array {
    const out = new Int32Array(this.nClasses);
    for (const a of this.assignments) if (a >= 0) out[a]++;
    return out;
  }
}
