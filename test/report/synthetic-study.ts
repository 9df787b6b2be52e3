/**
 * Synthetic studies for the report and dashboard tests and for bench/report.ts: written through the storage API
 * like a real master would (optimizer steps, attempts, results), with an SNN-like outcome model: silent networks
 * (high threshold, small maps) are stopped early after a short time and are infeasible; the others train long
 * and reach an accuracy that depends mostly on the learning rate and the map size.
 */
import Database from 'better-sqlite3';
import { StudyStore } from '../../src/storage/study-store.js';
import type { NewTrial, TrialResult } from '../../src/storage/types.js';
import { Rng } from '../../src/util/rng.js';

export const SYNTHETIC_SPACE = [
  { name: 'decoder', type: 'categorical', choices: ['all', 'vote', '2gram'] },
  { name: 'map_size', type: 'int', low: 20, high: 2000, log: false, sampler: 'uniform' },
  { name: 'nu_pre', type: 'float', low: 1e-4, high: 1e-2, log: true, sampler: 'loguniform' },
  { name: 'threshold', type: 'float', low: -70, high: 0, log: false, sampler: 'uniform' },
  { name: 'epochs', type: 'int', low: 1, high: 3, log: false, sampler: 'uniform' },
  { name: 'noise', type: 'float', low: 0, high: 1, log: false, sampler: 'uniform' },
];

export interface SyntheticOptions {
  seed?: number;
  workers?: number;
  batch?: number;
}

/** A study being written trial by trial. */
export class SyntheticStudy {
  readonly store: StudyStore;
  private readonly rng: Rng;
  private nextId = 0;
  private length = 0.8;
  private restarts = 0;
  private successes = 0;
  private failures = 0;
  private stepCount = 0;

  private constructor(store: StudyStore, seed: number) {
    this.store = store;
    this.rng = new Rng(`synthetic:${seed}`);
  }

  static create(path: string, options: SyntheticOptions = {}): SyntheticStudy {
    const seed = options.seed ?? 1;
    const store = StudyStore.create(path, {
      id: `synthetic-${seed}`,
      name: 'synthetic-stdp',
      config: {
        name: 'synthetic-stdp',
        objective: { kind: 'registered', name: 'synthetic-stdp' },
        optimizer: { name: 'scbo', preset: 'paper', batchSize: options.batch ?? 8, initialSize: 16 },
        budget: { evaluations: 1000, wallSeconds: null, workerHours: null },
        execution: { mode: 'local', workers: options.workers ?? 4 },
      },
      configSource: 'name: synthetic-stdp\nobjective: synthetic-stdp\noptimizer: { name: scbo, batchSize: 8 }\n',
      space: SYNTHETIC_SPACE,
      direction: 'maximize',
      objective: { kind: 'registered', name: 'synthetic-stdp' },
      seed,
      constraintCount: 2,
      spikeoptVersion: 'test',
    });
    return new SyntheticStudy(store, seed);
  }

  /** One optimizer call proposing `count` trials; the trust region moves as SCBO's would (with restarts). */
  propose(count: number): NewTrial[] {
    this.stepCount++;
    const phase = this.stepCount <= 2 ? 'init' : 'scbo';
    if (phase === 'scbo') {
      if (this.rng.random() < 0.3) {
        this.successes++;
        this.failures = 0;
      } else {
        this.failures++;
        this.successes = 0;
      }
      if (this.successes >= 3) [this.length, this.successes] = [Math.min(1.6, this.length * 2), 0];
      if (this.failures >= 2) [this.length, this.failures] = [this.length / 2, 0];
      if (this.length < 0.5 ** 7) [this.length, this.restarts] = [0.8, this.restarts + 1];
    }
    const trials: NewTrial[] = [];
    for (let k = 0; k < count; k++) {
      const u = SYNTHETIC_SPACE.map(() => this.rng.random());
      const params = {
        decoder: ['all', 'vote', '2gram'][Math.min(2, Math.floor(u[0] * 3))],
        map_size: Math.round(20 + u[1] * 1980),
        nu_pre: 1e-4 * 100 ** u[2],
        threshold: -70 + 70 * u[3],
        epochs: 1 + Math.min(2, Math.floor(u[4] * 3)),
        noise: u[5],
      };
      trials.push({
        id: this.nextId++,
        params,
        u,
        uEvaluated: u,
        seed: this.nextId,
        info: { phase, batchId: this.stepCount, trustRegionLength: phase === 'scbo' ? this.length : 1, successCount: this.successes, failureCount: this.failures, restartCount: this.restarts, modelId: phase === 'scbo' ? this.stepCount : null },
      });
    }
    const state = phase === 'scbo' ? { restartCount: this.restarts, trustRegion: { length: this.length } } : { restartCount: this.restarts, trustRegion: null };
    this.store.recordStep({ told: [], askCount: count, pending: [], trials, state, model: null, seconds: 0.1 });
    return trials;
  }

  /** The outcome model: whether the network is silent, its accuracy and how long it takes (seconds). */
  outcome(t: NewTrial): { result: TrialResult; duration: number } {
    const p = t.params as { decoder: string; map_size: number; nu_pre: number; threshold: number; epochs: number };
    const silent = p.threshold > -35 + 20 * this.rng.random() || p.map_size < 150;
    const lr = Math.log10(p.nu_pre);
    const acc = Math.max(0.05, Math.min(0.97, 0.3 + 0.35 * Math.exp(-((lr + 3) ** 2)) + 0.25 * Math.min(1, p.map_size / 1500) + (p.decoder === 'all' ? 0.04 : 0) + 0.05 * (this.rng.random() - 0.5)));
    const c0 = silent ? 0.02 + 0.3 * this.rng.random() : -0.1 + 0.08 * this.rng.random();
    const c1 = silent && this.rng.random() < 0.3 ? 0.05 : -0.1;
    const duration = silent ? 600 + 3000 * this.rng.random() : p.epochs * (5000 + 8000 * this.rng.random());
    if (this.rng.random() < 0.02) {
      return { result: { status: 'failed', objective: null, constraints: null, feasible: false, metrics: null, error: 'out of memory', seconds: 60 }, duration: 60 };
    }
    return {
      result: {
        status: 'complete',
        objective: silent ? acc * 0.3 : acc,
        constraints: [c0, c1],
        feasible: !silent,
        metrics: { stopped: silent, trainSeconds: duration * 0.85, validationSeconds: duration * 0.15 },
        error: null,
        seconds: duration,
      },
      duration,
    };
  }

  /** Runs a trial from `startMs` for its modelled duration (or ends it at `endMs` when given). */
  run(t: NewTrial, workerId: string, startMs: number, endMs?: number): number {
    const { result, duration } = this.outcome(t);
    const end = endMs ?? startMs + duration * 1000;
    const attempt = this.store.beginAttempt(t.id, new Date(startMs).toISOString())!;
    const startedAt = new Date(startMs).toISOString();
    this.store.markStarted(t.id, attempt, { id: workerId, kind: 'thread', host: 'synthetic', pid: null }, startedAt);
    const seconds = (end - startMs) / 1000;
    this.store.recordResult(t.id, { ...result, seconds }, { attempt, workerId, host: 'synthetic', startedAt, finishedAt: new Date(end).toISOString() }, undefined, 'thread');
    return end;
  }

  close(): void {
    this.store.close();
  }
}

/**
 * A finished study of `n` trials run by `workers` simulated workers over simulated hours (each trial on the worker
 * free first). The clock of the study and of its optimizer steps is rewritten to match the simulated times.
 */
export function generateStudy(path: string, n: number, options: SyntheticOptions = {}): void {
  const workers = options.workers ?? 4;
  const batch = options.batch ?? 8;
  const origin = Date.parse('2025-03-01T08:00:00.000Z');
  const s = SyntheticStudy.create(path, options);
  const free = new Array<number>(workers).fill(origin + 5000);
  const stepTimes: number[] = [];
  let done = 0;
  while (done < n) {
    const trials = s.propose(Math.min(batch, n - done));
    stepTimes.push(Math.min(...free) - 2000);
    for (const t of trials) {
      const w = free.indexOf(Math.min(...free));
      free[w] = s.run(t, `thread-${w + 1}`, free[w] + 500);
      done++;
    }
  }
  s.close();
  const db = new Database(path);
  db.prepare('UPDATE study SET created_at = ?, finished_at = ?').run(new Date(origin).toISOString(), new Date(Math.max(...free)).toISOString());
  const update = db.prepare('UPDATE steps SET created_at = ? WHERE step = ?');
  stepTimes.forEach((t, i) => update.run(new Date(t).toISOString(), i + 1));
  db.close();
}
