/**
 * Training and evaluation driver of STDP networks (spec snn-models.md A6 "Training protocol", after hpo_snn
 * `Lie/lib/Lie/objective.py`):
 *
 *   for each epoch: for each sample of the shuffled training set (batch 1):
 *     encode (fresh Poisson draw), run with learning on, reset the state, append to the chunk
 *     when the chunk holds more than `updateInterval` samples: every decoder predicts the chunk (training
 *     accuracy, before updating), then every decoder learns it, then `onChunk` may stop training
 *   the trailing partial chunk of an epoch updates the decoders too (no stop check)
 *   validation: learning off (no STDP, θ frozen), every decoder predicts every sample
 *
 * `onChunk` receives every sample's spike total per layer, which is what the silent-network early-stopping rule
 * counts. Randomness: one seed gives the shuffling and the encoder streams.
 */
import type { SpikeDataset } from '../data/dataset.js';
import { Rng } from '../util/rng.js';
import { createDecoder, needsEvents, type DecoderName, type DecoderOptions } from './decoders/index.js';
import type { Decoder, SampleSpikes } from './decoders/decoder.js';
import { AllActivityDecoder, ProportionWeightingDecoder } from './decoders/rate.js';
import type { Network } from './network.js';

/** What {@link trainAndEvaluate} tells `onChunk` when a chunk closes. */
export interface ChunkReport {
  /** 1-based epoch. */
  epoch: number;
  /** Training samples processed in this epoch so far (chunk included). */
  samplesInEpoch: number;
  /** Labels of the chunk's samples. */
  labels: Uint8Array;
  /** Spike totals per sample of the chunk, by layer name. */
  layerTotals: Record<string, Int32Array>;
  /** Accuracy of every decoder on the chunk, measured before the decoders learned it. */
  accuracy: Partial<Record<DecoderName, number>>;
}

/** Options of {@link trainAndEvaluate}. */
export interface TrainOptions {
  network: Network;
  /** Layer the decoders read (default 'outpt'). */
  readout?: string;
  train: SpikeDataset;
  validation: SpikeDataset;
  epochs: number;
  /** Use only the first nTrain training samples (default all). */
  nTrain?: number;
  /** Use only the first nValidation validation samples (default all). */
  nValidation?: number;
  /** A chunk closes once it holds more than this many samples (Exp 1 as run: 1000). */
  updateInterval: number;
  /** Decoders to train and evaluate. */
  decoders: readonly DecoderName[];
  /** The decoder whose validation accuracy is the result (must be in `decoders`). */
  decoder: DecoderName;
  decoderOptions?: DecoderOptions;
  /** Seed of the shuffling and of the encoder. */
  seed: number | string;
  /** Called at every chunk close; return true to stop training (validation still runs). */
  onChunk?: (report: ChunkReport) => boolean | void;
  /** Progress callback, every `progressEvery` samples (default 1000). */
  onProgress?: (p: { phase: 'train' | 'validation'; epoch: number; done: number; total: number; seconds: number }) => void;
  progressEvery?: number;
}

/** Outcome of {@link trainAndEvaluate}. */
export interface TrainResult {
  /** Validation accuracy of `decoder`. */
  accuracy: number;
  decoder: DecoderName;
  /** Validation accuracy of every decoder. */
  accuracies: Partial<Record<DecoderName, number>>;
  /** Per epoch, the mean chunk training accuracy of every decoder. */
  trainAccuracy: Partial<Record<DecoderName, number[]>>;
  stopped: boolean;
  /** Epoch and samples of that epoch when training stopped (null when it ran to the end). */
  stoppedAt: { epoch: number; samples: number } | null;
  epochsRun: number;
  processedTrain: number;
  processedValidation: number;
  /** Spike totals by layer over the training and the validation samples. */
  spikes: { train: Record<string, number>; validation: Record<string, number> };
  /** Readout-layer spikes per class (validation). */
  readoutSpikesPerClass: number[];
  /** Neurons assigned to each class by the `all` (else `vote`) decoder, if present. */
  assignedPerClass: number[] | null;
  timings: {
    trainSeconds: number;
    validationSeconds: number;
    trainImagesPerSecond: number;
    validationImagesPerSecond: number;
    /** Part of the above spent encoding inputs. */
    encodeSeconds: number;
  };
}

/** Trains a network by STDP on a dataset, fits decoders chunk by chunk, and evaluates them on a validation set. */
export function trainAndEvaluate(o: TrainOptions): TrainResult {
  const net = o.network;
  const readoutName = o.readout ?? 'outpt';
  const readout = net.layer(readoutName);
  if (!o.decoders.includes(o.decoder)) throw new RangeError(`decoder ${o.decoder} is not among ${o.decoders.join(', ')}`);
  if (!(Number.isInteger(o.epochs) && o.epochs >= 1)) throw new RangeError(`epochs must be an integer ≥ 1, got ${o.epochs}`);
  if (!(Number.isInteger(o.updateInterval) && o.updateInterval >= 0)) throw new RangeError('updateInterval must be an integer ≥ 0');
  const nClasses = Math.max(o.train.nClasses, o.validation.nClasses);
  const decoders = o.decoders.map((d) => createDecoder(d, readout.n, nClasses, o.decoderOptions));
  const withEvents = o.decoders.some(needsEvents);
  const monitor = net.monitor(readoutName, { perNeuron: true, events: withEvents });
  const layerNames = net.layers.map((l) => l.name);
  const nTrain = Math.min(o.nTrain ?? o.train.size, o.train.size);
  const nVal = Math.min(o.nValidation ?? o.validation.size, o.validation.size);
  const shuffleRng = new Rng(`${o.seed}:shuffle`);
  const encoderRng = new Rng(`${o.seed}:encoder`);
  const every = o.progressEvery ?? 1000;

  const spikesTrain = Object.fromEntries(layerNames.map((n) => [n, 0]));
  const spikesVal = Object.fromEntries(layerNames.map((n) => [n, 0]));
  const trainAccuracy: Partial<Record<DecoderName, number[]>> = {};
  let stopped = false;
  let stoppedAt: TrainResult['stoppedAt'] = null;
  let processedTrain = 0;
  let epochsRun = 0;
  let encodeSeconds = 0;
  const snapshot = (): SampleSpikes => ({
    counts: Uint16Array.from(monitor.counts!),
    events: withEvents ? monitor.events() : undefined,
  });

  const t0 = performance.now();
  for (let epoch = 1; epoch <= o.epochs && !stopped; epoch++) {
    epochsRun = epoch;
    const order = shuffleRng.shuffle(Array.from({ length: nTrain }, (_, i) => i));
    const chunk: SampleSpikes[] = [];
    const labels: number[] = [];
    const totals: Int32Array[] = [];
    const chunkAcc: number[][] = o.decoders.map(() => []);
    const closeChunk = (samplesInEpoch: number, checkStop: boolean): boolean => {
      const lab = Uint8Array.from(labels);
      const accuracy: Partial<Record<DecoderName, number>> = {};
      decoders.forEach((d, k) => {
        let correct = 0;
        for (let s = 0; s < chunk.length; s++) if (d.predict(chunk[s]) === lab[s]) correct++;
        accuracy[o.decoders[k]] = correct / chunk.length;
        chunkAcc[k].push(correct / chunk.length);
      });
      for (const d of decoders) d.update(chunk, lab);
      let stop = false;
      if (checkStop && o.onChunk) {
        const layerTotals: Record<string, Int32Array> = {};
        layerNames.forEach((n, li) => (layerTotals[n] = Int32Array.from(totals, (t) => t[li])));
        stop = o.onChunk({ epoch, samplesInEpoch, labels: lab, layerTotals, accuracy }) === true;
      }
      chunk.length = 0;
      labels.length = 0;
      totals.length = 0;
      return stop;
    };
    let k = 0;
    for (; k < nTrain; k++) {
      const idx = order[k];
      const e0 = performance.now();
      const trains = o.train.events(idx, encoderRng);
      encodeSeconds += (performance.now() - e0) / 1000;
      const act = net.runSample(trains, true);
      net.resetState();
      processedTrain++;
      layerNames.forEach((n, li) => (spikesTrain[n] += act.totals[li]));
      chunk.push(snapshot());
      labels.push(o.train.label(idx));
      totals.push(act.totals);
      if (chunk.length > o.updateInterval && closeChunk(k + 1, true)) {
        stopped = true;
        stoppedAt = { epoch, samples: k + 1 };
        break;
      }
      if (o.onProgress && (k + 1) % every === 0) {
        o.onProgress({ phase: 'train', epoch, done: k + 1, total: nTrain, seconds: (performance.now() - t0) / 1000 });
      }
    }
    if (!stopped && chunk.length > 0) closeChunk(k, false);
    o.decoders.forEach((name, di) => {
      const accs = chunkAcc[di];
      (trainAccuracy[name] ??= []).push(accs.length ? accs.reduce((a, b) => a + b, 0) / accs.length : NaN);
    });
  }
  const trainSeconds = (performance.now() - t0) / 1000;

  // Validation: learning off, in dataset order, every decoder predicts.
  const t1 = performance.now();
  const correct = new Int32Array(decoders.length);
  const perClass = new Array<number>(nClasses).fill(0);
  const readoutIndex = layerNames.indexOf(readoutName);
  for (let i = 0; i < nVal; i++) {
    const e0 = performance.now();
    const trains = o.validation.events(i, encoderRng);
    encodeSeconds += (performance.now() - e0) / 1000;
    const act = net.runSample(trains, false);
    net.resetState();
    layerNames.forEach((n, li) => (spikesVal[n] += act.totals[li]));
    const label = o.validation.label(i);
    perClass[label] += act.totals[readoutIndex];
    const sample = snapshot();
    decoders.forEach((d: Decoder, k) => {
      if (d.predict(sample) === label) correct[k]++;
    });
    if (o.onProgress && (i + 1) % every === 0) {
      o.onProgress({ phase: 'validation', epoch: epochsRun, done: i + 1, total: nVal, seconds: (performance.now() - t1) / 1000 });
    }
  }
  const validationSeconds = (performance.now() - t1) / 1000;
  const accuracies: Partial<Record<DecoderName, number>> = {};
  o.decoders.forEach((name, k) => (accuracies[name] = nVal > 0 ? correct[k] / nVal : NaN));
  const assigning =
    decoders.find((d): d is AllActivityDecoder => d instanceof AllActivityDecoder) ??
    decoders.find((d): d is ProportionWeightingDecoder => d instanceof ProportionWeightingDecoder);
  const assignedPerClass = assigning ? Array.from(assigning.assignment.assignedCounts()) : null;

  return {
    accuracy: accuracies[o.decoder]!,
    decoder: o.decoder,
    accuracies,
    trainAccuracy,
    stopped,
    stoppedAt,
    epochsRun,
    processedTrain,
    processedValidation: nVal,
    spikes: { train: spikesTrain, validation: spikesVal },
    readoutSpikesPerClass: perClass,
    assignedPerClass,
    timings: {
      trainSeconds,
      validationSeconds,
      trainImagesPerSecond: processedTrain / trainSeconds,
      validationImagesPerSecond: nVal / validationSeconds,
      encodeSeconds,
    },
  };
}
