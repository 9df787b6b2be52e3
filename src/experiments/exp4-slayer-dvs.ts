/**
 * Experiment 4 (spec system.md §3.4, §3.5, §2): the ConvDVS ALIF network trained by SLAYER's surrogate gradient on
 * DVS128 Gesture (Denoise 5 ms → 100 binary frames of 2×128×128), validation accuracy maximised under one
 * silent-network constraint (the output layer emits < 1 spike on more than 30 % of the samples → stop).
 *
 * Data: the real recordings when `dataDir` names a DVS128 Gesture folder (AEDAT release or Tonic copy); otherwise
 * SYNTHETIC gesture-like event data generated in memory, and every evaluation's metrics say so (`synthetic: true`,
 * `dataset` names the source).
 *
 * Scales:
 * - `full` (the paper as run): the 861 / 216 split of the official training set, 2×128×128 inputs over T = 100,
 *   d1 of 512 neurons; epochs ∈ [1, 15]; U = 40, total = 862 (quirk Q16), p = 0.3. Networks above
 *   `maxParameters` (default 50 M) fail before training (Q19).
 * - `small` (a laptop study): class-stratified subsets of that split, 110 training / 44 validation samples; inputs
 *   downsampled 4× in space and in time (2×32×32 over T = 25, a merged input spikes when any source did); d1 of
 *   64 neurons; epochs ≤ 2, filters ≤ 8, kernels ≤ 12 (upper bounds lowered); U = 5 and total = 110.
 */
import { datasetLabels, stratifiedSubset, subsetDataset, type SpikeDataset } from '../data/index.js';
import { openDvsGesture } from '../data/dvs/dataset.js';
import { openSyntheticDvsGesture } from '../data/dvs/synthetic-dataset.js';
import { downsampleDataset } from '../data/downsample.js';
import type { ParameterSpec } from '../space/types.js';
import { Rng } from '../util/rng.js';
import type { Objective } from '../study/objective.js';
import { convDvs } from '../slayer/models.js';
import { createSlayerObjective, parseSlayerOptions, type SlayerData, type SlayerExperiment, type SlayerOptions } from './slayer-objective.js';

/** Exp 4 search space (d = 17; `get_dvs_rate_lava_cnt`), samplers included. */
export const EXP4_SPACE: readonly ParameterSpec[] = [
  { name: 'epochs', type: 'int', low: 1, high: 15 },
  { name: 'batch_size', type: 'int', low: 1, high: 5, sampler: 'reverse-loguniform' },
  { name: 'decoder', type: 'categorical', choices: ['rate', 'max'] },
  { name: 'c1_filters', type: 'int', low: 1, high: 36 },
  { name: 'c2_filters', type: 'int', low: 1, high: 36 },
  { name: 'c1_k', type: 'int', low: 4, high: 48 },
  { name: 'c2_k', type: 'int', low: 4, high: 48 },
  { name: 'learning_rate', type: 'float', low: 1e-3, high: 0.1, sampler: 'loguniform' },
  { name: 'tau_grad', type: 'float', low: 0.1, high: 1, sampler: 'loguniform' },
  { name: 'scale_grad', type: 'float', low: 0.5, high: 1, sampler: 'loguniform' },
  { name: 'threshold', type: 'float', low: 0.1, high: 1, sampler: 'loguniform' },
  { name: 'threshold_step', type: 'float', low: 0.001, high: 0.4, sampler: 'loguniform' },
  { name: 'current_decay', type: 'float', low: 0.1, high: 0.99, sampler: 'reverse-loguniform' },
  { name: 'voltage_decay', type: 'float', low: 0.01, high: 0.9, sampler: 'reverse-loguniform' },
  { name: 'threshold_decay', type: 'float', low: 0.01, high: 0.5, sampler: 'loguniform' },
  { name: 'refractory_decay', type: 'float', low: 0.1, high: 0.99, sampler: 'loguniform' },
  { name: 'dropout', type: 'float', low: 0.01, high: 0.9, sampler: 'loguniform' },
];

/** What the small scale changes. */
export const EXP4_SMALL_SCALE = { nTrain: 110, nValidation: 44, spatial: 4, temporal: 4, hidden: 64 } as const;

const dataCache = new Map<string, SlayerData>();

function exp4Data(o: SlayerOptions): SlayerData {
  const small = o.scale === 'small';
  const nTrain = o.nTrain ?? (small ? EXP4_SMALL_SCALE.nTrain : null);
  const nValidation = o.nValidation ?? (small ? EXP4_SMALL_SCALE.nValidation : null);
  const key = JSON.stringify([o.dataDir ?? null, o.dataSeed, nTrain, nValidation, small]);
  let d = dataCache.get(key);
  if (d) return d;
  // The 861 / 216 split of the official training set (datasets.md §5).
  const splits = o.dataDir !== undefined ? openDvsGesture({ root: o.dataDir, seed: o.dataSeed }) : openSyntheticDvsGesture({ seed: `exp4:${o.dataSeed}`, splitSeed: o.dataSeed });
  const synthetic = o.dataDir === undefined || splits.train.synthetic;
  const pick = (ds: SpikeDataset, n: number | null, tag: string): SpikeDataset => {
    const sub = n === null || n >= ds.size ? ds : subsetDataset(ds, stratifiedSubset(datasetLabels(ds), n, new Rng(`${o.dataSeed}:exp4-${tag}-subset`)), `${ds.name} [${n} stratified]`);
    return small ? downsampleDataset(sub, { spatial: EXP4_SMALL_SCALE.spatial, temporal: EXP4_SMALL_SCALE.temporal }) : sub;
  };
  const train = pick(splits.train, nTrain, 'train');
  const validation = pick(splits.validation, nValidation, 'validation');
  const source = synthetic ? 'SYNTHETIC DVS gestures (no real recordings given: accuracies say nothing about DVS128 Gesture)' : `DVS128 Gesture from ${o.dataDir}`;
  d = { train, validation, synthetic, description: `${source}; ${train.size} train / ${validation.size} validation, ${train.shape.join('×')} × T=${train.T}` };
  dataCache.set(key, d);
  return d;
}

export const EXP4: SlayerExperiment = {
  names: { full: 'exp4-slayer-dvs', small: 'exp4-slayer-dvs-small' },
  space: EXP4_SPACE,
  earlyStopping: { updateInterval: 40, criteria: [{ layer: 'outpt', threshold: 1, proportion: 0.3, total: 862 }] },
  smallCaps: { epochs: 2, c1_filters: 8, c2_filters: 8, c1_k: 12, c2_k: 12 },
  network: (hp, scale, data) => convDvs(hp, data.train.T, data.train.shape[1], scale === 'small' ? EXP4_SMALL_SCALE.hidden : 512),
  data: exp4Data,
  notes: (o) =>
    o.dataDir === undefined
      ? ['Experiment 4 runs on SYNTHETIC DVS gestures generated in memory (no dataDir given): its accuracies say nothing about DVS128 Gesture. Set objective.options.dataDir to a DVS128 Gesture folder for the real data.']
      : [],
};

/** Registry factory: `exp4-slayer-dvs` (scale from the options, default full) or `exp4-slayer-dvs-small`. */
export function exp4Factory(name: string, options: unknown): Objective {
  const o = parseSlayerOptions(name, options, name.endsWith('-small') ? { scale: 'small' } : {});
  return createSlayerObjective(EXP4, o);
}
