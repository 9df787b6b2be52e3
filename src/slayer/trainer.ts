/**
 * The training loop of the surrogate-gradient engine (spec snn-models.md B7):
 *
 *   for epoch in 1..epochs:
 *       shuffle; for each batch: forward, loss, backward, Adam step; feed per-sample spike totals to the stop rule
 *       if stopped: break out of all epochs
 *       validation pass (no dropout, no gradient), record accuracy
 *   return the validation accuracy of the last epoch run (and the best epoch)
 *
 * Random streams (all from `seed`): weight init, shuffling, Poisson encoding, dropout (one seed per sample).
 */
import type { SpikeDataset } from '../data/dataset.js';
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import { Adam } from './adam.js';
import type { LossName } from './loss.js';
import { ParameterLayout } from './parameters.js';
import { planNetwork } from './architecture.js';
import { createReplicas, defaultThreads, type BatchSample, type ReplicaSet, type SampleOutcome } from './replicas.js';
import type { ReplicaOptions, SlayerNetworkConfig } from './network.js';

/** The spike-based stop rule as the trainer uses it (`SpikeEarlyStopping` fits). */
export interface StopRule {
  startEpoch(epoch: number): void;
  /** One batch's per-sample spike totals by block name; true when training must stop. */
  feedBatch(samples: readonly Readonly<Record<string, number>>[]): boolean;
  endEpoch(): void;
  readonly stopped: boolean;
}

export interface TrainOptions {
  train: SpikeDataset;
  validation: SpikeDataset;
  epochs: number;
  batchSize: number;
  learningRate: number;
  loss: LossName;
  seed: number | string;
  /** Worker threads (default: the machine's cores; 1 = this thread). */
  threads?: number;
  replica?: ReplicaOptions;
  stopRule?: StopRule;
  /** 'full' (faithful, quirk Q15) or 'skip': no validation pass once the rule has stopped training. */
  validateStopped?: 'full' | 'skip';
  /** Called after every training batch (progress, tests). */
  onBatch?: (info: { epoch: number; batch: number; samples: number; loss: number }) => void;
  /** Initial parameters (default: drawn from the seed). */
  initialParameters?: Float64Array;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** NaN when validation was skipped. */
  validationAccuracy: number;
  trainSeconds: number;
  validationSeconds: number;
}

export interface TrainResult {
  /** Validation accuracy of the last epoch run (the reference's objective, Q20); NaN if never validated. */
  accuracy: number;
  bestAccuracy: number;
  bestEpoch: number;
  epochs: EpochRecord[];
  stopped: boolean;
  /** Training samples processed in all. */
  samplesTrained: number;
  trainSeconds: number;
  validationSeconds: number;
  /** Spikes per training sample, averaged, by block name. */
  meanSpikes: Record<string, number>;
  /** Bytes of engine buffers per replica (the BPTT memory of one sample) and the number of replicas. */
  replicaBytes: number;
  threads: number;
  parameters: Float64Array;
}

function shuffled(n: number, rng: Rng): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** Trains a network and validates it after every epoch. */
export async function trainSlayer(config: SlayerNetworkConfig, o: TrainOptions): Promise<TrainResult> {
  if (!(Number.isInteger(o.epochs) && o.epochs >= 1)) throw new UserError(`epochs must be an integer ≥ 1, got ${o.epochs}.`);
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) throw new UserError(`batch_size must be an integer ≥ 1, got ${o.batchSize}.`);
  if (!(o.learningRate > 0)) throw new UserError(`learning_rate must be positive, got ${o.learningRate}.`);
  const plans = planNetwork(config.input, config.blocks);
  const layout = new ParameterLayout(plans, config.learnDecays ?? true);
  const params = o.initialParameters ? Float64Array.from(o.initialParameters) : layout.initialize(config.neuron, new Rng(`${o.seed}:init`));
  const grad = new Float64Array(layout.length);
  const adam = new Adam(layout.learnable, o.learningRate);
  const threads = Math.max(1, Math.min(o.threads ?? defaultThreads(), o.batchSize));
  const replicas: ReplicaSet = await createReplicas(config, o.replica ?? {}, threads, layout.length);
  const names = plans.map((p) => p.name);
  const spikeSums = new Float64Array(names.length);
  const epochs: EpochRecord[] = [];
  let samplesTrained = 0;
  let stopped = false;
  try {
    for (let epoch = 1; epoch <= o.epochs && !stopped; epoch++) {
      const t0 = performance.now();
      o.stopRule?.startEpoch(epoch);
      const order = shuffled(o.train.size, new Rng(`${o.seed}:shuffle:${epoch}`));
      const encoder = new Rng(`${o.seed}:encode:${epoch}`);
      const dropout = new Rng(`${o.seed}:dropout:${epoch}`);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let start = 0, batch = 0; start < order.length; start += o.batchSize, batch++) {
        const samples: BatchSample[] = [];
        for (let k = start; k < Math.min(order.length, start + o.batchSize); k++) {
          const i = order[k];
          samples.push({ trains: o.train.events(i, encoder), label: o.train.label(i), seed: dropout.nextUint32() });
        }
        const outcomes = await replicas.run(params, samples, true, o.loss, grad);
        adam.step(params, grad);
        layout.clamp(params);
        let batchLoss = 0;
        outcomes.forEach((r, k) => {
          batchLoss += r.loss;
          if (r.prediction === samples[k].label) correct++;
          r.blockSpikes.forEach((n, b) => (spikeSums[b] += n));
        });
        lossSum += batchLoss;
        seen += samples.length;
        samplesTrained += samples.length;
        if (!Number.isFinite(batchLoss)) throw new Error(`training diverged: loss ${batchLoss} at epoch ${epoch}, batch ${batch}`);
        o.onBatch?.({ epoch, batch, samples: samples.length, loss: batchLoss });
        if (o.stopRule?.feedBatch(outcomes.map((r) => spikeTotals(names, r)))) {
          stopped = true;
          break;
        }
      }
      if (!stopped) o.stopRule?.endEpoch();
      const t1 = performance.now();
      let validationAccuracy = NaN;
      if (!(stopped && o.validateStopped === 'skip')) validationAccuracy = await evaluateSlayer(replicas, params, o.validation, o.loss, o.batchSize, `${o.seed}:validate`);
      const t2 = performance.now();
      epochs.push({
        epoch,
        trainLoss: lossSum / Math.max(1, seen),
        trainAccuracy: correct / Math.max(1, seen),
        validationAccuracy,
        trainSeconds: (t1 - t0) / 1000,
        validationSeconds: (t2 - t1) / 1000,
      });
    }
  } finally {
    await replicas.close();
  }
  let best = -1;
  epochs.forEach((e, i) => {
    if (Number.isFinite(e.validationAccuracy) && (best < 0 || e.validationAccuracy > epochs[best].validationAccuracy)) best = i;
  });
  const meanSpikes: Record<string, number> = {};
  names.forEach((n, b) => (meanSpikes[n] = spikeSums[b] / Math.max(1, samplesTrained)));
  return {
    accuracy: epochs[epochs.length - 1]?.validationAccuracy ?? NaN,
    bestAccuracy: best >= 0 ? epochs[best].validationAccuracy : NaN,
    bestEpoch: best >= 0 ? epochs[best].epoch : 0,
    epochs,
    stopped,
    samplesTrained,
    trainSeconds: epochs.reduce((a, e) => a + e.trainSeconds, 0),
    validationSeconds: epochs.reduce((a, e) => a + e.validationSeconds, 0),
    meanSpikes,
    replicaBytes: replicas.replicaBytes,
    threads,
    parameters: params,
  };
}

function spikeTotals(names: string[], r: SampleOutcome): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((n, b) => (out[n] = r.blockSpikes[b]));
  return out;
}

/** Accuracy on a dataset (no dropout, no gradient), in chunks spread over the replicas. */
export async function evaluateSlayer(
  replicas: ReplicaSet, params: Float64Array, data: SpikeDataset, loss: LossName, chunk: number, seed: string,
): Promise<number> {
  const encoder = new Rng(seed);
  const grad = new Float64Array(0);
  const size = Math.max(chunk, 8 * replicas.threads);
  let correct = 0;
  for (let start = 0; start < data.size; start += size) {
    const samples: BatchSample[] = [];
    for (let i = start; i < Math.min(data.size, start + size); i++) samples.push({ trains: data.events(i, encoder), label: data.label(i), seed: 0 });
    const outcomes = await replicas.run(params, samples, false, loss, grad);
    outcomes.forEach((r, k) => {
      if (r.prediction === samples[k].label) correct++;
    });
  }
  return data.size === 0 ? NaN : correct / data.size;
}
