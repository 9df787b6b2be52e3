/**
 * Decoders turn the excitatory layer's spikes of a sample into a class (spec snn-models.md A6). They are
 * trained chunk by chunk during STDP training (never during validation) and predict one sample at a time.
 */

/** The spikes of one sample as decoders see them. */
export interface SampleSpikes {
  /** Spike count of every neuron (length = neurons). */
  readonly counts: ArrayLike<number>;
  /** Firing order: step and neuron of every spike, by step then neuron index (needed by n-gram decoders). */
  readonly events?: { readonly t: ArrayLike<number>; readonly neuron: ArrayLike<number> };
}

/** A trained read-out. */
export interface Decoder {
  /** Name as used by the `decoder` hyperparameter ('all', 'vote', '2gram', '3gram', 'log', 'svm'). */
  readonly name: string;
  /** Predicted class of a sample (−1 when the decoder cannot predict yet, like an unfitted `log`/`svm`). */
  predict(sample: SampleSpikes): number;
  /** Learns from a chunk of training samples and their labels. */
  update(chunk: readonly SampleSpikes[], labels: ArrayLike<number>): void;
}

/**
 * Index of the largest score; ties (all-zero scores included) go to the lowest index. PyTorch's sort leaves tie
 * order unspecified; this fixes it (spec A6).
 */
export function argmaxLowest(scores: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
  return best;
}
