/**
 * What the dispatcher needs from a way of running trials: local worker threads or remote workers behind a broker.
 * An executor runs what it is given and reports back through events; it never writes the study database (the
 * dispatcher is its only writer).
 */
import type { ParamValue } from '../space/types.js';
import type { AttemptInfo, AttemptOutcome, TrialResult } from '../storage/types.js';
import type { TrialOutcome } from '../study/evaluate.js';

/** One attempt of one trial, as handed to an executor. */
export interface TrialTicket {
  trialId: number;
  attempt: number;
  seed: number;
  params: Record<string, ParamValue>;
}

/** An attempt that was under way when the previous master stopped. */
export interface OpenAttempt {
  trialId: number;
  attempt: number;
  /** Whether a worker had reported starting it. */
  started: boolean;
}

/** A worker's last sign of life. */
export interface WorkerBeat {
  id: string;
  kind: 'thread' | 'remote';
  host: string;
  pid: number | null;
  state: string;
  currentTrial: number | null;
  at?: string;
}

export interface ExecutorEvents {
  /** A worker began an attempt. */
  started(e: { trialId: number; attempt: number; workerId: string; host: string; pid: number | null; at: string }): void;
  /** An attempt ended with a result (possibly a failure, or a timeout when outcome says so). */
  finished(e: { trialId: number; result: TrialResult; by: AttemptInfo; outcome?: AttemptOutcome }): void;
  /** An attempt was lost: its worker died or stopped answering. */
  lost(e: { trialId: number; attempt: number; reason: string }): void;
  /** The broker lost a trial's job and the executor published it again; the trial waits in the queue again. */
  requeued(e: { trialId: number; attempt: number; reason: string }): void;
  /** The executor can take more trials now. */
  capacity(): void;
  /** Latest heartbeats of the workers. */
  workers(beats: WorkerBeat[]): void;
  /** The executor cannot go on. */
  fatal(error: Error): void;
}

export interface Executor {
  readonly kind: 'local' | 'distributed';
  /** Whether running trials die with the master (threads) or carry on without it (remote workers). */
  readonly runsDieWithMaster: boolean;
  start(events: ExecutorEvents): Promise<void>;
  /**
   * Takes over the attempts the previous master left open. Returns those it cannot continue (they are lost);
   * the others it tracks as if it had started them.
   */
  recover(open: OpenAttempt[]): { trialId: number; attempt: number; reason: string }[];
  /** How many more trials it accepts right now (Infinity when a broker queues them). */
  capacity(): number;
  submit(ticket: TrialTicket): void;
  /** Stops or withdraws these trials where possible; returns the ids actually stopped (their attempts are cancelled). */
  cancel(trialIds: number[], reason: string): Promise<number[]>;
  close(): Promise<void>;
}

/** A thread's or worker's evaluation outcome as a storable result. */
export function toTrialResult(o: TrialOutcome): TrialResult {
  return {
    status: o.status,
    objective: o.objective,
    constraints: o.constraints,
    feasible: o.feasible,
    metrics: o.metrics ?? null,
    error: o.error ?? null,
    seconds: o.seconds,
  };
}

/** The stored result of an attempt that ran out of time. */
export function timeoutResult(seconds: number, elapsed: number): TrialResult {
  return {
    status: 'failed',
    objective: null,
    constraints: null,
    feasible: false,
    metrics: null,
    error: `timed out after ${seconds} s`,
    seconds: elapsed,
  };
}
