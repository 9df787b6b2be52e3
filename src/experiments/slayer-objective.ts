/**
 * The objective shared by experiments 3 and 4 (spec system.md §3.3–3.4, §2, §9): a convolutional ALIF network
 * built from the hyperparameters, trained by the surrogate-gradient engine with the spike-based stop rule on the
 * output layer, scored by the validation accuracy of the last epoch run (Q20; the best epoch is recorded too).
 *
 * Failures (shapes that do not fit, a network over the parameter budget (Q19), divergence, any exception) return
 * the failure values of Q18 with the error recorded, and the study goes on.
 */
import { z } from 'zod';
import type { SpikeDataset } from '../data/dataset.js';
import { SearchSpace } from '../space/space.js';
import type { ParameterSpec } from '../space/types.js';
import { UserError } from '../util/errors.js';
import { commonOptionFields, parseObjectiveOptions } from './options.js';
import type { EvaluateResult, Objective, TrialContext } from '../study/objective.js';
import { planNetwork, parameterCount } from '../slayer/architecture.js';
import type { SlayerHyperparameters } from '../slayer/models.js';
import type { SlayerNetworkConfig } from '../slayer/network.js';
import { trainSlayer } from '../slayer/trainer.js';
import { constraintProportions, failureValues, resolveEarlyStopping, SpikeEarlyStopping, type EarlyStoppingConfig, type FailureConvention, type WatchedRule } from './early-stopping.js';

export type SlayerScale = 'small' | 'full';

/** What differs between experiments 3 and 4. */
export interface SlayerExperiment {
  /** Registry names of the two scales. */
  names: Record<SlayerScale, string>;
  /** Search space as run (system.md §3.5). */
  space: readonly ParameterSpec[];
  /** The stop rule as run, with `total` the full training size (system.md §2). */
  earlyStopping: EarlyStoppingConfig;
  /** Caps of the small scale: the space's upper bounds are lowered to these (and values above are clipped). */
  smallCaps: Partial<Record<keyof SlayerHyperparameters, number>>;
  /** Builds the network of some hyperparameters for a scale. */
  network(hp: SlayerHyperparameters, scale: SlayerScale, data: SlayerData): SlayerNetworkConfig;
  /** Opens (and caches) the data of a scale. */
  data(o: SlayerOptions): SlayerData;
  /** What every output of the study must say (synthetic data), printed and stored when a study is created. */
  notes?(o: SlayerOptions): string[];
}

export interface SlayerData {
  train: SpikeDataset;
  validation: SpikeDataset;
  /** Says so in every output when the data are generated (synthetic DVS). */
  synthetic: boolean;
  description: string;
}

export interface SlayerOptions {
  scale: SlayerScale;
  nTrain?: number;
  nValidation?: number;
  dataSeed: number;
  /** Folder of real DVS128 Gesture recordings (Exp 4); synthetic event data otherwise. */
  dataDir?: string;
  earlyStopping: false | Partial<EarlyStoppingConfig>;
  /** 'stop' (default) or 'watch': count and record where the rule would fire, without stop or constraints. */
  silentRule: 'stop' | 'watch';
  validateStopped: 'full' | 'skip';
  failure: FailureConvention | 'throw';
  /** Threads per evaluation (default 1: a study already runs one evaluation per core). */
  threads: number;
  /** Numeric mode of the engine: 'float' (default) or 'fixed' (Lava-DL fixed point). */
  mode: 'float' | 'fixed';
  /** Q19: networks with more learnable values than this fail before training (cost ≈ 0). */
  maxParameters: number;
  seed: number;
}

export const slayerOptionsSchema = z
  .object({
    ...commonOptionFields,
    dataDir: z.string().min(1).optional(),
    threads: z.number().int().min(1).default(1),
    mode: z.enum(['float', 'fixed']).default('float'),
    maxParameters: z.number().int().min(1).default(50_000_000),
  })
  .strict();

/** Parses factory options; a bad one is one sentence naming it. `forced` comes from the registry name. */
export function parseSlayerOptions(objective: string, options: unknown, forced: Partial<SlayerOptions> = {}): SlayerOptions {
  return parseObjectiveOptions<SlayerOptions>(slayerOptionsSchema, objective, options, forced, objective.replace(/-small$/, ''));
}

/** The rule used for a training set of `trainSize` samples: as run, with U and total scaled at small scale. */
export function slayerEarlyStopping(exp: SlayerExperiment, o: SlayerOptions, trainSize: number, batchSize: number): EarlyStoppingConfig | null {
  const base = exp.earlyStopping;
  const scaled = { updateInterval: Math.max(1, Math.round((base.updateInterval * trainSize) / base.criteria[0].total)), total: trainSize };
  return resolveEarlyStopping(base, o.earlyStopping, o.scale === 'small' ? scaled : null, batchSize);
}

/** The search space of a scale: as run, upper bounds lowered to the small caps. */
export function slayerSpace(exp: SlayerExperiment, scale: SlayerScale): SearchSpace {
  const params = exp.space.map((p): ParameterSpec => {
    const cap = scale === 'small' ? exp.smallCaps[p.name as keyof SlayerHyperparameters] : undefined;
    if (cap !== undefined && (p.type === 'int' || p.type === 'float') && p.high > cap) {
      return cap <= p.low ? { name: p.name, type: 'constant', value: cap } : { ...p, high: cap };
    }
    return p;
  });
  return SearchSpace.from(params, exp.names[scale]);
}

const INT_HPS = new Set(['epochs', 'batch_size', 'c1_filters', 'c2_filters', 'c1_k', 'c2_k']);
const FLOAT_HPS = ['learning_rate', 'tau_grad', 'scale_grad', 'threshold', 'threshold_step', 'current_decay', 'voltage_decay', 'threshold_decay', 'refractory_decay', 'dropout'] as const;

/** Hyperparameters from a point (integers rounded, small-scale caps applied). */
export function slayerHyperparameters(exp: SlayerExperiment, o: SlayerOptions, params: Record<string, unknown>): SlayerHyperparameters {
  const hp = {} as Record<string, unknown>;
  for (const k of [...INT_HPS, ...FLOAT_HPS]) {
    let v = Number(params[k]);
    if (!Number.isFinite(v)) throw new RangeError(`hyperparameter ${k} is missing or not a number (${String(params[k])})`);
    if (INT_HPS.has(k)) v = Math.round(v);
    const cap = o.scale === 'small' ? exp.smallCaps[k as keyof SlayerHyperparameters] : undefined;
    if (cap !== undefined) v = Math.min(v, cap);
    hp[k] = v;
  }
  const decoder = String(params.decoder);
  if (decoder !== 'rate' && decoder !== 'max') throw new RangeError(`decoder must be 'rate' or 'max', got ${decoder}`);
  hp.decoder = decoder;
  return hp as unknown as SlayerHyperparameters;
}

/** Metrics of one evaluation. */
export interface SlayerMetrics {
  scale: SlayerScale;
  dataset: string;
  synthetic: boolean;
  stopped: boolean;
  stoppedAt: { epoch: number; samples: number; criteria: number[] } | null;
  validated: boolean;
  /** Mean spikes per training sample, by block. */
  spikeCounts: Record<string, number>;
  trainSeconds: number;
  validationSeconds: number;
  epochsRun: number;
  bestAccuracy: number;
  bestEpoch: number;
  epochAccuracies: number[];
  parameters: number;
  peakReplicaMB: number;
  earlyStopping: EarlyStoppingConfig | null;
  /** With `silentRule: 'watch'`: where the rule would have stopped training (null: never) and its constraints. */
  watched: WatchedRule | null;
  failed?: true;
  error?: string;
}

/** Builds the objective of an experiment (maximize validation accuracy; 1 constraint, or 0 without the rule). */
export function createSlayerObjective(exp: SlayerExperiment, o: SlayerOptions): Objective {
  const space = slayerSpace(exp, o.scale);
  const proportions = constraintProportions(o.earlyStopping === false ? null : (o.earlyStopping.criteria ?? exp.earlyStopping.criteria), o.silentRule);
  return {
    name: exp.names[o.scale],
    space,
    direction: 'maximize',
    constraintCount: proportions.length,
    notes: exp.notes?.(o) ?? [],
    async evaluate(params: Record<string, unknown>, context?: TrialContext): Promise<EvaluateResult> {
      try {
        return await evaluateSlayer(exp, o, params, context?.seed ?? o.seed);
      } catch (err) {
        if (o.failure === 'throw') throw err;
        const f = failureValues(proportions, o.failure);
        return { objective: f.objective, constraints: f.constraints, metrics: { failed: true, error: err instanceof Error ? err.message : String(err) } };
      }
    },
  };
}

async function evaluateSlayer(exp: SlayerExperiment, o: SlayerOptions, params: Record<string, unknown>, seed: number) {
  const hp = slayerHyperparameters(exp, o, params);
  const data = exp.data(o);
  const config: SlayerNetworkConfig = { ...exp.network(hp, o.scale, data), mode: o.mode };
  // Shapes are checked (and a network over budget declared failed) before any memory is allocated.
  const nParams = parameterCount(planNetwork(config.input, config.blocks));
  if (nParams > o.maxParameters) throw new UserError(`network has ${nParams} parameters, above the budget maxParameters = ${o.maxParameters} (Q19)`);
  const rule = slayerEarlyStopping(exp, o, data.train.size, hp.batch_size);
  const es = rule ? new SpikeEarlyStopping(rule, { watchOnly: o.silentRule === 'watch' }) : null;
  const result = await trainSlayer(config, {
    train: data.train,
    validation: data.validation,
    epochs: hp.epochs,
    batchSize: hp.batch_size,
    learningRate: hp.learning_rate,
    loss: hp.decoder,
    seed,
    threads: o.threads,
    stopRule: es ?? undefined,
    validateStopped: o.validateStopped,
  });
  const outcome = es?.outcome() ?? null;
  const validated = Number.isFinite(result.accuracy);
  const metrics: SlayerMetrics = {
    scale: o.scale,
    dataset: data.description,
    synthetic: data.synthetic,
    stopped: result.stopped,
    stoppedAt: outcome?.stoppedAt ?? null,
    watched: outcome?.watched ?? null,
    validated,
    spikeCounts: result.meanSpikes,
    trainSeconds: result.trainSeconds,
    validationSeconds: result.validationSeconds,
    epochsRun: result.epochs.length,
    bestAccuracy: result.bestAccuracy,
    bestEpoch: result.bestEpoch,
    epochAccuracies: result.epochs.map((e) => e.validationAccuracy),
    parameters: nParams,
    peakReplicaMB: result.replicaBytes / 2 ** 20,
    earlyStopping: rule,
  };
  return { objective: validated ? result.accuracy : null, constraints: outcome?.constraints ?? [], metrics: metrics as unknown as Record<string, unknown> };
}
