/**
 * What experiments 1 and 2 share: reading a point of the search space (numeric hyperparameters, epochs, decoder),
 * and training a Diehl & Cook network with the silent-network rule, optionally without validating a stopped network
 * (quirk Q15 `skip`: once the rule has fired, validation samples are neither encoded nor simulated and the
 * objective is reported as unmeasured).
 */
import type { SpikeDataset } from '../data/dataset.js';
import type { SpikeTrains } from '../data/spikes.js';
import type { Network } from '../snn/network.js';
import { trainAndEvaluate, type DecoderName, type TrainResult } from '../snn/index.js';
import { SpikeEarlyStopping, type EarlyStoppingConfig } from './early-stopping.js';

/** The named hyperparameters of a point, as numbers. @throws RangeError naming a missing or non-numeric one. */
export function numericHyperparameters<K extends string>(params: Record<string, unknown>, names: readonly K[]): Record<K, number> {
  const hp = {} as Record<K, number>;
  for (const k of names) {
    const v = Number(params[k]);
    if (!Number.isFinite(v)) throw new RangeError(`hyperparameter ${k} is missing or not a number (${String(params[k])})`);
    hp[k] = v;
  }
  return hp;
}

/**
 * Epochs (`fixedEpochs` when the scale fixes them, else the point's, rounded) and decoder of a point, checked.
 * @throws RangeError for epochs below 1 or a decoder outside `decoders`.
 */
export function epochsAndDecoder(
  params: Record<string, unknown>,
  fixedEpochs: number | null,
  decoders: readonly DecoderName[],
): { epochs: number; decoder: DecoderName } {
  const epochs = fixedEpochs ?? Math.round(Number(params.epochs));
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new RangeError(`epochs must be an integer ≥ 1, got ${String(params.epochs)}`);
  const decoder = String(params.decoder) as DecoderName;
  if (!decoders.includes(decoder)) throw new RangeError(`decoder must be one of ${decoders.join(', ')}, got ${decoder}`);
  return { epochs, decoder };
}

export interface StdpEvaluation {
  network: Network;
  train: SpikeDataset;
  validation: SpikeDataset;
  epochs: number;
  /** The rule, or null for no early stopping (and no constraints). */
  rule: EarlyStoppingConfig | null;
  /** Chunk size of the decoders' updates when there is no rule. */
  defaultUpdateInterval: number;
  decoders: readonly DecoderName[];
  decoder: DecoderName;
  seed: number;
  validateStopped: 'full' | 'skip';
  /** Watch only: the rule counts and records where it would fire, but never stops training. */
  watch?: boolean;
}

/** Trains and validates; `validated` is false when a stopped network was not validated. */
export function trainWithSilentRule(o: StdpEvaluation): { result: TrainResult; rule: SpikeEarlyStopping | null; validated: boolean } {
  const es = o.rule ? new SpikeEarlyStopping(o.rule, { watchOnly: o.watch }) : null;
  const skip = o.validateStopped === 'skip' && es !== null && !o.watch;
  const skipping = (): boolean => skip && es!.stopped;
  const validation = skip ? skippableDataset(o.validation, skipping) : o.validation;
  if (skip) {
    const net = o.network;
    const run = net.runSample.bind(net);
    const layers = net.layers.map((l) => l.name);
    net.runSample = (inputs, learning) =>
      learning === false && skipping() ? { T: o.validation.T, layers, totals: new Int32Array(layers.length) } : run(inputs, learning);
  }
  const result = trainAndEvaluate({
    network: o.network,
    train: o.train,
    validation,
    epochs: o.epochs,
    updateInterval: o.rule?.updateInterval ?? o.defaultUpdateInterval,
    decoders: o.decoders,
    decoder: o.decoder,
    seed: o.seed,
    onChunk: es ? es.chunkHook() : undefined,
  });
  // An epoch with no closed chunk still restarts the counts (only possible when the set has ≤ U samples).
  if (es && !es.stopped && es.epoch !== result.epochsRun) es.startEpoch(result.epochsRun);
  return { result, rule: es, validated: !(skip && result.stopped) };
}

/** `ds`, except that once `skip()` is true its samples are empty trains (nothing encoded or read). */
function skippableDataset(ds: SpikeDataset, skip: () => boolean): SpikeDataset {
  const empty: SpikeTrains = { T: ds.T, nInputs: ds.nInputs, offsets: new Uint32Array(ds.T + 1), indices: new Uint16Array(0) };
  return {
    name: ds.name,
    size: ds.size,
    shape: ds.shape,
    nInputs: ds.nInputs,
    T: ds.T,
    nClasses: ds.nClasses,
    synthetic: ds.synthetic,
    label: (i) => ds.label(i),
    events: (i, rng) => (skip() ? empty : ds.events(i, rng)),
  };
}
