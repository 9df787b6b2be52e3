/**
 * Read-outs of an STDP network's excitatory spikes (spec snn-models.md A6) and a factory by hyperparameter name.
 */
import type { Decoder } from './decoder.js';
import { LogisticRegressionDecoder, type LogisticOptions } from './logistic.js';
import { NgramDecoder } from './ngram.js';
import { AllActivityDecoder, ProportionWeightingDecoder } from './rate.js';
import { SvmDecoder, type SvmOptions } from './svm.js';

export { argmaxLowest, type Decoder, type SampleSpikes } from './decoder.js';
export { LabelAssignment } from './assignment.js';
export { AllActivityDecoder, ProportionWeightingDecoder } from './rate.js';
export { NgramDecoder, firingSets } from './ngram.js';
export { LogisticRegressionDecoder, type LogisticOptions } from './logistic.js';
export { SvmDecoder, type SvmOptions } from './svm.js';
export { sparseCounts, sparseDot, type SparseVector } from './features.js';

/** Decoder names accepted by {@link createDecoder} (the paper's `decoder` hyperparameter values). */
export const DECODER_NAMES = ['all', 'vote', '2gram', '3gram', 'log', 'svm'] as const;
export type DecoderName = (typeof DECODER_NAMES)[number];

/** Options of {@link createDecoder}. */
export interface DecoderOptions {
  logistic?: LogisticOptions;
  svm?: SvmOptions;
}

/** A fresh decoder for a layer of `nNeurons` and `nClasses` classes. */
export function createDecoder(name: DecoderName, nNeurons: number, nClasses: number, options: DecoderOptions = {}): Decoder {
  switch (name) {
    case 'all':
      return new AllActivityDecoder(nNeurons, nClasses);
    case 'vote':
      return new ProportionWeightingDecoder(nNeurons, nClasses);
    case '2gram':
      return new NgramDecoder(2, nNeurons, nClasses);
    case '3gram':
      return new NgramDecoder(3, nNeurons, nClasses);
    case 'log':
      return new LogisticRegressionDecoder(nNeurons, options.logistic);
    case 'svm':
      return new SvmDecoder(nNeurons, options.svm);
    default:
      throw new RangeError(`unknown decoder '${name as string}'; expected one of ${DECODER_NAMES.join(', ')}`);
  }
}

/** True when a decoder needs the firing order (events), not only counts. */
export function needsEvents(name: DecoderName): boolean {
  return name === '2gram' || name === '3gram';
}
