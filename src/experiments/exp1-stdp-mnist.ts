/**
 * Experiment 1 (spec system.md §3.1, §3.5, §2): the Diehl & Cook network trained by STDP on real MNIST
 * (Poisson, T = 100, 128 Hz), decoders `all`, `vote`, `2gram`, `3gram`, validation accuracy maximised under two
 * silent-network constraints (excitatory `outpt` < 5 spikes, inhibitory `inhib` < 1 spike).
 *
 * Scales:
 * - `full` (the paper as run): 48 000 training / 12 000 validation images of the seeded split, epochs ∈ [1, 3],
 *   map_size ∈ [20, 2000], U = 1000, total = 48 000, p = 0.1.
 * - `small` (a laptop study): class-stratified subsets of that split, 1 000 training / 500 validation images;
 *   map_size ∈ [20, 400] (its upper bound, and any larger value given, capped at 400); epochs fixed at 1 (a
 *   constant of the space, so d = 17); U = 20 (chunks of 21 images: about as many checks and decoder updates per
 *   epoch as the full run's 48) and total = the training subset size (1 000), p and thresholds unchanged.
 *   These are the defaults of the option; the shipped study file's `--scale small` trains the same space on
 *   5 000 / 1 000 images with U = 100 (where networks go silent as they train), its `--scale tiny` on these.
 * Everything else (network constants, decoders, encoding, the rest of the search space) is the same.
 */
import { z } from 'zod';
import { openMnist, POISSON_PRESETS, stratifiedSubset, subsetDataset, datasetLabels, type SpikeDataset } from '../data/index.js';
import { buildDiehlCook, experiment1Config, type DecoderName, type Exp1Hyperparameters } from '../snn/index.js';
import { SearchSpace } from '../space/space.js';
import type { ParameterSpec } from '../space/types.js';
import { UserError } from '../util/errors.js';
import { commonOptionFields, parseObjectiveOptions } from './options.js';
import { Rng } from '../util/rng.js';
import type { EvaluateResult, Objective, TrialContext } from '../study/objective.js';
import { epochsAndDecoder, numericHyperparameters, trainWithSilentRule } from './stdp-evaluation.js';
import {
  EXP1_EARLY_STOPPING_AS_RUN,
  EXP1_EARLY_STOPPING_COMMITTED,
  constraintProportions,
  failureValues,
  resolveEarlyStopping,
  type EarlyStoppingConfig,
  type FailureConvention,
  type WatchedRule,
} from './early-stopping.js';

export type Exp1Scale = 'small' | 'full';

/** The decoders of Exp 1 as run; all are trained and recorded, the `decoder` hyperparameter picks the result. */
export const EXP1_DECODERS: readonly DecoderName[] = ['all', 'vote', '2gram', '3gram'];

/** Exp 1 search space as run (system.md §3.5, d = 18), samplers included. */
export const EXP1_SPACE_AS_RUN: readonly ParameterSpec[] = [
  { name: 'decoder', type: 'categorical', choices: ['all', 'vote', '2gram', '3gram'] },
  { name: 'epochs', type: 'int', low: 1, high: 3 },
  { name: 'map_size', type: 'int', low: 20, high: 2000 },
  { name: 'nu_pre', type: 'float', low: 1e-4, high: 1e-2, sampler: 'loguniform' },
  { name: 'nu_post', type: 'float', low: 1e-4, high: 1e-2, sampler: 'reverse-loguniform' },
  { name: 'strength_exc', type: 'float', low: 0, high: 500 },
  { name: 'strength_inh', type: 'float', low: 0, high: 500 },
  { name: 'norm', type: 'float', low: 78.4, high: 784, sampler: 'loguniform' },
  { name: 'e_thresh', type: 'float', low: -59, high: 0 },
  { name: 'e_rest', type: 'float', low: -70, high: -60 },
  { name: 'e_refrac', type: 'int', low: 0, high: 20 },
  { name: 'theta_plus', type: 'float', low: 0.001, high: 0.5, sampler: 'reverse-loguniform' },
  { name: 'tc_theta_decay', type: 'float', low: 1e6, high: 2e7, sampler: 'reverse-loguniform' },
  { name: 'e_tc_decay', type: 'float', low: 5, high: 5000 },
  { name: 'i_thresh', type: 'float', low: -40, high: 0 },
  { name: 'i_rest', type: 'float', low: -60, high: -45 },
  { name: 'i_refrac', type: 'int', low: 0, high: 20 },
  { name: 'i_tc_decay', type: 'float', low: 5, high: 5000 },
];

/** Exp 1 search space as committed (`search_spaces.py::get_gendh_rate_2_cnt`). */
export const EXP1_SPACE_COMMITTED: readonly ParameterSpec[] = [
  { name: 'decoder', type: 'categorical', choices: ['all', 'vote', '2gram'] },
  { name: 'epochs', type: 'int', low: 1, high: 3 },
  { name: 'map_size', type: 'int', low: 10, high: 1000 },
  { name: 'nu_pre', type: 'float', low: 1e-4, high: 1e-3, sampler: 'loguniform' },
  { name: 'nu_post', type: 'float', low: 1e-3, high: 1e-2, sampler: 'reverse-loguniform' },
  { name: 'strength_exc', type: 'float', low: 50, high: 500, sampler: 'reverse-loguniform' },
  { name: 'strength_inh', type: 'float', low: 60, high: 600, sampler: 'reverse-loguniform' },
  { name: 'norm', type: 'float', low: 78.4, high: 200, sampler: 'reverse-loguniform' },
  { name: 'e_thresh', type: 'float', low: -70, high: -50 },
  { name: 'e_rest', type: 'float', low: -65, high: -55 },
  { name: 'e_refrac', type: 'int', low: 1, high: 10 },
  { name: 'theta_plus', type: 'float', low: 0.01, high: 0.1, sampler: 'loguniform' },
  { name: 'tc_theta_decay', type: 'float', low: 1e6, high: 1e7, sampler: 'reverse-loguniform' },
  { name: 'e_tc_decay', type: 'float', low: 1000, high: 5000, sampler: 'reverse-loguniform' },
  { name: 'i_thresh', type: 'float', low: -30, high: -10 },
  { name: 'i_rest', type: 'float', low: -60, high: -40 },
  { name: 'i_refrac', type: 'int', low: 15, high: 35 },
  { name: 'i_tc_decay', type: 'float', low: 1000, high: 5000, sampler: 'loguniform' },
];

/** What the `small` scale changes (see the module comment). */
export const EXP1_SMALL_SCALE = {
  nTrain: 1000,
  nValidation: 500,
  maxMapSize: 400,
  epochs: 1,
  updateInterval: 20,
} as const;

/** Options of the Exp 1 objective. */
export interface Exp1Options {
  scale: Exp1Scale;
  /** 'as-run' (default) or 'committed' search space and rule parameters. */
  preset: 'as-run' | 'committed';
  /** Training / validation images (subsets are class-stratified); default by scale. */
  nTrain?: number;
  nValidation?: number;
  /** Cap on map_size (also the space's upper bound when lower); default 400 for small, none for full. */
  maxMapSize?: number;
  /** Fixes the number of epochs (removes it from the space); default 1 for small, searched for full. */
  epochs?: number;
  /** Seed of the train/validation split and of the subsets, the same for every trial (default 0). */
  dataSeed: number;
  /** false: no early stopping and no constraints (the "without" arm); else rule overrides. */
  earlyStopping: false | Partial<EarlyStoppingConfig>;
  /**
   * 'stop' (default): the rule stops silent networks and reports its constraints. 'watch': the rule only counts
   * and records where it would have fired (metrics `watched`); no stop, no constraints (a "without" arm that
   * still measures silence).
   */
  silentRule: 'stop' | 'watch';
  /**
   * Q15: validate stopped networks fully (faithful) or skip it: the objective is then not measured (`objective:
   * null`, metrics.validated false), so the optimizer's objective model ignores the point and its constraint
   * models learn from it (docs/optimizer.md, "Unmeasured objectives").
   */
  validateStopped: 'full' | 'skip';
  /** Q18: how a failed evaluation is scored; 'throw' lets the exception through (the trial is then failed). */
  failure: FailureConvention | 'throw';
  /** Seed used when the evaluation gets no trial context. */
  seed: number;
}

/** Options as written in a study config (`objective: { name: exp1-stdp-mnist, options: {...} }`). */
export const exp1OptionsSchema = z
  .object({
    ...commonOptionFields,
    preset: z.enum(['as-run', 'committed']).default('as-run'),
    maxMapSize: z.number().int().min(1).optional(),
    epochs: z.number().int().min(1).optional(),
  })
  .strict();

/** The rule actually used for some options and training-set size. */
export function exp1EarlyStopping(o: Exp1Options, trainSize: number): EarlyStoppingConfig | null {
  const base = o.preset === 'committed' ? EXP1_EARLY_STOPPING_COMMITTED : EXP1_EARLY_STOPPING_AS_RUN;
  return resolveEarlyStopping(base, o.earlyStopping, o.scale === 'small' ? { updateInterval: EXP1_SMALL_SCALE.updateInterval, total: trainSize } : null);
}

/** Resolved sizes of a scale. */
function sizes(o: Exp1Options): { nTrain: number | null; nValidation: number | null; maxMapSize: number | null; epochs: number | null } {
  const small = o.scale === 'small';
  return {
    nTrain: o.nTrain ?? (small ? EXP1_SMALL_SCALE.nTrain : null),
    nValidation: o.nValidation ?? (small ? EXP1_SMALL_SCALE.nValidation : null),
    maxMapSize: o.maxMapSize ?? (small ? EXP1_SMALL_SCALE.maxMapSize : null),
    epochs: o.epochs ?? (small ? EXP1_SMALL_SCALE.epochs : null),
  };
}

/** The search space of some options: the preset's, with map_size capped and epochs fixed when asked. */
export function exp1Space(o: Pick<Exp1Options, 'scale' | 'preset' | 'maxMapSize' | 'epochs'>): SearchSpace {
  const s = sizes({ ...defaultOptions(), ...o });
  const base = o.preset === 'committed' ? EXP1_SPACE_COMMITTED : EXP1_SPACE_AS_RUN;
  const params = base.map((p): ParameterSpec => {
    if (p.name === 'epochs' && s.epochs !== null) return { name: 'epochs', type: 'constant', value: s.epochs };
    if (p.name === 'map_size' && s.maxMapSize !== null && p.type === 'int' && p.high > s.maxMapSize) {
      if (s.maxMapSize <= p.low) throw new UserError(`Objective exp1-stdp-mnist: option maxMapSize must exceed ${p.low}.`);
      return { ...p, high: s.maxMapSize };
    }
    return p;
  });
  return SearchSpace.from(params, `exp1-stdp-mnist (${o.preset}, ${o.scale})`);
}

function defaultOptions(): Exp1Options {
  return exp1OptionsSchema.parse({}) as Exp1Options;
}

interface Exp1Data {
  train: SpikeDataset;
  validation: SpikeDataset;
}

const dataCache = new Map<string, Exp1Data>();

/** MNIST's seeded 48 000 / 12 000 split, or class-stratified subsets of it (cached per process). */
export function exp1Data(dataSeed: number, nTrain: number | null, nValidation: number | null): Exp1Data {
  const key = `${dataSeed}:${nTrain}:${nValidation}`;
  let d = dataCache.get(key);
  if (!d) {
    const mnist = openMnist({ seed: dataSeed, encoding: POISSON_PRESETS.stdp });
    const pick = (ds: SpikeDataset, n: number | null, tag: string): SpikeDataset => {
      if (n === null || n >= ds.size) return ds;
      const idx = stratifiedSubset(datasetLabels(ds), n, new Rng(`${dataSeed}:${tag}-subset`));
      return subsetDataset(ds, idx, `${ds.name} [${n} stratified]`);
    };
    d = { train: pick(mnist.train, nTrain, 'train'), validation: pick(mnist.validation, nValidation, 'validation') };
    dataCache.set(key, d);
  }
  return d;
}

const HP_NAMES: readonly (keyof Exp1Hyperparameters)[] = [
  'map_size', 'nu_pre', 'nu_post', 'strength_exc', 'strength_inh', 'norm', 'e_thresh', 'e_rest', 'e_refrac',
  'theta_plus', 'tc_theta_decay', 'e_tc_decay', 'i_thresh', 'i_rest', 'i_refrac', 'i_tc_decay',
];

/** Metrics of one Exp 1 evaluation. */
export type Exp1Metrics = {
  scale: Exp1Scale;
  /** Spike totals per layer over the training and the validation images. */
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
  earlyStopping: EarlyStoppingConfig | null;
  failed?: true;
  error?: string;
};

/** Builds the Exp 1 objective (direction maximize; 2 constraints, or 0 without early stopping). */
export function createExp1Objective(options: Partial<Exp1Options> = {}): Objective {
  const o: Exp1Options = { ...defaultOptions(), ...options };
  const s = sizes(o);
  const space = exp1Space(o);
  const data = (): Exp1Data => exp1Data(o.dataSeed, s.nTrain, s.nValidation);
  const proportions = constraintProportions(exp1EarlyStopping(o, s.nTrain ?? 48000)?.criteria ?? null, o.silentRule);
  const name = o.scale === 'small' ? 'exp1-stdp-mnist-small' : 'exp1-stdp-mnist';
  return {
    name,
    space,
    direction: 'maximize',
    constraintCount: proportions.length,
    evaluate(params: Record<string, unknown>, context?: TrialContext): EvaluateResult {
      try {
        return evaluateExp1(o, s, data(), params, context?.seed ?? o.seed);
      } catch (err) {
        if (o.failure === 'throw') throw err;
        const f = failureValues(proportions, o.failure);
        return { objective: f.objective, constraints: f.constraints, metrics: { failed: true, error: err instanceof Error ? err.message : String(err) } };
      }
    },
  };
}

/**
 * The network hyperparameters of a point of the space (epochs and decoder aside): numbers checked, map_size rounded
 * and capped at `maxMapSize` (small scale). @throws RangeError naming a missing or non-numeric hyperparameter.
 */
export function exp1Hyperparameters(params: Record<string, unknown>, maxMapSize: number | null): Exp1Hyperparameters {
  const hp: Exp1Hyperparameters = numericHyperparameters(params, HP_NAMES);
  hp.map_size = Math.round(hp.map_size);
  if (maxMapSize !== null) hp.map_size = Math.min(hp.map_size, maxMapSize);
  return hp;
}

function evaluateExp1(
  o: Exp1Options,
  s: ReturnType<typeof sizes>,
  data: Exp1Data,
  params: Record<string, unknown>,
  seed: number,
): { objective: number | null; constraints: number[]; metrics: Exp1Metrics } {
  const hp = exp1Hyperparameters(params, s.maxMapSize);
  const { epochs, decoder } = epochsAndDecoder(params, s.epochs, EXP1_DECODERS);

  const rule = exp1EarlyStopping(o, data.train.size);
  const dc = buildDiehlCook(experiment1Config(hp), { seed });
  const { result, rule: es, validated } = trainWithSilentRule({
    network: dc.network,
    train: data.train,
    validation: data.validation,
    epochs,
    rule,
    defaultUpdateInterval: EXP1_EARLY_STOPPING_AS_RUN.updateInterval,
    decoders: EXP1_DECODERS,
    decoder,
    seed,
    validateStopped: o.validateStopped,
    watch: o.silentRule === 'watch',
  });
  const outcome = es?.outcome() ?? null;
  const metrics: Exp1Metrics = {
    scale: o.scale,
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
    earlyStopping: rule,
  };
  return { objective: validated ? result.accuracy : null, constraints: outcome?.constraints ?? [], metrics };
}


/** Builds `exp1-stdp-mnist` or `exp1-stdp-mnist-small` (scale forced to small) from study-config options. */
export function exp1Factory(name: 'exp1-stdp-mnist' | 'exp1-stdp-mnist-small', options: unknown): Objective {
  return createExp1Objective(parseObjectiveOptions<Exp1Options>(exp1OptionsSchema, name, options, name === 'exp1-stdp-mnist-small' ? { scale: 'small' } : {}, 'exp1-stdp-mnist'));
}
