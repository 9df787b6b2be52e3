/**
 * Experiment 2 (spec system.md §3.2, §3.5, §2; snn-models.md A7): the Diehl & Cook variant on DVS128 Gesture
 * (100 binary frames of 2 × 128 × 128 inputs, no encoder), adaptive LIF excitatory neurons without the one-spike
 * rule, distance-dependent lateral connections, `reset_interval`; decoders `all`, `vote`, `2gram`, `log`, `svm`;
 * validation accuracy maximised under two silent-network constraints (excitatory `outpt` < 1 spike on more than
 * 10 % of the samples, inhibitory `inhib` < 1 spike on more than 30 %, as run).
 *
 * Data: real DVS128 Gesture recordings when `dataDir` names a folder (the original AEDAT release or Tonic's
 * `.npy` copy, read by `src/data/dvs`), else **synthetic** gestures generated in memory
 * (`SyntheticGestureDataset`, same sizes and preprocessing). Synthetic data is said everywhere: metrics
 * `dataset: 'synthetic-dvs'`, the objective's `notes` (printed and stored with the study when it is created).
 * Split (datasets.md §5, the reference's `--data 862`): a seeded permutation of the official training set,
 * the first 689 samples train, the next 173 validate.
 *
 * Lateral sign (quirk Q14): true inhibition by default (W = −strength_inh·|i − j|/(n − 1)); `lateralSign:
 * reference-positive` reproduces the reference's excitatory weights. Recorded in every result's metrics.
 *
 * Scales:
 * - `full` (the paper as run): 689 training / 173 validation samples, epochs ∈ [1, 3], map_size ∈ [20, 1000],
 *   U = 35 (checks every 36 samples), total = 862 (not the 689 training samples: quirk Q16, faithful), p as run.
 * - `small` (a laptop study): class-stratified subsets of that split, 60 training / 30 validation samples;
 *   map_size ∈ [20, 100] (its upper bound, and any larger value given, capped at 100); epochs fixed at 1 (a
 *   constant of the space, so d = 19 as run); U = 14 (chunks of 15: 4 checks per epoch) and total = the training
 *   subset size (60); thresholds and p unchanged. Frames stay at T = 100: fewer frames barely reduce the input
 *   spikes (50 frames still give about 86 % of the active cells of 100), which is what costs time.
 * Everything else (network constants, decoders, preprocessing, the rest of the search space) is the same.
 */
import { z } from 'zod';
import { resolve } from 'node:path';
import {
  datasetLabels,
  DvsGestureDataset,
  stratifiedSubset,
  subsetDataset,
  trainValidationSplit,
  type SpikeDataset,
} from '../data/index.js';
import { isSyntheticDataset } from '../data/dvs/gesture.js';
import { epochsAndDecoder, numericHyperparameters, trainWithSilentRule } from './stdp-evaluation.js';
import { openSyntheticDvsGesture } from '../data/dvs/synthetic-dataset.js';
import { buildDiehlCook, experiment2Config, type DecoderName, type Exp2Hyperparameters } from '../snn/index.js';
import { SearchSpace } from '../space/space.js';
import type { ParameterSpec } from '../space/types.js';
import { UserError } from '../util/errors.js';
import { commonOptionFields, parseObjectiveOptions } from './options.js';
import { Rng } from '../util/rng.js';
import type { EvaluateResult, Objective, TrialContext } from '../study/objective.js';
import { constraintProportions, failureValues, resolveEarlyStopping, type EarlyStoppingConfig, type FailureConvention, type WatchedRule } from './early-stopping.js';

export type Exp2Scale = 'small' | 'full';

/** The decoders of Exp 2; all are trained and recorded, the `decoder` hyperparameter picks the result. */
export const EXP2_DECODERS: readonly DecoderName[] = ['all', 'vote', '2gram', 'log', 'svm'];

/** Exp 2 search space as run (system.md §3.5, d = 20), samplers included. */
export const EXP2_SPACE_AS_RUN: readonly ParameterSpec[] = [
  { name: 'decoder', type: 'categorical', choices: ['all', 'vote', '2gram', 'log', 'svm'] },
  { name: 'epochs', type: 'int', low: 1, high: 3 },
  { name: 'reset_interval', type: 'int', low: 5, high: 100 },
  { name: 'map_size', type: 'int', low: 20, high: 1000 },
  { name: 'nu_pre', type: 'float', low: 1e-4, high: 1e-2, sampler: 'loguniform' },
  { name: 'nu_post', type: 'float', low: 1e-4, high: 1e-2, sampler: 'reverse-loguniform' },
  { name: 'strength_exc', type: 'float', low: 1, high: 500, sampler: 'loguniform' },
  { name: 'strength_inh', type: 'float', low: 1, high: 500, sampler: 'loguniform' },
  { name: 'norm', type: 'float', low: 3276.8, high: 32768 },
  { name: 'e_thresh', type: 'float', low: -59, high: 60 },
  { name: 'e_rest', type: 'float', low: -140, high: -60 },
  { name: 'e_refrac', type: 'int', low: 0, high: 40 },
  { name: 'theta_plus', type: 'float', low: 0.001, high: 1, sampler: 'reverse-loguniform' },
  { name: 'tc_theta_decay', type: 'float', low: 1e6, high: 2e7, sampler: 'reverse-loguniform' },
  { name: 'e_tc_decay', type: 'float', low: 5, high: 5000, sampler: 'loguniform' },
  { name: 'e_tc_trace', type: 'float', low: 5, high: 5000, sampler: 'loguniform' },
  { name: 'i_thresh', type: 'float', low: -40, high: 40 },
  { name: 'i_rest', type: 'float', low: -120, high: -45 },
  { name: 'i_refrac', type: 'int', low: 0, high: 40 },
  { name: 'i_tc_decay', type: 'float', low: 5, high: 5000, sampler: 'loguniform' },
];

/** Exp 2 search space as committed (`search_spaces.py::get_gendh_rate_2_cnt_dvs`, d = 19: no epochs, 1 epoch). */
export const EXP2_SPACE_COMMITTED: readonly ParameterSpec[] = [
  { name: 'decoder', type: 'categorical', choices: ['all', 'vote', '2gram', 'log', 'svm'] },
  { name: 'reset_interval', type: 'int', low: 10, high: 100, sampler: 'reverse-loguniform' },
  { name: 'map_size', type: 'int', low: 50, high: 500 },
  { name: 'nu_pre', type: 'float', low: 1e-3, high: 1e-2, sampler: 'loguniform' },
  { name: 'nu_post', type: 'float', low: 1e-2, high: 1e-1, sampler: 'loguniform' },
  { name: 'strength_exc', type: 'float', low: 10, high: 160, sampler: 'loguniform' },
  { name: 'strength_inh', type: 'float', low: 30, high: 280, sampler: 'loguniform' },
  { name: 'norm', type: 'float', low: 3276.8, high: 16384, sampler: 'reverse-loguniform' },
  { name: 'e_thresh', type: 'float', low: -40, high: 0 },
  { name: 'e_rest', type: 'float', low: -140, high: -75 },
  { name: 'e_refrac', type: 'int', low: 0, high: 20 },
  { name: 'theta_plus', type: 'float', low: 0.5, high: 5, sampler: 'loguniform' },
  { name: 'tc_theta_decay', type: 'float', low: 5e6, high: 5e7, sampler: 'reverse-loguniform' },
  { name: 'e_tc_decay', type: 'float', low: 1000, high: 5000, sampler: 'loguniform' },
  { name: 'e_tc_trace', type: 'float', low: 500, high: 5000, sampler: 'loguniform' },
  { name: 'i_thresh', type: 'float', low: -10, high: 10 },
  { name: 'i_rest', type: 'float', low: -80, high: -60 },
  { name: 'i_refrac', type: 'int', low: 20, high: 40 },
  { name: 'i_tc_decay', type: 'float', low: 500, high: 5000, sampler: 'loguniform' },
];

/** Exp 2 as run (system.md §2 table, [log]): outpt threshold 1, p 0.1; inhib threshold 1, p 0.3; total 862; U 35. */
export const EXP2_EARLY_STOPPING_AS_RUN: EarlyStoppingConfig = {
  updateInterval: 35,
  criteria: [
    { layer: 'outpt', threshold: 1, proportion: 0.1, total: 862 },
    { layer: 'inhib', threshold: 1, proportion: 0.3, total: 862 },
  ],
};

/** Exp 2 as committed in the reference scripts ([code]): p 0.3 for both, U 10, total 862. */
export const EXP2_EARLY_STOPPING_COMMITTED: EarlyStoppingConfig = {
  updateInterval: 10,
  criteria: [
    { layer: 'outpt', threshold: 1, proportion: 0.3, total: 862 },
    { layer: 'inhib', threshold: 1, proportion: 0.3, total: 862 },
  ],
};

/** The `--data 862` subset of the official training set that the split is drawn from (689 / 173). */
export const EXP2_DATA_SIZE = 862;

/** What the `small` scale changes (see the module comment). */
export const EXP2_SMALL_SCALE = {
  nTrain: 60,
  nValidation: 30,
  maxMapSize: 100,
  epochs: 1,
  updateInterval: 14,
} as const;

/** Options of the Exp 2 objective. */
export interface Exp2Options {
  scale: Exp2Scale;
  /** 'as-run' (default) or 'committed' search space and rule parameters. */
  preset: 'as-run' | 'committed';
  /** Folder of real DVS128 Gesture data (AEDAT release or Tonic copy); absent: synthetic gestures. */
  dataDir?: string;
  /** Layout of `dataDir` (default auto-detected). */
  format: 'auto' | 'aedat' | 'tonic-npy';
  /** Frame cache for real data (default: the data layer's, ~/.cache/spikeopt/dvs-frames); false: none. */
  cacheDir?: string | false;
  /** Frames per sample (default 100, the paper's). */
  timeBins: number;
  /** Training / validation samples (subsets are class-stratified); default by scale. */
  nTrain?: number;
  nValidation?: number;
  /** Cap on map_size (also the space's upper bound when lower); default 100 for small, none for full. */
  maxMapSize?: number;
  /** Fixes the number of epochs (removes it from the space); default 1 for small (and committed), searched for full. */
  epochs?: number;
  /** Seed of the train/validation split, of the subsets and of synthetic data, the same for every trial. */
  dataSeed: number;
  /** Q14: 'inhibitory' (default) or the reference's 'reference-positive' lateral weights. */
  lateralSign: 'inhibitory' | 'reference-positive';
  /** false: no early stopping and no constraints (the "without" arm); else rule overrides. */
  earlyStopping: false | Partial<EarlyStoppingConfig>;
  /**
   * 'stop' (default): the rule stops silent networks and reports its constraints. 'watch': the rule only counts
   * and records where it would have fired (metrics `watched`); no stop, no constraints (a "without" arm that
   * still measures silence).
   */
  silentRule: 'stop' | 'watch';
  /** Q15: validate stopped networks fully (faithful) or skip it (objective not measured, metrics.validated false). */
  validateStopped: 'full' | 'skip';
  /** Q18: how a failed evaluation is scored; 'throw' lets the exception through (the trial is then failed). */
  failure: FailureConvention | 'throw';
  /** Seed used when the evaluation gets no trial context. */
  seed: number;
}

/** Options as written in a study config (`objective: { name: exp2-stdp-dvs, options: {...} }`). */
export const exp2OptionsSchema = z
  .object({
    ...commonOptionFields,
    preset: z.enum(['as-run', 'committed']).default('as-run'),
    dataDir: z.string().min(1).optional(),
    format: z.enum(['auto', 'aedat', 'tonic-npy']).default('auto'),
    cacheDir: z.union([z.string().min(1), z.literal(false)]).optional(),
    timeBins: z.number().int().min(1).max(10000).default(100),
    maxMapSize: z.number().int().min(1).optional(),
    epochs: z.number().int().min(1).optional(),
    lateralSign: z.enum(['inhibitory', 'reference-positive']).default('inhibitory'),
  })
  .strict();

function defaultOptions(): Exp2Options {
  return exp2OptionsSchema.parse({}) as Exp2Options;
}

/** The rule actually used for some options and training-set size. */
export function exp2EarlyStopping(o: Exp2Options, trainSize: number): EarlyStoppingConfig | null {
  const base = o.preset === 'committed' ? EXP2_EARLY_STOPPING_COMMITTED : EXP2_EARLY_STOPPING_AS_RUN;
  return resolveEarlyStopping(base, o.earlyStopping, o.scale === 'small' ? { updateInterval: EXP2_SMALL_SCALE.updateInterval, total: trainSize } : null);
}

/** Resolved sizes of a scale. */
function sizes(o: Exp2Options): { nTrain: number | null; nValidation: number | null; maxMapSize: number | null; epochs: number | null } {
  const small = o.scale === 'small';
  return {
    nTrain: o.nTrain ?? (small ? EXP2_SMALL_SCALE.nTrain : null),
    nValidation: o.nValidation ?? (small ? EXP2_SMALL_SCALE.nValidation : null),
    maxMapSize: o.maxMapSize ?? (small ? EXP2_SMALL_SCALE.maxMapSize : null),
    // The committed space has no epochs parameter: one epoch.
    epochs: o.epochs ?? (small ? EXP2_SMALL_SCALE.epochs : o.preset === 'committed' ? 1 : null),
  };
}

/** The search space of some options: the preset's, with map_size capped and epochs fixed when asked. */
export function exp2Space(o: Partial<Pick<Exp2Options, 'scale' | 'preset' | 'maxMapSize' | 'epochs'>>): SearchSpace {
  const full = { ...defaultOptions(), ...o };
  const s = sizes(full);
  const base = full.preset === 'committed' ? EXP2_SPACE_COMMITTED : EXP2_SPACE_AS_RUN;
  const params = base.map((p): ParameterSpec => {
    if (p.name === 'epochs' && s.epochs !== null) return { name: 'epochs', type: 'constant', value: s.epochs };
    if (p.name === 'map_size' && s.maxMapSize !== null && p.type === 'int' && p.high > s.maxMapSize) {
      if (s.maxMapSize <= p.low) throw new UserError(`Objective exp2-stdp-dvs: option maxMapSize must exceed ${p.low}.`);
      return { ...p, high: s.maxMapSize };
    }
    return p;
  });
  return SearchSpace.from(params, `exp2-stdp-dvs (${full.preset}, ${full.scale})`);
}

/** The datasets of one objective: the split (or its stratified subsets), and what they are. */
export interface Exp2Data {
  train: SpikeDataset;
  validation: SpikeDataset;
  /** 'dvs128-gesture' for real recordings, 'synthetic-dvs' for generated ones (written into every result). */
  dataset: 'dvs128-gesture' | 'synthetic-dvs';
  /** Where the data came from, in words. */
  source: string;
  /** Hash of the split's index lists (datasets.md §5), and the split's own sizes before any subset. */
  splitHash: string;
  splitSizes: { train: number; validation: number };
}

const dataCache = new Map<string, Exp2Data>();

/** Exp 2's data for some options (cached per process: every trial of a worker shares it). */
export function exp2Data(o: Pick<Exp2Options, 'dataDir' | 'format' | 'cacheDir' | 'timeBins' | 'dataSeed'>, nTrain: number | null, nValidation: number | null): Exp2Data {
  const key = JSON.stringify([o.dataDir ?? null, o.format, o.cacheDir ?? null, o.timeBins, o.dataSeed, nTrain, nValidation]);
  let d = dataCache.get(key);
  if (d) return d;
  let train: SpikeDataset;
  let validation: SpikeDataset;
  let splitHash: string;
  let source: string;
  if (o.dataDir !== undefined) {
    // The official training set, then the reference's split of an 862-sample subset (datasets.md §5).
    const full = new DvsGestureDataset({ root: o.dataDir, format: o.format, split: 'train', nTimeBins: o.timeBins, cacheDir: o.cacheDir });
    const size = Math.min(EXP2_DATA_SIZE, full.size);
    const split = trainValidationSplit(full.size, { seed: o.dataSeed, size });
    train = subsetDataset(full, split.train, `${full.name} train split`);
    validation = subsetDataset(full, split.validation, `${full.name} validation split`);
    splitHash = split.hash;
    source = `${full.synthetic ? 'synthetic recordings' : 'DVS128 Gesture recordings'} in ${full.index.dir} (${full.index.format}, ${full.size} training samples, split of ${size})`;
  } else {
    const synth = openSyntheticDvsGesture({ seed: `exp2:${o.dataSeed}`, splitSeed: o.dataSeed, size: EXP2_DATA_SIZE, nTimeBins: o.timeBins });
    ({ train, validation } = synth);
    splitHash = synth.split.hash;
    source = `synthetic gestures generated in memory (seed ${o.dataSeed}; no dataDir given)`;
  }
  const splitSizes = { train: train.size, validation: validation.size };
  const pick = (ds: SpikeDataset, n: number | null, tag: string): SpikeDataset => {
    if (n === null || n >= ds.size) return ds;
    const idx = stratifiedSubset(datasetLabels(ds), n, new Rng(`${o.dataSeed}:exp2-${tag}-subset`));
    return subsetDataset(ds, idx, `${ds.name} [${n} stratified]`);
  };
  train = pick(train, nTrain, 'train');
  validation = pick(validation, nValidation, 'validation');
  const dataset = train.synthetic || validation.synthetic ? 'synthetic-dvs' : 'dvs128-gesture';
  d = { train, validation, dataset, source, splitHash, splitSizes };
  dataCache.set(key, d);
  return d;
}

const HP_NAMES: readonly (keyof Exp2Hyperparameters)[] = [
  'map_size', 'nu_pre', 'nu_post', 'strength_exc', 'strength_inh', 'norm', 'e_thresh', 'e_rest', 'e_refrac',
  'theta_plus', 'tc_theta_decay', 'e_tc_decay', 'i_thresh', 'i_rest', 'i_refrac', 'i_tc_decay',
  'reset_interval', 'e_tc_trace',
];

/** Metrics of one Exp 2 evaluation. */
export type Exp2Metrics = {
  scale: Exp2Scale;
  /** 'synthetic-dvs' whenever the data were generated: such results say nothing about DVS128 Gesture. */
  dataset: 'dvs128-gesture' | 'synthetic-dvs';
  /** Q14: the sign of the lateral weights used. */
  lateralSign: 'inhibitory' | 'reference-positive';
  /** Spike totals per layer over the training and the validation samples. */
  spikeCounts: { train: Record<string, number>; validation: Record<string, number> };
  trainSeconds: number;
  validationSeconds: number;
  stopped: boolean;
  stoppedAt: { epoch: number; samples: number; criteria: number[] } | null;
  /** False when validation was skipped (stopped network, validateStopped 'skip'): the objective is not measured. */
  validated: boolean;
  accuracies: Record<string, number>;
  epochsRun: number;
  processedTrain: number;
  processedValidation: number;
  silentCounts: number[] | null;
  /** With `silentRule: 'watch'`: where the rule would have stopped training (null: never) and its constraints. */
  watched: WatchedRule | null;
  /** map_size and epochs as actually run (after caps). */
  mapSize: number;
  epochs: number;
  nTrain: number;
  nValidation: number;
  timeBins: number;
  splitHash: string;
  earlyStopping: EarlyStoppingConfig | null;
  failed?: true;
  error?: string;
};

/** What every output of an objective built with these options must say about its data. */
export function exp2Notes(o: Pick<Exp2Options, 'dataDir'>): string[] {
  if (o.dataDir === undefined) {
    return [
      'Experiment 2 runs on SYNTHETIC DVS gestures generated in memory (no dataDir given): its accuracies say nothing about DVS128 Gesture. Set objective.options.dataDir to a DVS128 Gesture folder for the real data.',
    ];
  }
  const root = resolve(o.dataDir);
  if (isSyntheticDataset(root, resolve(root, 'DvsGesture'), resolve(root, 'DVSGesture'))) {
    return [`Experiment 2 runs on SYNTHETIC DVS recordings (${o.dataDir} carries the synthetic-data marker): its accuracies say nothing about DVS128 Gesture.`];
  }
  return [];
}

/** Builds the Exp 2 objective (direction maximize; 2 constraints, or 0 without early stopping). */
export function createExp2Objective(options: Partial<Exp2Options> = {}): Objective {
  const o: Exp2Options = { ...defaultOptions(), ...options };
  const s = sizes(o);
  const space = exp2Space(o);
  const data = (): Exp2Data => exp2Data(o, s.nTrain, s.nValidation);
  const proportions = constraintProportions(exp2EarlyStopping(o, s.nTrain ?? 689)?.criteria ?? null, o.silentRule);
  const name = o.scale === 'small' ? 'exp2-stdp-dvs-small' : 'exp2-stdp-dvs';
  const notes = exp2Notes(o);
  const dataset = notes.length > 0 ? 'synthetic-dvs' : 'dvs128-gesture';
  return {
    name,
    space,
    direction: 'maximize',
    constraintCount: proportions.length,
    notes,
    evaluate(params: Record<string, unknown>, context?: TrialContext): EvaluateResult {
      try {
        return evaluateExp2(o, s, data(), params, context?.seed ?? o.seed);
      } catch (err) {
        if (o.failure === 'throw') throw err;
        const f = failureValues(proportions, o.failure);
        const message = err instanceof Error ? err.message : String(err);
        return { objective: f.objective, constraints: f.constraints, metrics: { failed: true, error: message, dataset, lateralSign: o.lateralSign, scale: o.scale } };
      }
    },
  };
}

function evaluateExp2(
  o: Exp2Options,
  s: ReturnType<typeof sizes>,
  data: Exp2Data,
  params: Record<string, unknown>,
  seed: number,
): { objective: number | null; constraints: number[]; metrics: Exp2Metrics } {
  const hp: Exp2Hyperparameters = numericHyperparameters(params, HP_NAMES);
  hp.map_size = Math.round(hp.map_size);
  if (s.maxMapSize !== null) hp.map_size = Math.min(hp.map_size, s.maxMapSize);
  hp.reset_interval = Math.round(hp.reset_interval);
  if (!(hp.reset_interval >= 1)) throw new RangeError(`reset_interval must be an integer ≥ 1, got ${String(params.reset_interval)}`);
  const { epochs, decoder } = epochsAndDecoder(params, s.epochs, EXP2_DECODERS);

  const rule = exp2EarlyStopping(o, data.train.size);
  const dc = buildDiehlCook(experiment2Config(hp, { nInputs: data.train.nInputs, lateralSign: o.lateralSign }), { seed });
  const { result, rule: es, validated } = trainWithSilentRule({
    network: dc.network,
    train: data.train,
    validation: data.validation,
    epochs,
    rule,
    defaultUpdateInterval: EXP2_EARLY_STOPPING_AS_RUN.updateInterval,
    decoders: EXP2_DECODERS,
    decoder,
    seed,
    validateStopped: o.validateStopped,
    watch: o.silentRule === 'watch',
  });
  const outcome = es?.outcome() ?? null;
  const metrics: Exp2Metrics = {
    scale: o.scale,
    dataset: data.dataset,
    lateralSign: o.lateralSign,
    spikeCounts: result.spikes,
    trainSeconds: result.timings.trainSeconds,
    validationSeconds: result.timings.validationSeconds,
    stopped: result.stopped,
    stoppedAt: outcome ? outcome.stoppedAt : result.stoppedAt ? { ...result.stoppedAt, criteria: [] } : null,
    watched: outcome?.watched ?? null,
    validated,
    accuracies: validated ? (result.accuracies as Record<string, number>) : {},
    epochsRun: result.epochsRun,
    processedTrain: result.processedTrain,
    processedValidation: validated ? result.processedValidation : 0,
    silentCounts: es?.silentCounts ?? null,
    mapSize: hp.map_size,
    epochs,
    nTrain: data.train.size,
    nValidation: data.validation.size,
    timeBins: data.train.T,
    splitHash: data.splitHash,
    earlyStopping: rule,
  };
  return { objective: validated ? result.accuracy : null, constraints: outcome?.constraints ?? [], metrics };
}


/** Builds `exp2-stdp-dvs` or `exp2-stdp-dvs-small` (scale forced to small) from study-config options. */
export function exp2Factory(name: 'exp2-stdp-dvs' | 'exp2-stdp-dvs-small', options: unknown): Objective {
  return createExp2Objective(parseObjectiveOptions<Exp2Options>(exp2OptionsSchema, name, options, name === 'exp2-stdp-dvs-small' ? { scale: 'small' } : {}, 'exp2-stdp-dvs'));
}
