/**
 * The study store: every read and write of a study database goes through here. SQLite is the study's source of
 * truth; the master holds nothing that cannot be rebuilt from these tables.
 *
 * Writes that belong together (an optimizer step and the trials it proposes; a result and its attempt) are one
 * transaction each, so a crash leaves either all of them or none. Result recording is idempotent by trial id:
 * the first final result wins and later copies (a job run twice, a result read back from Redis on resume) are
 * reported as duplicates and change nothing.
 */
import { hostname } from 'node:os';
import { UserError } from '../util/errors.js';
import type Database from 'better-sqlite3';
import { openDatabase, type SyncMode } from './database.js';
import { fromJson, toJson } from './json.js';
import { nowIso } from './time.js';
import {
  isFinal,
  TRIAL_STATES,
  type AttemptInfo,
  type AttemptOutcome,
  type AttemptRow,
  type EventRow,
  type ModelRecord,
  type NewTrial,
  type SessionRow,
  type StepRecord,
  type StudyInfo,
  type TrialResult,
  type TrialRow,
  type TrialState,
  type WorkerRow,
} from './types.js';

/** What a new study database is created with: the study record, less what the store sets itself. */
export type StudyInit = Omit<StudyInfo, 'createdAt' | 'finishedAt'>;

/** One optimizer call to journal, with the trials it proposed. */
export interface StepWrite {
  told: number[];
  askCount: number;
  pending: number[];
  trials: NewTrial[];
  state: unknown;
  model: Omit<ModelRecord, 'step'> | null;
  seconds: number;
}

export type RecordOutcome = 'recorded' | 'duplicate' | 'unknown';

/** A worker as named in the study's workers table. */
export interface WorkerRef {
  id: string;
  kind: WorkerRow['kind'];
  host: string;
  pid: number | null;
}
export type LossOutcome = 'requeued' | 'failed' | 'ignored';

type Row = Record<string, unknown>;

export class StudyStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepare>;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    this.stmt = prepare(db);
  }

  /**
   * Creates a study database at `path` (which must not hold a study yet).
   * @throws UserError if the file already holds a study.
   */
  static create(path: string, init: StudyInit, synchronous: SyncMode = 'normal'): StudyStore {
    const db = openDatabase(path, { create: true, synchronous });
    const existing = db.prepare('SELECT id FROM study').get() as Row | undefined;
    if (existing) {
      db.close();
      throw new UserError(`${path} already holds study ${String(existing.id)}; resume it instead of creating another.`);
    }
    db.prepare(
      `INSERT INTO study (id, name, created_at, config, config_source, space, direction, objective, seed, constraint_count, spikeopt_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      init.id,
      init.name,
      nowIso(),
      toJson(init.config),
      init.configSource,
      toJson(init.space),
      init.direction,
      toJson(init.objective),
      init.seed,
      init.constraintCount,
      init.spikeoptVersion,
    );
    return new StudyStore(path, db);
  }

  /** Opens an existing study database (migrating its schema if needed). */
  static open(path: string, synchronous: SyncMode = 'normal'): StudyStore {
    const db = openDatabase(path, { synchronous });
    if (!db.prepare('SELECT id FROM study').get()) {
      db.close();
      throw new UserError(`${path} is an SQLite file but holds no spikeopt study.`);
    }
    return new StudyStore(path, db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in one transaction (nested store calls become savepoints): one commit for many writes. */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- study -------------------------------------------------------------------------------------------------

  study(): StudyInfo {
    const r = this.db.prepare('SELECT * FROM study').get() as Row;
    return {
      id: r.id as string,
      name: r.name as string,
      createdAt: r.created_at as string,
      config: fromJson(r.config as string),
      configSource: (r.config_source as string | null) ?? null,
      space: fromJson(r.space as string),
      direction: r.direction as StudyInfo['direction'],
      objective: fromJson(r.objective as string),
      seed: r.seed as number,
      constraintCount: (r.constraint_count as number | null) ?? null,
      spikeoptVersion: r.spikeopt_version as string,
      finishedAt: (r.finished_at as string | null) ?? null,
    };
  }

  setConstraintCount(m: number): void {
    this.db.prepare('UPDATE study SET constraint_count = ? WHERE constraint_count IS NULL').run(m);
  }

  /** Replaces the stored configuration (budget extensions on resume); the change is logged as an event. */
  updateConfig(config: unknown, why: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE study SET config = ?, finished_at = NULL').run(toJson(config));
      this.addEvent('config', why);
    })();
  }

  markFinished(finished: boolean): void {
    this.db.prepare('UPDATE study SET finished_at = ?').run(finished ? nowIso() : null);
  }

  // ---- sessions (master processes) ---------------------------------------------------------------------------

  beginSession(kind: string): number {
    const now = nowIso();
    const info = this.db
      .prepare('INSERT INTO sessions (kind, pid, host, started_at, last_seen) VALUES (?, ?, ?, ?, ?)')
      .run(kind, process.pid, hostname(), now, now);
    return Number(info.lastInsertRowid);
  }

  touchSession(id: number): void {
    this.db.prepare('UPDATE sessions SET last_seen = ? WHERE id = ?').run(nowIso(), id);
  }

  endSession(id: number, reason: string): void {
    this.db.prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL').run(nowIso(), reason, id);
  }

  /** Sessions that never ended (their master is running, or died without closing them). */
  openSessions(): SessionRow[] {
    return (this.db.prepare('SELECT * FROM sessions WHERE ended_at IS NULL ORDER BY id').all() as Row[]).map(sessionRow);
  }

  /** Closes a session whose master died: it ended when it was last seen. */
  closeDeadSession(id: number, reason: string): void {
    this.db.prepare('UPDATE sessions SET ended_at = last_seen, end_reason = ? WHERE id = ? AND ended_at IS NULL').run(reason, id);
  }

  sessions(): SessionRow[] {
    return (this.db.prepare('SELECT * FROM sessions ORDER BY id').all() as Row[]).map(sessionRow);
  }

  // ---- optimizer journal ---------------------------------------------------------------------------------------

  /** Journals one optimizer call and writes the trials it proposed, all in one transaction; returns the step. */
  recordStep(write: StepWrite): number {
    const now = nowIso();
    return this.db.transaction(() => {
      const step = ((this.db.prepare('SELECT MAX(step) AS s FROM steps').get() as Row).s as number | null ?? 0) + 1;
      this.stmt.insertStep.run(
        step,
        JSON.stringify(write.told),
        write.askCount,
        JSON.stringify(write.pending),
        JSON.stringify(write.trials.map((t) => t.id)),
        write.state === undefined ? null : toJson(write.state),
        write.model?.modelId ?? null,
        write.seconds,
        now,
      );
      if (write.model) {
        this.stmt.insertModel.run(
          write.model.modelId,
          step,
          toJson(write.model.hyperparameters),
          write.model.trainingPoints,
          write.model.fitSeconds,
          write.model.selectSeconds,
          now,
        );
      }
      for (const t of write.trials) {
        this.stmt.insertTrial.run(
          t.id,
          toJson(t.params),
          JSON.stringify(t.u),
          JSON.stringify(t.uEvaluated),
          t.seed,
          now,
          t.info.phase,
          t.info.batchId,
          step,
          t.info.trustRegionLength,
          t.info.successCount,
          t.info.failureCount,
          t.info.restartCount,
          t.info.modelId,
        );
      }
      for (const id of write.told) this.stmt.markTold.run(step, id);
      return step;
    })();
  }

  steps(): StepRecord[] {
    return (this.db.prepare('SELECT * FROM steps ORDER BY step').all() as Row[]).map(stepRow);
  }

  lastStep(): StepRecord | null {
    const r = this.db.prepare('SELECT * FROM steps ORDER BY step DESC LIMIT 1').get() as Row | undefined;
    return r ? stepRow(r) : null;
  }

  models(): ModelRecord[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY model_id').all() as Row[]).map((r) => ({
      modelId: r.model_id as number,
      step: r.step as number,
      hyperparameters: fromJson(r.hyperparameters as string),
      trainingPoints: (r.training_points as number | null) ?? null,
      fitSeconds: (r.fit_seconds as number | null) ?? null,
      selectSeconds: (r.select_seconds as number | null) ?? null,
    }));
  }

  // ---- trials --------------------------------------------------------------------------------------------------

  trial(id: number): TrialRow | null {
    const r = this.stmt.getTrial.get(id) as Row | undefined;
    return r ? trialRow(r) : null;
  }

  /** All trials by id, or those in the given states. */
  trials(states?: readonly TrialState[]): TrialRow[] {
    if (!states) return (this.db.prepare('SELECT * FROM trials ORDER BY id').all() as Row[]).map(trialRow);
    const marks = states.map(() => '?').join(', ');
    return (this.db.prepare(`SELECT * FROM trials WHERE state IN (${marks}) ORDER BY id`).all(...states) as Row[]).map(trialRow);
  }

  trialCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM trials').get() as Row).n as number;
  }

  /** Number of trials in each state (every state present, zero included). */
  countsByState(): Record<TrialState, number> {
    const counts = Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
    for (const r of this.db.prepare('SELECT state, COUNT(*) AS n FROM trials GROUP BY state').all() as Row[]) {
      counts[r.state as TrialState] = r.n as number;
    }
    return counts;
  }

  /** Final trials the optimizer has not been told about yet, in the order their results arrived. */
  untoldFinished(): TrialRow[] {
    return (
      this.db.prepare("SELECT * FROM trials WHERE told_step IS NULL AND state IN ('complete', 'stopped-early', 'failed') ORDER BY finished_seq").all() as Row[]
    ).map(trialRow);
  }

  /**
   * Begins a new attempt of a queued trial (the master hands it to a worker or publishes it).
   * @returns the attempt number (1 for the first), or null when the trial is not queued.
   */
  beginAttempt(trialId: number, at: string = nowIso()): number | null {
    return this.db.transaction(() => {
      if (this.stmt.bumpAttempts.run(trialId).changes === 0) return null;
      const attempt = (this.stmt.getAttempts.get(trialId) as Row).attempts as number;
      this.stmt.insertAttempt.run(trialId, attempt, at);
      return attempt;
    })();
  }

  /**
   * A worker started running an attempt: the trial is running (ignored once the trial is final), and the worker's
   * row says so.
   */
  markStarted(trialId: number, attempt: number, worker: WorkerRef, at: string = nowIso()): boolean {
    return this.db.transaction(() => {
      const changed = this.stmt.markRunning.run(worker.id, worker.host, at, trialId).changes > 0;
      this.stmt.attemptStarted.run(worker.id, worker.host, at, trialId, attempt);
      this.stmt.upsertWorker.run(worker.id, worker.kind, worker.host, worker.pid, at, at, trialId, 'busy');
      return changed;
    })();
  }

  /**
   * Records a final result. Idempotent: a trial already final keeps its first result.
   * @param outcome how the attempt ended, when it differs from the result's own status (a timeout).
   * @param workerKind when given, the reporting worker's row is updated too (idle, one more trial when recorded).
   */
  recordResult(trialId: number, result: TrialResult, by: AttemptInfo, outcome?: AttemptOutcome, workerKind?: WorkerRow['kind']): RecordOutcome {
    return this.db.transaction((): RecordOutcome => {
      const recorded = this.recordResultRow(trialId, result, by, outcome);
      if (workerKind !== undefined && by.workerId !== null) {
        this.stmt.upsertWorker.run(by.workerId, workerKind, by.host ?? '', null, by.finishedAt, by.finishedAt, null, 'idle');
        if (recorded === 'recorded') this.stmt.workerDone.run(by.workerId);
      }
      return recorded;
    })();
  }

  /** The trial's side of recordResult (inside its transaction). */
  private recordResultRow(trialId: number, result: TrialResult, by: AttemptInfo, outcome?: AttemptOutcome): RecordOutcome {
    const row = this.stmt.getTrial.get(trialId) as Row | undefined;
    if (!row) return 'unknown';
    const state: TrialState =
      result.status === 'failed' ? 'failed' : result.metrics?.stopped === true ? 'stopped-early' : 'complete';
    const attemptOutcome = outcome ?? state;
    if (isFinal(row.state as TrialState)) {
      this.stmt.attemptEnded.run(by.finishedAt, attemptOutcome, 'a result had already been recorded', trialId, by.attempt);
      return 'duplicate';
    }
    const m = result.metrics;
    this.stmt.recordResult.run(
      state,
      result.objective,
      result.constraints === null ? null : JSON.stringify(result.constraints),
      result.status === 'failed' ? null : result.feasible ? 1 : 0,
      m === null ? null : toJson(m),
      typeof m?.stopped === 'boolean' ? (m.stopped ? 1 : 0) : null,
      m?.stoppedAt === undefined ? null : toJson(m.stoppedAt),
      finiteOrNull(m?.trainSeconds),
      finiteOrNull(m?.validationSeconds),
      m?.spikeCounts === undefined ? null : toJson(m.spikeCounts),
      result.error,
      by.workerId,
      by.host,
      by.startedAt,
      by.finishedAt,
      result.seconds,
      trialId,
    );
    this.stmt.ensureAttempt.run(trialId, by.attempt, by.startedAt ?? by.finishedAt);
    this.stmt.attemptEnded.run(by.finishedAt, attemptOutcome, result.error, trialId, by.attempt);
    this.stmt.attemptWorker.run(by.workerId, by.host, by.startedAt, trialId, by.attempt);
    return 'recorded';
  }

  /**
   * Records that an attempt was lost (its worker or the master died, or the broker dropped it). The trial goes
   * back to the queue, or fails once `maxAttempts` attempts have been lost. A loss reported for an attempt other
   * than the trial's current one, or for a final trial, is ignored.
   */
  recordLost(trialId: number, attempt: number, reason: string, maxAttempts: number): LossOutcome {
    return this.db.transaction((): LossOutcome => {
      const row = this.stmt.getTrial.get(trialId) as Row | undefined;
      if (!row || isFinal(row.state as TrialState) || (row.attempts as number) !== attempt) return 'ignored';
      const at = nowIso();
      this.stmt.attemptEnded.run(at, 'lost', reason, trialId, attempt);
      const lost = (this.stmt.countLost.get(trialId) as Row).n as number;
      this.addEvent('lost', `attempt ${attempt} lost: ${reason}`, trialId);
      if (lost >= maxAttempts) {
        const error = `lost ${lost} time${lost === 1 ? '' : 's'}, the last time because ${reason}`;
        this.stmt.failTrial.run(error, at, trialId);
        return 'failed';
      }
      this.stmt.requeue.run(trialId);
      return 'requeued';
    })();
  }

  /** Puts a running trial back in the queue because the master cancelled it (the attempt does not count as lost). */
  recordCancelled(trialId: number, attempt: number, reason: string): boolean {
    return this.db.transaction(() => {
      const row = this.stmt.getTrial.get(trialId) as Row | undefined;
      if (!row || isFinal(row.state as TrialState)) return false;
      this.stmt.attemptEnded.run(nowIso(), 'cancelled', reason, trialId, attempt);
      this.stmt.requeue.run(trialId);
      return true;
    })();
  }

  /** Puts a trial back in the queue without ending an attempt (its broker job vanished before it started). */
  requeue(trialId: number): void {
    this.stmt.requeue.run(trialId);
  }

  /** Current attempts of unfinished trials that never ended (under way when the last master stopped, or now). */
  openAttempts(): { trialId: number; attempt: number; started: boolean }[] {
    const rows = this.db
      .prepare(
        `SELECT a.trial_id, a.attempt, a.started_at FROM attempts a JOIN trials t ON t.id = a.trial_id
         WHERE a.outcome IS NULL AND a.attempt = t.attempts AND t.state IN ('queued', 'running') ORDER BY a.trial_id`,
      )
      .all() as Row[];
    return rows.map((r) => ({ trialId: r.trial_id as number, attempt: r.attempt as number, started: r.started_at !== null }));
  }

  attempts(trialId?: number): AttemptRow[] {
    const rows = (
      trialId === undefined
        ? this.db.prepare('SELECT * FROM attempts ORDER BY trial_id, attempt').all()
        : this.db.prepare('SELECT * FROM attempts WHERE trial_id = ? ORDER BY attempt').all(trialId)
    ) as Row[];
    return rows.map((r) => ({
      trialId: r.trial_id as number,
      attempt: r.attempt as number,
      workerId: (r.worker_id as string | null) ?? null,
      host: (r.host as string | null) ?? null,
      dispatchedAt: r.dispatched_at as string,
      startedAt: (r.started_at as string | null) ?? null,
      endedAt: (r.ended_at as string | null) ?? null,
      outcome: (r.outcome as AttemptOutcome | null) ?? null,
      reason: (r.reason as string | null) ?? null,
    }));
  }

  /** Summed duration of all ended attempts in seconds (worker time spent, lost attempts included). */
  workerSeconds(): number {
    const r = this.db
      .prepare(
        "SELECT SUM((julianday(ended_at) - julianday(COALESCE(started_at, dispatched_at))) * 86400.0) AS s FROM attempts WHERE ended_at IS NOT NULL",
      )
      .get() as Row;
    return (r.s as number | null) ?? 0;
  }

  // ---- workers and events ------------------------------------------------------------------------------------

  /** Inserts or refreshes a worker's row. */
  upsertWorker(w: { id: string; kind: 'thread' | 'remote'; host: string; pid: number | null; state: string; currentTrial: number | null; at?: string }): void {
    const at = w.at ?? nowIso();
    this.stmt.upsertWorker.run(w.id, w.kind, w.host, w.pid, at, at, w.currentTrial, w.state);
  }

  workers(): WorkerRow[] {
    return (this.db.prepare('SELECT * FROM workers ORDER BY id').all() as Row[]).map((r) => ({
      id: r.id as string,
      kind: r.kind as WorkerRow['kind'],
      host: r.host as string,
      pid: (r.pid as number | null) ?? null,
      firstSeen: r.first_seen as string,
      lastHeartbeat: r.last_heartbeat as string,
      currentTrial: (r.current_trial as number | null) ?? null,
      trialsDone: r.trials_done as number,
      state: r.state as string,
    }));
  }

  addEvent(kind: string, message: string, trialId: number | null = null): void {
    this.stmt.insertEvent.run(nowIso(), kind, trialId, message);
  }

  events(limit = 50): EventRow[] {
    return (this.db.prepare('SELECT * FROM events ORDER BY id DESC LIMIT ?').all(limit) as Row[])
      .map((r) => ({
        id: r.id as number,
        at: r.at as string,
        kind: r.kind as string,
        trialId: (r.trial_id as number | null) ?? null,
        message: r.message as string,
      }))
      .reverse();
  }
}

function finiteOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Statements used on hot paths, prepared once per connection. */
function prepare(db: Database.Database) {
  return {
    insertStep: db.prepare(
      'INSERT INTO steps (step, told, ask_count, pending, proposed, state, model_id, seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertModel: db.prepare(
      'INSERT INTO models (model_id, step, hyperparameters, training_points, fit_seconds, select_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertTrial: db.prepare(
      `INSERT INTO trials (id, state, params, u, u_evaluated, seed, asked_at, phase, batch_id, step, trust_region_length,
         success_count, failure_count, restart_count, model_id)
       VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    markTold: db.prepare('UPDATE trials SET told_step = ? WHERE id = ? AND told_step IS NULL'),
    getTrial: db.prepare('SELECT * FROM trials WHERE id = ?'),
    getAttempts: db.prepare('SELECT attempts FROM trials WHERE id = ?'),
    bumpAttempts: db.prepare("UPDATE trials SET attempts = attempts + 1 WHERE id = ? AND state = 'queued'"),
    insertAttempt: db.prepare('INSERT INTO attempts (trial_id, attempt, dispatched_at) VALUES (?, ?, ?)'),
    ensureAttempt: db.prepare('INSERT OR IGNORE INTO attempts (trial_id, attempt, dispatched_at) VALUES (?, ?, ?)'),
    markRunning: db.prepare(
      "UPDATE trials SET state = 'running', worker_id = ?, host = ?, started_at = ? WHERE id = ? AND state IN ('queued', 'running')",
    ),
    attemptStarted: db.prepare('UPDATE attempts SET worker_id = ?, host = ?, started_at = ? WHERE trial_id = ? AND attempt = ?'),
    attemptWorker: db.prepare(
      'UPDATE attempts SET worker_id = COALESCE(?, worker_id), host = COALESCE(?, host), started_at = COALESCE(started_at, ?) WHERE trial_id = ? AND attempt = ?',
    ),
    attemptEnded: db.prepare(
      'UPDATE attempts SET ended_at = ?, outcome = ?, reason = ? WHERE trial_id = ? AND attempt = ? AND outcome IS NULL',
    ),
    recordResult: db.prepare(
      `UPDATE trials SET state = ?, objective = ?, constraints = ?, feasible = ?, metrics = ?, stopped = ?, stop_info = ?,
         train_seconds = ?, validation_seconds = ?, spike_counts = ?, error = ?, worker_id = COALESCE(?, worker_id),
         host = COALESCE(?, host), started_at = COALESCE(?, started_at), finished_at = ?, eval_seconds = ?,
         finished_seq = (SELECT COALESCE(MAX(finished_seq), 0) + 1 FROM trials)
       WHERE id = ?`,
    ),
    countLost: db.prepare("SELECT COUNT(*) AS n FROM attempts WHERE trial_id = ? AND outcome = 'lost'"),
    failTrial: db.prepare(
      `UPDATE trials SET state = 'failed', error = ?, finished_at = ?, objective = NULL, constraints = NULL, feasible = NULL,
         finished_seq = (SELECT COALESCE(MAX(finished_seq), 0) + 1 FROM trials)
       WHERE id = ?`,
    ),
    requeue: db.prepare("UPDATE trials SET state = 'queued' WHERE id = ? AND state IN ('queued', 'running')"),
    upsertWorker: db.prepare(
      `INSERT INTO workers (id, kind, host, pid, first_seen, last_heartbeat, current_trial, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, host = excluded.host, pid = COALESCE(excluded.pid, workers.pid),
         last_heartbeat = excluded.last_heartbeat, current_trial = excluded.current_trial, state = excluded.state`,
    ),
    workerDone: db.prepare('UPDATE workers SET trials_done = trials_done + 1 WHERE id = ?'),
    insertEvent: db.prepare('INSERT INTO events (at, kind, trial_id, message) VALUES (?, ?, ?, ?)'),
  };
}

function trialRow(r: Row): TrialRow {
  const optionalNumber = (v: unknown) => (v === null || v === undefined ? null : (v as number));
  return {
    id: r.id as number,
    state: r.state as TrialState,
    params: fromJson(r.params as string) as TrialRow['params'],
    u: JSON.parse(r.u as string) as number[],
    uEvaluated: JSON.parse(r.u_evaluated as string) as number[],
    seed: r.seed as number,
    objective: optionalNumber(r.objective),
    constraints: r.constraints === null ? null : (JSON.parse(r.constraints as string) as number[]),
    feasible: r.feasible === null ? null : r.feasible === 1,
    metrics: r.metrics === null ? null : (fromJson(r.metrics as string) as Record<string, unknown>),
    stopped: r.stopped === null ? null : r.stopped === 1,
    stopInfo: r.stop_info === null ? null : fromJson(r.stop_info as string),
    trainSeconds: optionalNumber(r.train_seconds),
    validationSeconds: optionalNumber(r.validation_seconds),
    spikeCounts: r.spike_counts === null ? null : fromJson(r.spike_counts as string),
    error: (r.error as string | null) ?? null,
    attempts: r.attempts as number,
    workerId: (r.worker_id as string | null) ?? null,
    host: (r.host as string | null) ?? null,
    askedAt: r.asked_at as string,
    startedAt: (r.started_at as string | null) ?? null,
    finishedAt: (r.finished_at as string | null) ?? null,
    evalSeconds: optionalNumber(r.eval_seconds),
    finishedSeq: optionalNumber(r.finished_seq),
    step: r.step as number,
    toldStep: optionalNumber(r.told_step),
    info: {
      phase: r.phase as string,
      batchId: r.batch_id as number,
      trustRegionLength: optionalNumber(r.trust_region_length),
      successCount: optionalNumber(r.success_count),
      failureCount: optionalNumber(r.failure_count),
      restartCount: optionalNumber(r.restart_count),
      modelId: optionalNumber(r.model_id),
    },
  };
}

function stepRow(r: Row): StepRecord {
  return {
    step: r.step as number,
    told: JSON.parse(r.told as string) as number[],
    askCount: r.ask_count as number,
    pending: JSON.parse(r.pending as string) as number[],
    proposed: JSON.parse(r.proposed as string) as number[],
    state: r.state === null ? null : fromJson(r.state as string),
    modelId: (r.model_id as number | null) ?? null,
    seconds: r.seconds as number,
    createdAt: r.created_at as string,
  };
}

function sessionRow(r: Row): SessionRow {
  return {
    id: r.id as number,
    kind: r.kind as string,
    pid: r.pid as number,
    host: r.host as string,
    startedAt: r.started_at as string,
    lastSeen: r.last_seen as string,
    endedAt: (r.ended_at as string | null) ?? null,
    endReason: (r.end_reason as string | null) ?? null,
  };
}
