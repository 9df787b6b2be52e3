/**
 * The paper's headline experiment measured on our system (`npm run bench:silent`): Experiment 1 at small scale
 * (Diehl & Cook STDP on real MNIST, 1 000 / 500 images, map_size ≤ 400, 1 epoch) optimised by SCBO on all cores,
 * twice with the same seed and the same wall budget:
 *   (a) with the spike-based early stopping and its two constraints (U = 20, total = 1 000, p = 0.1), stopped
 *       networks not validated (validateStopped: skip, our improvement on quirk Q15);
 *   (b) without either (every network trained and validated fully, no constraints).
 * Also (c): (a) but validating stopped networks fully (the reference's behaviour), to show what skipping saves.
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
 * Options: --wall 120 (seconds per arm)  --seeds 3  --workers auto  --skip-faithful  --out FILE
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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
    out: { type: 'string', default: join(here, 'results', 'silent.json') },
  },
});
const wall = Number(values.wall);
const root = mkdtempSync(join(tmpdir(), 'spikeopt-silent-'));

const RULE = {
  updateInterval: 20,
  criteria: [
    { layer: 'outpt', threshold: 5, proportion: 0.1, total: 1000 },
    { layer: 'inhib', threshold: 1, proportion: 0.1, total: 1000 },
  ],
};

interface Arm {
  evaluations: number;
  stopped: number;
  stoppedFraction: number;
  computeSeconds: number;
  silentComputeSeconds: number;
  silentComputeShare: number;
  best: number | null;
  /** Best accuracy after each evaluation (in the order results arrived). */
  bestOverEvaluations: (number | null)[];
  /** [seconds since the study's first result, best so far]. */
  bestOverTime: [number, number][];
  wallSeconds: number;
}

async function runArm(name: string, seed: number, options: Record<string, unknown>): Promise<Arm> {
  const config = parseStudyConfig(
    {
      name,
      seed,
      storage: { path: join(root, name) },
      objective: { name: 'exp1-stdp-mnist-small', options },
      optimizer: { name: 'scbo', batchSize: 16, initialSize: 32 },
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
    bestOverEvaluations,
    bestOverTime,
    wallSeconds,
  };
}

const nSeeds = Number(values.seeds);
console.log(`Experiment 1, small scale, SCBO, ${wall} s of wall time per arm, ${nSeeds} seeds, ${cpus().length} cores (load ${loadavg()[0].toFixed(1)})`);
const seeds: { seed: number; with: Arm; without: Arm }[] = [];
let faithful: Arm | null = null;
for (let seed = 0; seed < nSeeds; seed++) {
  console.log(`seed ${seed} (a) with early stopping and constraints, stopped networks not validated...`);
  const withRule = await runArm(`with-${seed}`, seed, { earlyStopping: RULE, validateStopped: 'skip' });
  console.log(`  ${withRule.evaluations} evaluations, ${(withRule.stoppedFraction * 100).toFixed(1)} % stopped, silent compute ${(withRule.silentComputeShare * 100).toFixed(1)} %, best ${withRule.best}`);
  console.log(`seed ${seed} (b) without early stopping or constraints...`);
  const without = await runArm(`without-${seed}`, seed, { earlyStopping: false });
  console.log(`  ${without.evaluations} evaluations, best ${without.best}`);
  seeds.push({ seed, with: withRule, without });
  if (seed === 0 && !values['skip-faithful']) {
    console.log('seed 0 (c) with early stopping and constraints, stopped networks validated fully (the reference)...');
    faithful = await runArm('faithful-0', 0, { earlyStopping: RULE, validateStopped: 'full' });
    console.log(`  ${faithful.evaluations} evaluations, ${(faithful.stoppedFraction * 100).toFixed(1)} % stopped, silent compute ${(faithful.silentComputeShare * 100).toFixed(1)} %, best ${faithful.best}`);
  }
}
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
  stoppedFraction: sum((a) => a.stopped, 'with') / sum((a) => a.evaluations, 'with'),
  silentComputeShare: sum((a) => a.silentComputeSeconds, 'with') / sum((a) => a.computeSeconds, 'with'),
  evaluationsWith: sum((a) => a.evaluations, 'with'),
  evaluationsWithout: sum((a) => a.evaluations, 'without'),
  bestWith: median(seeds.map((s) => s.with.best ?? 0)),
  bestWithout: median(seeds.map((s) => s.without.best ?? 0)),
  computeSecondsWith: sum((a) => a.computeSeconds, 'with'),
  computeSecondsWithout: sum((a) => a.computeSeconds, 'without'),
  notes: 'evaluations: totals over the seeds; best: median over the seeds of the best feasible validation accuracy; fractions pooled over all evaluations of arm (a)',
  paper: { stoppedFraction: 0.727, silentComputeShare: 0.363 },
  perSeed: seeds,
  withFullValidation: faithful,
};
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${values.out}`);
