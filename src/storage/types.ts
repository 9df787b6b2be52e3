/**
 * The records a study database holds, as the rest of spikeopt sees them (rows decoded from SQLite's columns).
 */
import type { ParamValue } from '../space/types.js';

/** Life of a trial: queued → running → one of the final states (a lost run goes back to queued). */
export type TrialState = 'queued' | 'running' | 'complete' | 'stopped-early' | 'failed';

export const TRIAL_STATES: readonly TrialState[] = ['queued', 'running', 'complete', 'stopped-early', 'failed'];

/** States a trial never leaves. */
export function isFinal(state: TrialState): boolean {
  return state === 'complete' || state === 'stopped-early' || state === 'failed';
}

/** How an attempt to run a trial ended. */
export type AttemptOutcome = 'complete' | 'stopped-early' | 'failed' | 'timeout' | 'lost' | 'cancelled';

/** The study itself. */
export interface StudyInfo {
  id: string;
  name: string;
  createdAt: string;
  /** The normalised study configuration (interpreted by the study layer). */
  config: unknown;
  /** The configuration file's text as the user wrote it, when there was one. */
  configSource: string | null;
  /** The search space's normalised description (SearchSpace.toJSON()). */
  space: unknown;
  direction: 'minimize' | 'maximize';
  /** How to find the objective again (interpreted by the study layer). */
  objective: unknown;
  seed: number;
  /** Number of constraints, once known (declared by the objective or learnt from the first result). */
  constraintCount: number | null;
  spikeoptVersion: string;
  /** Set when the study ended with its budget spent and nothing left to run. */
  finishedAt: string | null;
}

/** Why the optimizer proposed a point (its ProposalInfo, flattened). */
export interface ProposalRecord {
  phase: string;
  batchId: number;
  trustRegionLength: number | null;
  successCount: number | null;
  failureCount: number | null;
  restartCount: number | null;
  modelId: number | null;
}

/** A trial as first written, when the optimizer proposes it. */
export interface NewTrial {
  id: number;
  params: Record<string, ParamValue>;
  u: number[];
  /** encode(decode(u)): the configuration actually evaluated, as the GP sees it. */
  uEvaluated: number[];
  /** Seed handed to the objective for this trial (derived from the study seed and the trial id). */
  seed: number;
  info: ProposalRecord;
}

/** What running the objective gave. */
export interface TrialResult {
  status: 'complete' | 'failed';
  /** Objective in the user's direction; null when failed. */
  objective: number | null;
  constraints: number[] | null;
  feasible: boolean;
  /** Everything else the objective reported (spike counts, times, stop information, ...). */
  metrics: Record<string, unknown> | null;
  error: string | null;
  /** Wall time of the evaluation in seconds. */
  seconds: number;
}

/** Who ran an attempt and when. */
export interface AttemptInfo {
  attempt: number;
  workerId: string | null;
  host: string | null;
  startedAt: string | null;
  finishedAt: string;
}

export interface TrialRow extends NewTrial {
  state: TrialState;
  objective: number | null;
  constraints: number[] | null;
  feasible: boolean | null;
  metrics: Record<string, unknown> | null;
  stopped: boolean | null;
  stopInfo: unknown;
  trainSeconds: number | null;
  validationSeconds: number | null;
  spikeCounts: unknown;
  error: string | null;
  /** Attempts begun so far (dispatches, including lost and cancelled ones). */
  attempts: number;
  workerId: string | null;
  host: string | null;
  askedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  evalSeconds: number | null;
  /** Order in which final results were recorded (1, 2, ...); null until final. */
  finishedSeq: number | null;
  /** Optimizer call that proposed the trial. */
  step: number;
  /** Optimizer call that was told the result; null until told. */
  toldStep: number | null;
}

/** One optimizer call, as journaled. */
export interface StepRecord {
  step: number;
  /** Trial ids told, in the order given to the optimizer. */
  told: number[];
  askCount: number;
  /** Trial ids passed as pending, in order. */
  pending: number[];
  /** Trial ids proposed, in order. */
  proposed: number[];
  /** Optimizer state after the call (restart count, trust region, ...), when the optimizer has one. */
  state: unknown;
  modelId: number | null;
  seconds: number;
  createdAt: string;
}

export interface ModelRecord {
  modelId: number;
  step: number;
  hyperparameters: unknown;
  trainingPoints: number | null;
  fitSeconds: number | null;
  selectSeconds: number | null;
}

export interface AttemptRow {
  trialId: number;
  attempt: number;
  workerId: string | null;
  host: string | null;
  dispatchedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  outcome: AttemptOutcome | null;
  reason: string | null;
}

export interface WorkerRow {
  id: string;
  kind: 'thread' | 'remote';
  host: string;
  pid: number | null;
  firstSeen: string;
  lastHeartbeat: string;
  currentTrial: number | null;
  trialsDone: number;
  state: string;
}

export interface SessionRow {
  id: number;
  kind: string;
  pid: number;
  host: string;
  startedAt: string;
  lastSeen: string;
  endedAt: string | null;
  endReason: string | null;
}

export interface EventRow {
  id: number;
  at: string;
  kind: string;
  trialId: number | null;
  message: string;
}
