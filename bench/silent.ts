/**
 * The paper's headline experiment measured on our system (`npm run bench:silent`): Experiment 1 at small scale
 * (Diehl & Cook STDP on real MNIST, 5 000 / 1 000 images, map_size ≤ 400, 1 epoch: the regime where networks go
 * silent as they train) optimised by SCBO on all cores, twice with the same seed and the same wall budget, with the
 * rule and the SCBO and execution settings of the shipped study file's scale (experiments/exp1-stdp-mnist.yaml:
 * output threshold calibrated to 2 spikes, predictive stopping, cautious feasibility, refitGrowth,
 * refillThreshold):
 *   (a) with the spike-based early stopping and its two constraints, predictive (fires as soon as the full rule is
 *       predicted to fire, from the epoch's silent rate or, with a window, the last chunks') with projected
 *       constraints, stopped networks not validated (quirk Q15), and SCBO's cautious feasibility (candidates
 *       predicted infeasible are never picked) where the scale turns it on;
 *   (b) without either (every network trained and validated fully, no constraints); the same rule only watches
 *       (`silentRule: 'watch'`), so (b) also says which of its networks the rule would have flagged, what they
 *       cost, its best accuracy among the networks the rule accepts (`bestWithoutAccepted`), and, from its spike
 *       histograms, what other output thresholds would have flagged (`thresholdCalibration`).
 * For the first seed also: (c) the paper's rule (thresholds 5 and 1) and SCBO exactly (count constraints, stopped
 * networks validated fully, refill threshold 1: the reference), and (d) the same with stopped networks not
 * validated, to show what each improvement saves.
 *
 * Rule agreement: `--agreement N` random networks of the space (seeded) are trained for the whole epoch while the
 * full rule, the predictive rule and the paper's thresholds watch the same spike counts without stopping anything.
 * It reports how many each flags, that none flagged by the full rule is missed by the predictive one, how many the
 * predictive rule flags in addition, and where each fires.
 *
 * Compute = training + validation seconds reported by each evaluation (worker time, not wall time). A network
 * is "silent" when the rule stopped it. Writes bench/results/silent.json with `stoppedFraction`,
 * `silentComputeShare`, `evaluationsWith`, `evaluationsWithout`, `bestWith`, `bestWithout` and the details
 * (best accuracy over time and over evaluations for both arms).
 *
 * Which networks SCBO picks changes the cost of an evaluation (map_size), so one seed is a noisy comparison:
 * `--seeds N` runs both arms for seeds F..F+N−1 (`--first-seed F`, default 0) and the headline keys are over all
 * seeds (sums of evaluations, medians of best accuracies, pooled fractions); the per-seed arms are in `seeds`. (c)
 * and (d) run for the first seed only.
 *
 * `--scale NAME` picks another scale of the study file that uses the small search space: `--scale tiny` (1 000 /
 * 500 images, where networks have no time to fall silent; what `npm start` runs) writes
 * bench/results/silent-tiny.json.
 *
 * `--cautious on|off` overrides the study file's cautious feasibility (SCBO of both arms; moot without constraints).
 *
 * Options: --wall 240 (seconds per arm)  --seeds 3  --first-seed 0  --workers auto  --skip-faithful  --cautious on|off
 *          --agreement 100  --scale small  --out FILE (default bench/results/silent.json, or silent-SCALE.json)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXP1_SMALL_SCALE, exp1Data, exp1Hyperparameters, exp1Space } from '../src/experiments/exp1-stdp-mnist.js';
import {
  EXP1_EARLY_STOPPING_AS_RUN,
  resolveEarlyStopping,
  SpikeEarlyStopping,
  thresholdCalibration,
  type CalibrationRow,
  type EarlyStoppingConfig,
  type WatchedRule,
} from '../src/experiments/early-stopping.js';
import { subsetDataset } from '../src/data/index.js';
import { buildDiehlCook, experiment1Config, trainAndEvaluate } from '../src/snn/index.js';
import { Rng } from '../src/util/rng.js';
import { loadStudyConfig, parseStudyConfig } from '../src/study/config.js';
import { createStudy } from '../src/study/create.js';
import { runStudy } from '../src/study/runner.js';
import type { TrialRow } from '../src/storage/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    wall: { type: 'string', default: '240' },
    workers: { type: 'string', default: 'auto' },
    seeds: { type: 'string', default: '3' },
    'first-seed': { type: 'string', default: '0' },
    'skip-faithful': { type: 'boolean', default: false },
    agreement: { type: 'string', default: '100' },
    scale: { type: 'string', default: 'small' },
    cautious: { type: 'string' },
    out: { type: 'string' },
  },
});
const wall = Number(values.wall);
const root = mkdtempSync(join(tmpdir(), 'spikeopt-silent-'));

/**
 * What `spikeopt run experiments/exp1-stdp-mnist.yaml --scale NAME` runs: its data sizes, silent-network rule
 * (calibrated thresholds, predictive stopping), SCBO settings and refill threshold, read from the shipped study
 * file so the benchmark measures exactly that.
 */
function scaleStudy(scale: string) {
  const { config } = loadStudyConfig(join(here, '..', 'experiments', 'exp1-stdp-mnist.yaml'), scale);
  const options = (config.objective.kind === 'registered' ? config.objective.options : null) as {
    scale?: string;
    earlyStopping?: EarlyStoppingConfig;
    nTrain?: number;
    nValidation?: number;
  } | null;
  if (options?.scale !== 'small') throw new Error(`experiments/exp1-stdp-mnist.yaml --scale ${scale}: bench:silent needs objective.options.scale: small (the small search space)`);
  if (!options.earlyStopping) throw new Error(`experiments/exp1-stdp-mnist.yaml --scale ${scale} has no objective.options.earlyStopping`);
  return {
    rule: options.earlyStopping,
    nTrain: options.nTrain ?? EXP1_SMALL_SCALE.nTrain,
    nValidation: options.nValidation ?? EXP1_SMALL_SCALE.nValidation,
    scbo: config.optimizer.settings,
    refillThreshold: config.execution.refillThreshold,
  };
}
const SCALE = values.scale!;
const STUDY = scaleStudy(SCALE);
const sizes = { nTrain: STUDY.nTrain, nValidation: STUDY.nValidation };
/** Ours: the study file's rule (calibrated thresholds, predictive with projected constraints). */
const RULE: EarlyStoppingConfig = STUDY.rule;
/** The study file's SCBO settings (cautious feasibility, refit growth); without constraints cautiousness is moot. */
const OURS_SCBO = values.cautious === undefined ? STUDY.scbo : { ...STUDY.scbo, cautiousFeasibility: cautiousOption(values.cautious) };

/** `--cautious on|off`: SCBO's cautious feasibility for both arms, instead of the study file's choice. */
function cautiousOption(v: string): boolean {
  if (v !== 'on' && v !== 'off') throw new Error(`--cautious: expected on or off, got '${v}'`);
  return v === 'on';
}
/** The paper's rule as run (its thresholds and p) at this scale: U and total as in the study file. */
const PAPER_RULE = resolveEarlyStopping(EXP1_EARLY_STOPPING_AS_RUN, {}, { updateInterval: RULE.updateInterval, total: STUDY.nTrain })!;
const OUT = values.out ?? join(here, 'results', SCALE === 'small' ? 'silent.json' : `silent-${SCALE}.json`);
/** The same rule without prediction: what "the full rule" flags (every network it flags must still be flagged). */
const FULL_RULE: EarlyStoppingConfig = { updateInterval: RULE.updateInterval, criteria: RULE.criteria };

interface Arm {
  evaluations: number;
  stopped: number;
  stoppedFraction: number;
  computeSeconds: number;
  silentComputeSeconds: number;
  silentComputeShare: number;
  best: number | null;
  /** (b) only: networks the rule would have flagged (it watched without stopping), and their compute. */
  wouldFlag?: number;
  wouldFlagComputeSeconds?: number;
  /** (b) only: best accuracy among the networks the rule would not have flagged. */
  bestAccepted?: number | null;
  /** (b) only: what the rule would have flagged with output-layer thresholds 1..8 (from the spike histograms). */
  calibration?: CalibrationRow[];
  /** Best accuracy after each evaluation (in the order results arrived). */
  bestOverEvaluations: (number | null)[];
  /** [seconds since the study's first result, best so far]. */
  bestOverTime: [number, number][];
  wallSeconds: number;
}

async function runArm(name: string, seed: number, options: Record<string, unknown>, settings: Record<string, unknown>, refillThreshold: number): Promise<Arm> {
  const config = parseStudyConfig(
    {
      name,
      seed,
      storage: { path: join(root, name) },
      objective: { name: 'exp1-stdp-mnist-small', options: { ...sizes, ...options } },
      optimizer: { name: 'scbo', batchSize: 16, initialSize: 32, settings },
      budget: { evaluations: 100000, wallTime: `${wall}s` },
      execution: { mode: 'local', workers: values.workers === 'auto' ? 'auto' : Number(values.workers), refillThreshold },
    },
    name,
    root,
  );
  const store = await createStudy(config, null, name);
  const t0 = performance.now();
  await runStudy(store, 'run', {});
  const wallSeconds = (performance.now() - t0) / 1000;
  const trials = store.trials().filter((t) => t.finishedSeq !== null).sort((a, b) => a.finishedSeq! - b.finishedSeq!);
  store.close();
  return summarise(trials, wallSeconds);
}

function summarise(trials: TrialRow[], wallSeconds: number): Arm {
  let compute = 0;
  let silent = 0;
  let stopped = 0;
  let best: number | null = null;
  let wouldFlag = 0;
  let wouldFlagSeconds = 0;
  let bestAccepted: number | null = null;
  let watched = false;
  const watchedNetworks: { objective: number | null; watched: WatchedRule }[] = [];
  const bestOverEvaluations: (number | null)[] = [];
  const bestOverTime: [number, number][] = [];
  const start = trials.length ? Date.parse(trials[0].startedAt ?? trials[0].askedAt) : 0;
  for (const t of trials) {
    const seconds = (t.trainSeconds ?? 0) + (t.validationSeconds ?? 0);
    compute += seconds;
    if (t.stopped) {
      stopped++;
      silent += seconds;
    }
    const w = (t.metrics as { watched?: WatchedRule | null } | null)?.watched;
    if (w) {
      watched = true;
      watchedNetworks.push({ objective: t.objective, watched: w });
      if (w.wouldStopAt !== null) {
        wouldFlag++;
        wouldFlagSeconds += seconds;
      } else if (t.objective !== null && (bestAccepted === null || t.objective > bestAccepted)) bestAccepted = t.objective;
    }
    // Best feasible measured accuracy (without constraints every measured trial counts).
    if (t.objective !== null && t.feasible !== false && (best === null || t.objective > best)) {
      best = t.objective;
      bestOverTime.push([(Date.parse(t.finishedAt!) - start) / 1000, best]);
    }
    bestOverEvaluations.push(best);
  }
  return {
    evaluations: trials.length,
    stopped,
    stoppedFraction: trials.length ? stopped / trials.length : 0,
    computeSeconds: compute,
    silentComputeSeconds: silent,
    silentComputeShare: compute > 0 ? silent / compute : 0,
    best,
    ...(watched ? { wouldFlag, wouldFlagComputeSeconds: wouldFlagSeconds, bestAccepted, calibration: thresholdCalibration(watchedNetworks, 0, [1, 2, 3, 4, 5, 6, 7, 8]) } : {}),
    bestOverEvaluations,
    bestOverTime,
    wallSeconds,
  };
}

/**
 * Trains `n` random networks of the small space for the whole epoch (no validation) while both rules watch the
 * same chunks without stopping anything, and compares what they flag and when.
 */
function ruleAgreement(n: number) {
  console.log(`rule agreement on ${n} random networks (the full rule vs predictive, neither stops training)...`);
  const space = exp1Space({ scale: 'small', preset: 'as-run', maxMapSize: undefined, epochs: undefined });
  const data = exp1Data(0, STUDY.nTrain, STUDY.nValidation);
  const validation = subsetDataset(data.validation, [0], 'one validation image');
  const rng = new Rng('silent-bench:agreement');
  const stopsFull: number[] = [];
  const stopsPredictive: number[] = [];
  let flaggedByFull = 0;
  let flaggedByPredictive = 0;
  let flaggedByPaperThresholds = 0;
  let missed = 0;
  let extra = 0;
  const extraRates: number[] = [];
  for (let i = 0; i < n; i++) {
    const point = space.sample(rng);
    const hp = exp1Hyperparameters(point, EXP1_SMALL_SCALE.maxMapSize);
    const full = new SpikeEarlyStopping(FULL_RULE);
    const predictive = new SpikeEarlyStopping(RULE);
    const paper = new SpikeEarlyStopping(PAPER_RULE);
    const hooks = [full.chunkHook(), predictive.chunkHook(), paper.chunkHook()];
    trainAndEvaluate({
      network: buildDiehlCook(experiment1Config(hp), { seed: i }).network,
      train: data.train,
      validation,
      epochs: 1,
      updateInterval: PAPER_RULE.updateInterval,
      decoders: ['all'],
      decoder: 'all',
      seed: i,
      onChunk: (report) => {
        for (const h of hooks) h(report);
        return false;
      },
    });
    if (paper.stopped) flaggedByPaperThresholds++;
    const f = full.stoppedAt?.samples ?? null;
    const p = predictive.stoppedAt?.samples ?? null;
    if (f !== null) {
      flaggedByFull++;
      stopsFull.push(f);
      if (p === null || p > f) missed++;
    }
    if (p !== null) {
      flaggedByPredictive++;
      stopsPredictive.push(p);
      if (f === null) {
        extra++;
        // How silent the extra ones were over the whole epoch (the paper's rule needs > p).
        extraRates.push(Math.max(...full.silentCounts) / data.train.size);
      }
    }
  }
  const median = (v: number[]) => (v.length === 0 ? null : [...v].sort((a, b) => a - b)[v.length >> 1]);
  const r = {
    networks: n,
    flaggedByFull,
    flaggedByPredictive,
    flaggedByPaperThresholds,
    missed,
    extra,
    extraSilentFractions: extraRates,
    medianStopSampleFull: median(stopsFull),
    medianStopSamplePredictive: median(stopsPredictive),
    trainingSamplesOfFlaggedFull: stopsFull.reduce((a, b) => a + b, 0),
    trainingSamplesOfFlaggedPredictive: stopsPredictive.reduce((a, b) => a + b, 0),
  };
  console.log(`  the full rule flags ${flaggedByFull}, predictive ${flaggedByPredictive} (missed ${missed}, extra ${extra}); median stop sample ${r.medianStopSampleFull} vs ${r.medianStopSamplePredictive}; the paper's thresholds would flag ${flaggedByPaperThresholds}`);
  return r;
}

const nSeeds = Number(values.seeds);
console.log(`Experiment 1, scale ${SCALE} (${STUDY.nTrain} / ${STUDY.nValidation} images), SCBO, ${wall} s of wall time per arm, ${nSeeds} seeds, ${cpus().length} cores (load ${loadavg()[0].toFixed(1)})`);
const seeds: { seed: number; with: Arm; without: Arm }[] = [];
let faithful: Arm | null = null;
let paperSkip: Arm | null = null;
const firstSeed = Number(values['first-seed']);
for (let seed = firstSeed; seed < firstSeed + nSeeds; seed++) {
  console.log(`seed ${seed} (a) with early stopping and constraints, stopped networks not validated...`);
  const withRule = await runArm(`with-${seed}`, seed, { earlyStopping: RULE, validateStopped: 'skip' }, OURS_SCBO, STUDY.refillThreshold);
  console.log(`  ${withRule.evaluations} evaluations, ${(withRule.stoppedFraction * 100).toFixed(1)} % stopped, silent compute ${(withRule.silentComputeShare * 100).toFixed(1)} %, best ${withRule.best}`);
  console.log(`seed ${seed} (b) without early stopping or constraints...`);
  const without = await runArm(`without-${seed}`, seed, { earlyStopping: RULE, silentRule: 'watch' }, OURS_SCBO, STUDY.refillThreshold);
  console.log(`  ${without.evaluations} evaluations, best ${without.best}; the rule would have flagged ${without.wouldFlag} (${((100 * without.wouldFlagComputeSeconds!) / without.computeSeconds).toFixed(1)} % of the compute), best among the others ${without.bestAccepted}`);
  seeds.push({ seed, with: withRule, without });
  if (seed === firstSeed && !values['skip-faithful']) {
    console.log(`seed ${seed} (c) the paper's rule and constraints, stopped networks validated fully (the reference)...`);
    faithful = await runArm(`faithful-${seed}`, seed, { earlyStopping: PAPER_RULE, validateStopped: 'full' }, {}, 1);
    console.log(`  ${faithful.evaluations} evaluations, ${(faithful.stoppedFraction * 100).toFixed(1)} % stopped, silent compute ${(faithful.silentComputeShare * 100).toFixed(1)} %, best ${faithful.best}`);
    console.log(`seed ${seed} (d) the paper's rule and constraints, stopped networks not validated...`);
    paperSkip = await runArm(`paper-skip-${seed}`, seed, { earlyStopping: PAPER_RULE, validateStopped: 'skip' }, {}, 1);
    console.log(`  ${paperSkip.evaluations} evaluations, ${(paperSkip.stoppedFraction * 100).toFixed(1)} % stopped, silent compute ${(paperSkip.silentComputeShare * 100).toFixed(1)} %, best ${paperSkip.best}`);
  }
}
const agreement = Number(values.agreement) > 0 ? ruleAgreement(Number(values.agreement)) : null;
rmSync(root, { recursive: true, force: true });

const sum = (f: (a: Arm) => number, arm: 'with' | 'without') => seeds.reduce((acc, s) => acc + f(s[arm]), 0);
const median = (v: number[]) => {
  const x = [...v].sort((a, b) => a - b);
  return x.length % 2 ? x[x.length >> 1] : (x[x.length / 2 - 1] + x[x.length / 2]) / 2;
};
const result = {
  benchmark: `Experiment 1 at scale ${SCALE} of experiments/exp1-stdp-mnist.yaml (STDP, real MNIST ${STUDY.nTrain}/${STUDY.nValidation} images, the small search space), SCBO, same seeds and wall budget with and without the silent-network rule`,
  scale: SCALE,
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
  wallSecondsPerArm: wall,
  seeds: seeds.map((s) => s.seed),
  rule: RULE,
  scboSettingsWith: OURS_SCBO,
  paperRule: PAPER_RULE,
  stoppedFraction: sum((a) => a.stopped, 'with') / sum((a) => a.evaluations, 'with'),
  silentComputeShare: sum((a) => a.silentComputeSeconds, 'with') / sum((a) => a.computeSeconds, 'with'),
  evaluationsWith: sum((a) => a.evaluations, 'with'),
  evaluationsWithout: sum((a) => a.evaluations, 'without'),
  bestWith: median(seeds.map((s) => s.with.best ?? 0)),
  bestWithout: median(seeds.map((s) => s.without.best ?? 0)),
  bestWithoutAccepted: median(seeds.map((s) => s.without.bestAccepted ?? 0)),
  seedsWhereWithHasHigherBest: seeds.filter((s) => (s.with.best ?? 0) > (s.without.best ?? 0)).length,
  seedsWhereWithoutHasHigherBest: seeds.filter((s) => (s.without.best ?? 0) > (s.with.best ?? 0)).length,
  seedsWhereWithHasMoreEvaluations: seeds.filter((s) => s.with.evaluations > s.without.evaluations).length,
  thresholdCalibration: RULE.criteria.length === 0 ? [] : seeds[0].without.calibration!.map((row, k) => ({
    layer: RULE.criteria[0].layer,
    threshold: row.threshold,
    flaggedFractionWithout: seeds.reduce((a, s) => a + s.without.calibration![k].flagged, 0) / sum((a) => a.evaluations, 'without'),
    bestWithoutAccepted: median(seeds.map((s) => s.without.calibration![k].bestAccepted ?? 0)),
  })),
  wouldFlagFractionWithout: sum((a) => a.wouldFlag ?? 0, 'without') / sum((a) => a.evaluations, 'without'),
  wouldFlagComputeShareWithout: sum((a) => a.wouldFlagComputeSeconds ?? 0, 'without') / sum((a) => a.computeSeconds, 'without'),
  computeSecondsWith: sum((a) => a.computeSeconds, 'with'),
  computeSecondsWithout: sum((a) => a.computeSeconds, 'without'),
  notes: 'evaluations: totals over the seeds; best: median over the seeds of the best feasible validation accuracy (bestWithoutAccepted: of (b)\'s networks that the rule, watching, would not have flagged); fractions pooled over all evaluations of the arm; thresholdCalibration: what the rule would flag among (b)\'s networks with other output-layer thresholds (the other criterion and p as configured)',
  paper: { stoppedFraction: 0.727, silentComputeShare: 0.363 },
  perSeed: seeds,
  withFullValidation: faithful,
  paperRuleSkip: paperSkip,
  ruleAgreement: agreement,
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${OUT}`);
