/**
 * Experiment 3 (spec system.md §3.3, §3.5, §2): the ConvMNIST ALIF network trained by SLAYER's surrogate gradient on
 * real MNIST (Poisson, T = 25, 512 Hz), validation accuracy maximised under one silent-network constraint (the
 * output layer emits < 5 spikes on more than 5 % of the training samples → stop).
 *
 * Scales:
 * - `full` (the paper as run): 48 000 training / 12 000 validation images of the seeded split; epochs ∈ [1, 40],
 *   filters ∈ [1, 128]; U = 1200, total = 48 000, p = 0.05.
 * - `small` (a laptop study): class-stratified subsets of that split, 2 000 training / 500 validation images;
 *   epochs ≤ 2, filters ≤ 16 (upper bounds lowered, larger values clipped); U = 50 and total = 2 000 (the same
 *   number of checks per epoch as the full run), p and the spike threshold unchanged.
 * Everything else (network, encoding, the rest of the search space) is the same.
 */
import { datasetLabels, openMnist, POISSON_PRESETS, stratifiedSubset, subsetDataset, type SpikeDataset } from '../data/index.js';
import type { ParameterSpec } from '../space/types.js';
import { Rng } from '../util/rng.js';
import type { Objective } from '../study/objective.js';
import { convMnist } from '../slayer/models.js';
import { createSlayerObjective, parseSlayerOptions, type SlayerData, type SlayerExperiment, type SlayerOptions } from './slayer-objective.js';

/** Exp 3 search space (d = 17; `get_mnist_rate_lava_cnt`), samplers included. */
export const EXP3_SPACE: readonly ParameterSpec[] = [
  { name: 'epochs', type: 'int', low: 1, high: 40 },
  { name: 'batch_size', type: 'int', low: 1, high: 50, sampler: 'reverse-loguniform' },
  { name: 'decoder', type: 'categorical', choices: ['rate', 'max'] },
  { name: 'c1_filters', type: 'int', low: 1, high: 128 },
  { name: 'c2_filters', type: 'int', low: 1, high: 128 },
  { name: 'c1_k', type: 'int', low: 4, high: 12 },
  { name: 'c2_k', type: 'int', low: 4, high: 12 },
  { name: 'learning_rate', type: 'float', low: 1e-3, high: 0.1, sampler: 'loguniform' },
  { name: 'tau_grad', type: 'float', low: 0.1, high: 1, sampler: 'loguniform' },
  { name: 'scale_grad', type: 'float', low: 0.5, high: 1, sampler: 'loguniform' },
  { name: 'threshold', type: 'float', low: 0.4, high: 4 },
  { name: 'threshold_step', type: 'float', low: 0.001, high: 0.25, sampler: 'loguniform' },
  { name: 'current_decay', type: 'float', low: 0.1, high: 0.99 },
  { name: 'voltage_decay', type: 'float', low: 0.01, high: 0.2, sampler: 'loguniform' },
  { name: 'threshold_decay', type: 'float', low: 0.01, high: 0.5, sampler: 'loguniform' },
  { name: 'refractory_decay', type: 'float', low: 0.1, high: 0.99, sampler: 'reverse-loguniform' },
  { name: 'dropout', type: 'float', low: 0.01, high: 0.9, sampler: 'loguniform' },
];

/** Sizes of the small scale. */
export const EXP3_SMALL_SCALE = { nTrain: 2000, nValidation: 500 } as const;

const dataCache = new Map<string, SlayerData>();

function exp3Data(o: SlayerOptions): SlayerData {
  const small = o.scale === 'small';
  const nTrain = o.nTrain ?? (small ? EXP3_SMALL_SCALE.nTrain : null);
  const nValidation = o.nValidation ?? (small ? EXP3_SMALL_SCALE.nValidation : null);
  const key = `${o.dataSeed}:${nTrain}:${nValidation}`;
  let d = dataCache.get(key);
  if (!d) {
    const mnist = openMnist({ seed: o.dataSeed, encoding: POISSON_PRESETS.surrogate });
    const pick = (ds: SpikeDataset, n: number | null, tag: string): SpikeDataset => {
      if (n === null || n >= ds.size) return ds;
      const idx = stratifiedSubset(datasetLabels(ds), n, new Rng(`${o.dataSeed}:${tag}-subset`));
      return subsetDataset(ds, idx, `${ds.name} [${n} stratified]`);
    };
    const train = pick(mnist.train, nTrain, 'train');
    const validation = pick(mnist.validation, nValidation, 'validation');
    d = { train, validation, synthetic: false, description: `MNIST Poisson T=25 512 Hz, ${train.size} train / ${validation.size} validation` };
    dataCache.set(key, d);
  }
  return d;
}

export const EXP3: SlayerExperiment = {
  names: { full: 'exp3-slayer-mnist', small: 'exp3-slayer-mnist-small' },
  space: EXP3_SPACE,
  earlyStopping: { updateInterval: 1200, criteria: [{ layer: 'outpt', threshold: 5, proportion: 0.05, total: 48000 }] },
  smallCaps: { epochs: 2, c1_filters: 16, c2_filters: 16 },
  network: (hp) => convMnist(hp),
  data: exp3Data,
};

/** Registry factory: `exp3-slayer-mnist` (scale from the options, default full) or `exp3-slayer-mnist-small`. */
export function exp3Factory(name: string, options: unknown): Objective {
  const o = parseSlayerOptions(name, options, name.endsWith('-small') ? { scale: 'small' } : {});
  return createSlayerObjective(EXP3, o);
}
