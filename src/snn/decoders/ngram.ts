/**
 * BindsNET n-gram decoder (`update_ngram_scores` / `ngram`), with its two different views of firing order:
 * - training: the sets of neurons firing at each step that has a spike; every window of n consecutive sets
 *   adds 1 to score[tuple][label] for every tuple of their Cartesian product;
 * - prediction: all spikes flattened into one list (by step, then neuron index); the score vectors of the
 *   tuples of every window of n consecutive entries are summed; the class is the argmax (lowest on ties).
 * With one spike per step (Diehl & Cook nodes) both views coincide. Tables persist across chunks and epochs.
 */
import { argmaxLowest, type Decoder, type SampleSpikes } from './decoder.js';

/** n-gram decoder over the neurons of one layer. */
export class NgramDecoder implements Decoder {
  readonly name: string;
  /** score vectors by tuple key. */
  readonly scores = new Map<number, Float64Array>();
  private readonly scratch: Float64Array;

  constructor(
    readonly n: number,
    readonly nNeurons: number,
    readonly nClasses: number,
  ) {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`n-gram order must be a positive integer, got ${n}`);
    if (nNeurons ** n > Number.MAX_SAFE_INTEGER) throw new RangeError(`${n}-grams over ${nNeurons} neurons exceed safe integer keys`);
    this.name = `${n}gram`;
    this.scratch = new Float64Array(nClasses);
  }

  /** Key of a tuple (a base-nNeurons number). */
  key(tuple: ArrayLike<number>): number {
    let k = 0;
    for (let i = 0; i < tuple.length; i++) k = k * this.nNeurons + tuple[i];
    return k;
  }

  update(chunk: readonly SampleSpikes[], labels: ArrayLike<number>): void {
    for (let s = 0; s < chunk.length; s++) {
      const sets = firingSets(chunk[s]);
      const label = labels[s];
      for (let w = 0; w + this.n <= sets.length; w++) this.addProduct(sets, w, label);
    }
  }

  /** Adds 1 to every tuple of sets[w] × … × sets[w+n−1]. */
  private addProduct(sets: number[][], w: number, label: number): void {
    const n = this.n;
    const pos = new Array<number>(n).fill(0);
    const tuple = new Array<number>(n);
    for (;;) {
      for (let i = 0; i < n; i++) tuple[i] = sets[w + i][pos[i]];
      const k = this.key(tuple);
      let v = this.scores.get(k);
      if (!v) {
        v = new Float64Array(this.nClasses);
        this.scores.set(k, v);
      }
      v[label] += 1;
      let i = n - 1;
      while (i >= 0 && ++pos[i] === sets[w + i].length) pos[i--] = 0;
      if (i < 0) return;
    }
  }

  predict(sample: SampleSpikes): number {
    const order = requireEvents(sample).neuron;
    const s = this.scratch;
    s.fill(0);
    const n = this.n;
    const tuple = new Array<number>(n);
    for (let w = 0; w + n <= order.length; w++) {
      for (let i = 0; i < n; i++) tuple[i] = order[w + i];
      const v = this.scores.get(this.key(tuple));
      if (v) for (let c = 0; c < s.length; c++) s[c] += v[c];
    }
    return argmaxLowest(s);
  }
}

function requireEvents(sample: SampleSpikes): { t: ArrayLike<number>; neuron: ArrayLike<number> } {
  if (!sample.events) throw new Error('n-gram decoders need the firing order (record events of the layer)');
  return sample.events;
}

/** The neurons firing at each step that has a spike, in step order. */
export function firingSets(sample: SampleSpikes): number[][] {
  const { t, neuron } = requireEvents(sample);
  const sets: number[][] = [];
  let k = 0;
  while (k < t.length) {
    const step = t[k];
    const set: number[] = [];
    while (k < t.length && t[k] === step) set.push(neuron[k++]);
    sets.push(set);
  }
  return sets;
}
