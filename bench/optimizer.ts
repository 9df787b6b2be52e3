/**
 * `npm run bench:optimizer`: the optimizer on the acceptance problems of spec scbo.md §11, and the wall time of
 * one SCBO step. Writes bench/results/optimizer.json.
 *
 * Environment: SEEDS (default 20) seeds per problem; QUICK=1 for a short smoke run (2 seeds, fewer problems);
 * ONLY=key[,key…] runs only those result keys (e.g. ONLY=ackley10c SEEDS=40; `steps` for the step timings) and
 * writes bench/results/optimizer-only.json instead, so a partial run never overwrites the full results.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createOptimizer, type OptimizerName } from '../src/optimize/create.js';
import { Scbo } from '../src/optimize/scbo/scbo.js';
import type { ScboPreset, ScboSettings, PendingStrategy } from '../src/optimize/scbo/settings.js';
import { benchmarkProblems, type BenchmarkProblem } from '../src/problems/synthetic.js';
import { SearchSpace } from '../src/space/space.js';
import { runSimulatedPool } from '../src/execute/simulated-pool.js';
import { builtinObjective } from '../src/study/objective.js';
import { runOptimization } from '../src/study/optimize-loop.js';
import { Rng } from '../src/util/rng.js';
import { SobolEngine } from '../src/optimize/sobol.js';

const quick = process.env.QUICK === '1';
const seedCount = Number(process.env.SEEDS ?? (quick ? 2 : 20));
const only = process.env.ONLY ? new Set(process.env.ONLY.split(',').map((k) => k.trim())) : null;
const want = (key: string) => only === null || only.has(key);
const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);

function median(values: number[]): number | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

interface RunSummary {
  best: number; // best feasible (minimised) value, Infinity if none
  firstFeasible: number; // 1-based evaluation index of the first feasible point, Infinity if none
  seconds: number;
  restarts: number;
}

/** One synchronous-batch run of a problem; values in the problem's own (minimised) scale. */
async function runOnce(
  problem: BenchmarkProblem,
  optimizer: OptimizerName,
  seed: number,
  budget: number,
  batchSize: number,
  initialSize: number,
  preset: ScboPreset = 'default',
  scbo: Partial<ScboSettings> = {},
  stopAtRestart = false,
): Promise<RunSummary> {
  const objective = builtinObjective(problem.name);
  const opt = createOptimizer(optimizer, objective.space, { seed, batchSize, initialSize, preset, scbo, constraintCount: problem.constraintCount });
  const t0 = performance.now();
  let best = Infinity;
  let firstFeasible = Infinity;
  let restarts = 0;
  let stopped = false;
  await runOptimization(objective, opt, {
    budget,
    batchSize,
    onTrial: (t, all) => {
      if (stopped) return;
      if ((t.info.restartCount ?? 0) > 0 && stopAtRestart) {
        stopped = true;
        return;
      }
      restarts = Math.max(restarts, t.info.restartCount ?? 0);
      if (t.feasible && t.objective !== null) {
        best = Math.min(best, t.objective);
        firstFeasible = Math.min(firstFeasible, all.length);
      }
    },
  });
  return { best, firstFeasible, seconds: (performance.now() - t0) / 1000, restarts };
}

async function suite(
  label: string,
  problemName: string,
  config: { budget: number; batchSize: number; initialSize: number; preset?: ScboPreset; scbo?: Partial<ScboSettings>; optimizer?: OptimizerName; stopAtRestart?: boolean },
) {
  const problem = benchmarkProblems[problemName];
  const runs: RunSummary[] = [];
  for (const seed of seeds) {
    const r = await runOnce(
      problem,
      config.optimizer ?? 'scbo',
      seed,
      config.budget,
      config.batchSize,
      config.initialSize,
      config.preset,
      config.scbo,
      config.stopAtRestart,
    );
    runs.push(r);
    process.stderr.write(`${label} seed ${seed}: best ${r.best.toFixed(4)} first feasible ${r.firstFeasible} (${r.seconds.toFixed(1)} s)\n`);
  }
  const summary = {
    problem: problemName,
    optimizer: config.optimizer ?? 'scbo',
    preset: config.optimizer && config.optimizer !== 'scbo' ? undefined : (config.preset ?? 'default'),
    settings: config.scbo,
    budget: config.budget,
    batchSize: config.batchSize,
    initialSize: config.initialSize,
    seeds: seeds.length,
    medianBest: median(runs.map((r) => r.best)),
    medianFirstFeasible: median(runs.map((r) => r.firstFeasible)),
    feasibleRuns: runs.filter((r) => Number.isFinite(r.best)).length,
    bestPerSeed: runs.map((r) => (Number.isFinite(r.best) ? r.best : null)),
    firstFeasiblePerSeed: runs.map((r) => (Number.isFinite(r.firstFeasible) ? r.firstFeasible : null)),
    medianSecondsPerRun: median(runs.map((r) => r.seconds)),
  };
  console.log(`${label}: median best ${summary.medianBest}, median first feasible ${summary.medianFirstFeasible}`);
  return summary;
}

/** Asynchronous runs on a simulated pool of 8 workers, for each pending-point strategy. */
function asyncSuite(strategy: PendingStrategy) {
  const problem = benchmarkProblems.ackley10c;
  const space = SearchSpace.from(problem.space, problem.name);
  const best: number[] = [];
  let duplicates = 0;
  for (const seed of seeds) {
    const optimizer = new Scbo(space, { seed, batchSize: 4, initialSize: 10, constraintCount: 2, pendingStrategy: strategy });
    const trials = runSimulatedPool(
      optimizer,
      space,
      (params) => {
        const r = problem.evaluate(params);
        return { objective: -r.objective, constraints: r.constraints ?? [] };
      },
      { workers: 8, batchSize: 4, budget: 200, seed },
    );
    duplicates += trials.filter((t) => t.duplicateOfPending).length;
    const feasible = trials.filter((t) => t.result.constraints!.every((c) => c <= 0)).map((t) => -t.result.objective!);
    best.push(feasible.length ? Math.min(...feasible) : Infinity);
    process.stderr.write(`async ${strategy} seed ${seed}: best ${best[best.length - 1].toFixed(4)}\n`);
  }
  return { pendingStrategy: strategy, workers: 8, batchSize: 4, budget: 200, medianBest: median(best), duplicateProposals: duplicates };
}

/** Wall time of one SCBO step: fit the objective GP and m constraint GPs on n points, then select q points. */
function stepSeconds(
  d: number,
  m: number,
  n: number,
  q: number,
  candidates: number,
  sampler: 'pathwise' | 'exact' = 'pathwise',
  extra: Partial<ScboSettings> = {},
): number {
  const space = SearchSpace.from(
    Array.from({ length: d }, (_, k) => ({ name: `x${k}`, type: 'float' as const, low: 0, high: 1 })),
    'step-bench',
  );
  const rng = new Rng(`step:${d}:${n}`);
  const optimizer = new Scbo(space, { ...extra, seed: 7, batchSize: q, initialSize: n, constraintCount: m, candidates, sampler });
  // A smooth objective with constraints of the SNN kind (about half the space feasible).
  const observations = Array.from({ length: n }, (_, id) => {
    const u = new Float64Array(d).map(() => rng.random());
    const objective = -u.reduce((a, v, k) => a + (v - 0.3) ** 2 * (1 + (k % 3)), 0);
    const constraints = Array.from({ length: m }, (_, j) => u[j] + 0.5 * u[(j + 1) % d] - 0.75);
    return { id, u, objective, constraints };
  });
  optimizer.ask(n); // consumes the initial design
  optimizer.tell(observations);
  const times: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    optimizer.ask(q);
    times.push((performance.now() - t0) / 1000);
  }
  return median(times)!;
}

/** Median time to draw 5000 scrambled Sobol points in 18 dimensions (a fresh scramble, as every SCBO step does). */
function sobolDrawMs(): number {
  const rng = new Rng('sobol-bench');
  const times: number[] = [];
  for (let r = 0; r < 21; r++) {
    const engine = new SobolEngine(18, { scramble: true, rng });
    const t0 = performance.now();
    engine.draw(5000);
    times.push(performance.now() - t0);
  }
  return median(times)!;
}

async function main() {
  const started = Date.now();
  const results: Record<string, unknown> = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    seeds: seeds.length,
  };

  // One optimizer step (single thread), d = 10 and 18, m = 2, q = 16, n_cand = 3600.
  if (want('steps')) {
    const steps: Record<string, number> = {};
    for (const d of [10, 18]) {
      for (const n of [50, 100, 200]) {
        steps[`d${d}m2n${n}q16`] = stepSeconds(d, 2, n, 16, 3600);
        console.log(`step d=${d} n=${n}: ${steps[`d${d}m2n${n}q16`].toFixed(3)} s`);
      }
    }
    // The same step with the tutorial preset's gradient refinement of the 16 picks (10 L-BFGS iterations each).
    steps.d18m2n200q16refine = stepSeconds(18, 2, 200, 16, 3600, 'pathwise', { refineIterations: 10 });
    console.log(`step d=18 n=200 with refinement: ${steps.d18m2n200q16refine.toFixed(3)} s`);
    results.stepSeconds = steps;
    results.sobolDrawMs5000x18 = sobolDrawMs();
    console.log(`Sobol: 5000 points in 18 dimensions in ${results.sobolDrawMs5000x18} ms`);
  }

  // The target (issue 2) compares with BoTorch's SCBO tutorial settings, so the headline key uses that preset.
  const run = async (key: string, make: () => Promise<unknown> | unknown) => {
    if (want(key)) results[key] = await make();
  };
  await run('ackley10c', () => suite('ackley10c tutorial', 'ackley10c', { budget: 200, batchSize: 4, initialSize: 10, preset: 'tutorial' }));
  // The tutorial preset as BoTorch has it: no gradient refinement, Thompson-sampled constraints from the start.
  await run('ackley10cBotorch', () =>
    suite('ackley10c tutorial, BoTorch selection', 'ackley10c', {
      budget: 200, batchSize: 4, initialSize: 10, preset: 'tutorial', scbo: { refineIterations: 0, feasibilitySearch: 'thompson' },
    }),
  );
  await run('ackley10cDefault', () => suite('ackley10c default', 'ackley10c', { budget: 200, batchSize: 4, initialSize: 10 }));
  await run('ackley10cPaper', () => suite('ackley10c paper', 'ackley10c', { budget: 200, batchSize: 4, initialSize: 10, preset: 'paper' }));
  await run('ackley10cRandom', () => suite('ackley10c random', 'ackley10c', { budget: 200, batchSize: 4, initialSize: 10, optimizer: 'random' }));
  await run('hartmann6c', () => suite('hartmann6c', 'hartmann6c', { budget: 100, batchSize: 4, initialSize: 12 }));
  await run('gramacy', () => suite('gramacy', 'gramacy', { budget: 50, batchSize: 2, initialSize: 5 }));
  if (!quick) {
    // Exact against pathwise Thompson sampling on the same problems and seeds. Exact sampling costs O(m³) per GP,
    // so both use 300 candidates here.
    for (const sampler of ['exact', 'pathwise'] as const) {
      await run(`hartmann6c_${sampler}300`, () =>
        suite(`hartmann6c ${sampler} 300`, 'hartmann6c', { budget: 100, batchSize: 4, initialSize: 12, scbo: { sampler, candidates: 300 } }),
      );
      await run(`gramacy_${sampler}300`, () =>
        suite(`gramacy ${sampler} 300`, 'gramacy', { budget: 50, batchSize: 2, initialSize: 5, scbo: { sampler, candidates: 300 } }),
      );
    }
    await run('ackley20', () =>
      suite('ackley20', 'ackley20', {
        budget: 464,
        batchSize: 4,
        initialSize: 40,
        preset: 'tutorial',
        scbo: { failureTolerance: 5, candidates: 4000, trustRegionShape: 'weighted' },
        stopAtRestart: true,
      }),
    );
    await run('async', () => (['believer', 'exclude', 'ignore'] as const).map(asyncSuite));
  }
  results.totalSeconds = (Date.now() - started) / 1000;
  mkdirSync('bench/results', { recursive: true });
  const file = only ? 'bench/results/optimizer-only.json' : quick ? 'bench/results/optimizer-quick.json' : 'bench/results/optimizer.json';
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

await main();
