/**
 * The in-process optimisation loop behind `spikeopt optimize`: batches of q proposals evaluated concurrently,
 * results told back, until the evaluation budget is spent. Studies with worker pools and storage build on the
 * same ask/tell contract.
 */
import type { Optimizer } from '../optimize/types.js';
import type { ProposalInfo } from '../optimize/types.js';
import type { ParamValue } from '../space/types.js';
import { evaluateSafely, type TrialStatus } from './evaluate.js';
import { trialSeed } from '../execute/dispatcher.js';
import type { Direction, Objective } from './objective.js';

export interface TrialRecord {
  /** Evaluation order, from 0. */
  number: number;
  params: Record<string, ParamValue>;
  /** Objective in the user's direction; null when the evaluation failed. */
  objective: number | null;
  constraints: number[] | null;
  feasible: boolean;
  status: TrialStatus;
  error?: string;
  seconds: number;
  info: ProposalInfo;
}

export interface OptimizationResult {
  direction: Direction;
  trials: TrialRecord[];
  /** Best feasible trial (null if none). */
  best: TrialRecord | null;
}

export interface LoopOptions {
  budget: number;
  batchSize: number;
  /** Study seed: each evaluation gets a context { trialId, seed, attempt } derived from it, as in studies. */
  seed?: number;
  /** Called after each finished trial (progress display, persistence). */
  onTrial?: (trial: TrialRecord, all: TrialRecord[]) => void;
}

/** Sign that turns the user's objective into the optimizer's maximised one. */
export function directionSign(direction: Direction): 1 | -1 {
  return direction === 'maximize' ? 1 : -1;
}

/** Runs synchronous batches until `budget` evaluations are done. */
export async function runOptimization(objective: Objective, optimizer: Optimizer, options: LoopOptions): Promise<OptimizationResult> {
  const sign = directionSign(objective.direction);
  const trials: TrialRecord[] = [];
  let constraintCount: number | null = null;
  while (trials.length < options.budget) {
    const batch = optimizer.ask(Math.min(options.batchSize, options.budget - trials.length));
    const outcomes = await Promise.all(
      batch.map((p) =>
        evaluateSafely(objective, p.params, constraintCount, { trialId: p.id, seed: trialSeed(options.seed ?? 0, p.id), attempt: 1 }),
      ),
    );
    const observations = batch.map((p, i) => {
      const o = outcomes[i];
      if (o.status === 'complete' && constraintCount === null) constraintCount = o.constraints!.length;
      const trial: TrialRecord = {
        number: trials.length,
        params: p.params,
        objective: o.objective,
        constraints: o.constraints,
        feasible: o.feasible,
        status: o.status,
        ...(o.error ? { error: o.error } : {}),
        seconds: o.seconds,
        info: p.info,
      };
      trials.push(trial);
      options.onTrial?.(trial, trials);
      return { id: p.id, u: p.u, objective: o.objective === null ? null : sign * o.objective, constraints: o.constraints };
    });
    optimizer.tell(observations);
  }
  return { direction: objective.direction, trials, best: bestTrial(trials, objective.direction) };
}

/** Best feasible trial in the user's direction. */
export function bestTrial(trials: TrialRecord[], direction: Direction): TrialRecord | null {
  const sign = directionSign(direction);
  let best: TrialRecord | null = null;
  for (const t of trials) {
    if (t.status !== 'complete' || !t.feasible || t.objective === null) continue;
    if (best === null || sign * t.objective > sign * best.objective!) best = t;
  }
  return best;
}
