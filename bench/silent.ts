/**
 * The paper's headline experiment measured on our system (`npm run bench:silent`): Experiment 1 at small scale
 * (Diehl & Cook STDP on real MNIST, 1 000 / 500 images, map_size ≤ 400, 1 epoch) optimised by SCBO on all cores,
 * twice with the same seed and the same wall budget:
 *   (a) with the spike-based early stopping and its two constraints (U = 20, total = 1 000, p = 0.1), plus our
 *       three improvements: the predictive rule (fires as soon as the full rule is predicted to fire, z = 3) with
 *       projected constraints, stopped networks not validated (validateStopped: skip, quirk Q15), and SCBO's
 *       cautious feasibility (candidates predicted infeasible are never picked);
 *   (b) without either (every network trained and validated fully, no constraints); the same rule only watches
 *       (`silentRule: 'watch'`), so (b) also says which of its networks the rule would have flagged, what they
 *       cost, and its best accuracy among the networks the rule accepts (`bestWithoutAccepted`).
 * For the first seed also: (c) the paper's rule and SCBO exactly (count constraints, stopped networks validated
 * fully, the reference), and (d) the same with stopped networks not validated, to show what each improvement saves.
 *
 * Rule agreement: `--agreement N` random networks of the space (seeded) are trained for the whole epoch while the
 * paper's rule and the predictive rule watch the same spike counts without stopping anything. It reports how many
 * each flags, that none flagged by the paper's rule is missed, how many the predictive rule flags in addition,
 * and where each fires.
 *
 * Compute = training + validation seconds reported by each evaluation (worker time, not wall time). A network
 * is "silent" when the rule stopped it. Writes bench/results/silent.json with `stoppedFraction`,
 * `silentComputeShare`, `evaluationsWith`, `evaluationsWithout`, `bestWith`, `bestWithout` and the details
 * (best accuracy over time and over evaluations for both arms).
 *
 * Which networks SCBO picks changes the cost of an evaluation (map_size), so one seed is a noisy comparison:
 * `--seeds N` runs both arms for seeds 0..N−1 and the headline keys are over all seeds (sums of evaluations, medians
 * of best accuracies, pooled fractions); the per-seed arms are in `seeds`. (c) runs for the first seed only.
 *
 * Options: --wall 120 (seconds per arm)  --seeds 3  --workers auto  --skip-faithful  --agreement 200  --out FILE
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXP1_SMALL_SCALE, exp1Data, exp1Hyperparameters, exp1Space } from '../src/experiments/exp1-stdp-mnist.js';
import { SpikeEarlyStopping, type EarlyStoppingConfig } from '../src/experiments/early-stopping.js';
import { subsetDataset } from '../src/data/index.js';
import { buildDiehlCook, experiment1Config, trainAndEvaluate } from '../src/snn/index.js';
import { Rng } from '../src/util/rng.js';
import { parseStudyConfig } from '../src/study/config.js';
import { createStudy } from '../src/study/create.js';
import { runStudy } from '../src/study/runner.js';
import type { TrialRow } from '../src/storage/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    wall: { type: 'string', default: '120' },
    workers: { type: 'string', default: 'auto' },
    seeds: { type: 'string', default: '3' },
    'skip-faithful': { type: 'boolean', default: false },
    agreement: { type: 'string', default: '200' },
    out: { type: 'string', default: join(here, 'results', 'silent.json') },
  },
});
const wall = Number(values.wall);
const root = mkdtempSync(join(tmpdir(), 'spikeopt-silent-'));

/** The paper's rule at small scale. */
const PAPER_RULE: EarlyStoppingConfig = {
  updateInterval: 20,
  criteria: [
    { layer: 'outpt', threshold: 5, proportion: 0.1, total: 1000 },
    { layer: 'inhib', threshold: 1, proportion: 0.1, total: 1000 },
  ],
};
/** Ours: the same rule, predictive (z = 3), projected constraints. */
const RULE: EarlyStoppingConfig = { ...PAPER_RULE, predictive: { z: 3 } };
/** Ours: SCBO proposes only where the constraint models give feasibility at least even odds. */
const OURS_SCBO = { cautiousFeasibility: true };

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
  /** Best accuracy after each evaluation (in the order results arrived). */
  bestOverEvaluations: (number | null)[];
  /** [seconds since the study's first result, best so far]. */
  bestOverTime: [number, number][];
  wallSeconds: number;
}

async function runArm(name: string, seed: number, options: Record<string, unknown>, settings: Record<string, unknown> = {}): Promise<Arm> {
  const config = parseStudyConfig(
    {
      name,
      seed,
      storage: { path: join(root, name) },
      objective: { name: 'exp1-stdp-mnist-small', options },
      optimizer: { name: 'scbo', batchSize: 16, initialSize: 32, settings },
      budget: { evaluations: 100000, wallTime: `${wall}s` },
      execution: { mode: 'local', workers: values.workers === 'auto' ? 'auto' : Number(values.workers) },
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
    const w = (t.metrics as { watched?: { wouldStopAt: unknown } | null } | null)?.watched;
    if (w) {
      watched = true;
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
    ...(watched ? { wouldFlag, wouldFlagComputeSeconds: wouldFlagSeconds, bestAccepted } : {}),
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
  console.log(`rule agreement on ${n} random networks (paper's rule vs predictive, neither stops training)...`);
  const space = exp1Space({ scale: 'small', preset: 'as-run', maxMapSize: undefined, epochs: undefined });
  const data = exp1Data(0, EXP1_SMALL_SCALE.nTrain, EXP1_SMALL_SCALE.nValidation);
  const validation = subsetDataset(data.validation, [0], 'one validation image');
  const rng = new Rng('silent-bench:agreement');
  const stopsFull: number[] = [];
  const stopsPredictive: number[] = [];
  let flaggedByFull = 0;
  let flaggedByPredictive = 0;
  let missed = 0;
  let extra = 0;
  const extraRates: number[] = [];
  for (let i = 0; i < n; i++) {
    const point = space.sample(rng);
    const hp = exp1Hyperparameters(point, EXP1_SMALL_SCALE.maxMapSize);
    const full = new SpikeEarlyStopping(PAPER_RULE);
    const predictive = new SpikeEarlyStopping(RULE);
    const hooks = [full.chunkHook(), predictive.chunkHook()];
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
    missed,
    extra,
    extraSilentFractions: extraRates,
    medianStopSampleFull: median(stopsFull),
    medianStopSamplePredictive: median(stopsPredictive),
    trainingSamplesOfFlaggedFull: stopsFull.reduce((a, b) => a + b, 0),
    trainingSamplesOfFlaggedPredictive: stopsPredictive.reduce((a, b) => a + b, 0),
  };
  console.log(`  paper's rule flags ${flaggedByFull}, predictive ${flaggedByPredictive} (missed ${missed}, extra ${extra}); median stop sample ${r.medianStopSampleFull} vs ${r.medianStopSamplePredictive}`);
  return r;
}

const nSeeds = Number(values.seeds);
console.log(`Experiment 1, small scale, SCBO, ${wall} s of wall time per arm, ${nSeeds} seeds, ${cpus().length} cores (load ${loadavg()[0].toFixed(1)})`);
const seeds: { seed: number; with: Arm; without: Arm }[] = [];
let faithful: Arm | null = null;
let paperSkip: Arm | null = null;
for (let seed = 0; seed < nSeeds; seed++) {
  console.log(`seed ${seed} (a) with early stopping and constraints, stopped networks not validated...`);
  const withRule = await runArm(`with-${seed}`, seed, { earlyStopping: RULE, validateStopped: 'skip' }, OURS_SCBO);
  console.log(`  ${withRule.evaluations} evaluations, ${(withRule.stoppedFraction * 100).toFixed(1)} % stopped, silent compute ${(withRule.silentComputeShare * 100).toFixed(1)} %, best ${withRule.best}`);
  console.log(`seed ${seed} (b) without early stopping or constraints...`);
  const without = await runArm(`without-${seed}`, seed, { earlyStopping: RULE, silentRule: 'watch' });
  console.log(`  ${without.evaluations} evaluations, best ${without.best}; the rule would have flagged ${without.wouldFlag} (${((100 * without.wouldFlagComputeSeconds!) / without.computeSeconds).toFixed(1)} % of the compute), best among the others ${without.bestAccepted}`);
  seeds.push({ seed, with: withRule, without });
  if (seed === 0 && !values['skip-faithful']) {
    console.log('seed 0 (c) the paper\'s rule and constraints, stopped networks validated fully (the reference)...');
    faithful = await runArm('faithful-0', 0, { earlyStopping: PAPER_RULE, validateStopped: 'full' });
    console.log(`  ${faithful.evaluations} evaluations, ${(faithful.stoppedFraction * 100).toFixed(1)} % stopped, silent compute ${(faithful.silentComputeShare * 100).toFixed(1)} %, best ${faithful.best}`);
    console.log('seed 0 (d) the paper\'s rule and constraints, stopped networks not validated...');
    paperSkip = await runArm('paper-skip-0', 0, { earlyStopping: PAPER_RULE, validateStopped: 'skip' });
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
  benchmark: 'Experiment 1 small scale (STDP, real MNIST 1000/500 images), SCBO, same seeds and wall budget with and without the silent-network rule',
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
  wouldFlagFractionWithout: sum((a) => a.wouldFlag ?? 0, 'without') / sum((a) => a.evaluations, 'without'),
  wouldFlagComputeShareWithout: sum((a) => a.wouldFlagComputeSeconds ?? 0, 'without') / sum((a) => a.computeSeconds, 'without'),
  computeSecondsWith: sum((a) => a.computeSeconds, 'with'),
  computeSecondsWithout: sum((a) => a.computeSeconds, 'without'),
  notes: 'evaluations: totals over the seeds; best: median over the seeds of the best feasible validation accuracy (bestWithoutAccepted: of (b)\'s networks that the rule, watching, would not have flagged); fractions pooled over all evaluations of the arm',
  paper: { stoppedFraction: 0.727, silentComputeShare: 0.363 },
  perSeed: seeds,
  withFullValidation: faithful,
  paperRuleSkip: paperSkip,
  ruleAgreement: agreement,
};
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${values.out}`);
