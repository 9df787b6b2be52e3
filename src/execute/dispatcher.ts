/**
 * The master's dispatcher: the paper's "flexible" master-worker protocol (spec system.md §5) over any executor.
 *
 * - Proposed points wait in a FIFO queue; idle workers take them in order.
 * - When a result arrives and at most `refillThreshold` points still wait, the optimizer is told every result
 *   received since its previous call and asked for a new batch, knowing which points are queued or running.
 * - The optimizer runs in its own thread: while it proposes, results keep being recorded (and buffered for its
 *   next call) and queued points keep being dispatched, so workers never wait for a GP fit.
 * - Every transition is written to the study store first; the in-memory sets below are only an index of it.
 */
import type { SearchSpace } from '../space/space.js';
import type { PendingPoint, Proposal } from '../optimize/types.js';
import type { StudyStore } from '../storage/study-store.js';
import { isFinal, type NewTrial, type TrialResult, type TrialRow } from '../storage/types.js';
import type { Direction } from '../study/objective.js';
import { Rng } from '../util/rng.js';
import type { Executor, ExecutorEvents, TrialTicket } from './executor.js';
import { toObservation } from './observations.js';
import type { OptimizerHost } from './optimizer-host.js';

export interface DispatcherConfig {
  /** Points asked for at each call after the first. */
  batchSize: number;
  /** Points asked for at the study's very first call (the initial design). */
  firstAskCount: number;
  refillThreshold: number;
  maxAttempts: number;
  /** Total number of trials the study may create, or null for no limit. */
  evaluations: number | null;
  /** Epoch milliseconds after which no trial starts (wall-time budget), or null. */
  deadline: number | null;
  /** Summed worker seconds after which no trial starts, or null. */
  workerSecondsLimit: number | null;
  onBudget: 'wait' | 'cancel';
  direction: Direction;
  studySeed: number;
}

/** Why a run ended. */
export type EndReason = 'finished' | 'budget' | 'interrupted';

/** What the dispatcher reports as it goes (progress displays, logs). */
export type DispatchEvent =
  | { type: 'result'; trial: TrialRow }
  | { type: 'duplicate'; trialId: number; attempt: number }
  | { type: 'lost'; trialId: number; attempt: number; reason: string; outcome: 'requeued' | 'failed' }
  | { type: 'requeued'; trialId: number; reason: string }
  | { type: 'step'; step: number; told: number; proposals: Proposal[]; seconds: number; state: unknown }
  | { type: 'budget'; reason: string };

/** A snapshot for progress displays. */
export interface DispatchSnapshot {
  created: number;
  finished: number;
  queued: number;
  running: number;
  steps: number;
  best: TrialRow | null;
  stepping: boolean;
}

/** Seed handed to the objective for a trial: a function of the study seed and the trial id only. */
export function trialSeed(studySeed: number, trialId: number): number {
  return new Rng(`trial:${studySeed}:${trialId}`).nextUint32();
}

export class Dispatcher {
  private readonly queued = new Set<number>();
  /** Queued trials not yet handed to the executor, in dispatch order. */
  private readonly toDispatch: number[] = [];
  private readonly running = new Set<number>();
  /** Final trials the optimizer has not been told about, in arrival order. */
  private buffer: number[] = [];
  /** Unit-cube points of unfinished trials (the pending points of the next call). */
  private readonly points = new Map<number, Float64Array>();
  private readonly tickets = new Map<number, Omit<TrialTicket, 'attempt'>>();
  private created: number;
  private finished: number;
  private steps: number;
  private best: TrialRow | null = null;
  private stepping = false;
  private budgetOver = false;
  private ended = false;
  private stopping = false;
  private constraintCount: number | null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private settle!: { resolve: (r: EndReason) => void; reject: (e: Error) => void };

  constructor(
    private readonly store: StudyStore,
    private readonly optimizer: OptimizerHost,
    private readonly executor: Executor,
    private readonly space: SearchSpace,
    private readonly config: DispatcherConfig,
    private readonly onEvent: (e: DispatchEvent) => void = () => {},
    /** Resolves once the optimizer has replayed the journal (resume); new calls wait for it. */
    private readonly optimizerReady: Promise<unknown> = Promise.resolve(),
  ) {
    this.created = store.trialCount();
    const counts = store.countsByState();
    this.finished = counts.complete + counts['stopped-early'] + counts.failed;
    this.steps = store.lastStep()?.step ?? 0;
    this.constraintCount = store.study().constraintCount;
    for (const t of store.trials(['complete', 'stopped-early'])) this.considerBest(t);
  }

  private get workerKind(): 'thread' | 'remote' {
    return this.executor.kind === 'local' ? 'thread' : 'remote';
  }

  snapshot(): DispatchSnapshot {
    return {
      created: this.created,
      finished: this.finished,
      queued: this.queued.size,
      running: this.running.size,
      steps: this.steps,
      best: this.best,
      stepping: this.stepping,
    };
  }

  /**
   * Runs until the budget is spent and nothing is left running (or until stop()). Attempts left open by a
   * previous master are handed to the executor's recovery first.
   */
  async run(): Promise<EndReason> {
    const done = new Promise<EndReason>((resolve, reject) => (this.settle = { resolve, reject }));
    // Recover and arm the deadline before the executor starts: a thread that becomes ready dispatches at once.
    this.recover();
    if (this.config.deadline !== null) {
      const wait = Math.max(0, this.config.deadline - Date.now());
      this.deadlineTimer = setTimeout(() => this.spendBudget('the wall-time budget is spent'), wait);
    }
    try {
      await this.executor.start(this.events());
    } catch (err) {
      this.fail(err as Error);
      return done;
    }
    this.advance();
    return done;
  }

  /** Ends the run early. Trials running on threads are cancelled back to the queue; remote ones carry on. */
  async stop(reason: string): Promise<void> {
    if (this.ended || this.stopping) return;
    // From now on nothing new is dispatched or asked for, even by events already on their way.
    this.stopping = true;
    if (this.executor.runsDieWithMaster) await this.cancelRunning(reason);
    this.end('interrupted');
  }

  /** Executor callbacks; an exception in one (a database error) ends the run instead of escaping. */
  private events(): ExecutorEvents {
    const guarded = <A extends unknown[]>(f: (...args: A) => void) => (...args: A) => {
      try {
        f(...args);
      } catch (err) {
        this.fail(err as Error);
      }
    };
    const handlers: ExecutorEvents = {
      started: (e) => {
        this.store.markStarted(e.trialId, e.attempt, { id: e.workerId, kind: this.workerKind, host: e.host, pid: e.pid }, e.at);
        if (this.queued.delete(e.trialId)) this.running.add(e.trialId);
      },
      finished: (e) => this.onFinished(e.trialId, e.result, e.by, e.outcome),
      lost: (e) => this.onLost(e.trialId, e.attempt, e.reason),
      requeued: (e) => {
        const row = this.store.trial(e.trialId);
        if (!row || isFinal(row.state)) return;
        this.store.requeue(e.trialId);
        this.store.addEvent('requeued', `attempt ${e.attempt} published again: ${e.reason}`, e.trialId);
        if (this.running.delete(e.trialId)) this.queued.add(e.trialId);
        this.onEvent({ type: 'requeued', trialId: e.trialId, reason: e.reason });
      },
      capacity: () => this.advance(),
      workers: (beats) => {
        for (const b of beats) this.store.upsertWorker(b);
      },
      fatal: (err) => this.fail(err),
    };
    return {
      started: guarded(handlers.started),
      finished: guarded(handlers.finished),
      lost: guarded(handlers.lost),
      requeued: guarded(handlers.requeued),
      capacity: guarded(handlers.capacity),
      workers: guarded(handlers.workers),
      fatal: handlers.fatal,
    };
  }

  /** Rebuilds the in-memory index from the store and settles attempts the previous master left open. */
  private recover(): void {
    for (const lost of this.executor.recover(this.store.openAttempts())) {
      const outcome = this.store.recordLost(lost.trialId, lost.attempt, lost.reason, this.config.maxAttempts);
      if (outcome !== 'ignored') this.onEvent({ type: 'lost', ...lost, outcome });
    }
    const open = new Set(this.store.openAttempts().map((a) => a.trialId));
    for (const t of this.store.trials(['queued', 'running'])) {
      this.remember(t.id, t.u, t.params, t.seed);
      if (t.state === 'running') this.running.add(t.id);
      else {
        this.queued.add(t.id);
        if (!open.has(t.id)) this.toDispatch.push(t.id);
      }
    }
    this.buffer = this.store.untoldFinished().map((t) => t.id);
    const counts = this.store.countsByState();
    this.finished = counts.complete + counts['stopped-early'] + counts.failed;
  }

  private remember(id: number, u: ArrayLike<number>, params: TrialTicket['params'], seed: number): void {
    this.points.set(id, Float64Array.from(u));
    this.tickets.set(id, { trialId: id, params, seed });
  }

  private forget(id: number): void {
    this.queued.delete(id);
    this.running.delete(id);
    const k = this.toDispatch.indexOf(id);
    if (k >= 0) this.toDispatch.splice(k, 1);
    this.points.delete(id);
    this.tickets.delete(id);
  }

  private onFinished(trialId: number, raw: TrialResult, by: Parameters<StudyStore['recordResult']>[2], outcome?: Parameters<StudyStore['recordResult']>[3]): void {
    const result = this.checkConstraints(raw);
    const recorded = this.store.recordResult(trialId, result, by, outcome, this.workerKind);
    if (recorded !== 'recorded') {
      if (recorded === 'duplicate') this.onEvent({ type: 'duplicate', trialId, attempt: by.attempt });
      return;
    }
    this.forget(trialId);
    this.finished++;
    this.buffer.push(trialId);
    const row = this.store.trial(trialId)!;
    this.considerBest(row);
    this.onEvent({ type: 'result', trial: row });
    if (this.config.workerSecondsLimit !== null && this.store.workerSeconds() >= this.config.workerSecondsLimit) {
      this.spendBudget('the worker-hours budget is spent');
    }
    this.advance();
  }

  /** Results must keep the number of constraints the study has; the first complete result fixes it if unknown. */
  private checkConstraints(result: TrialResult): TrialResult {
    if (result.status !== 'complete' || result.constraints === null) return result;
    if (this.constraintCount === null) {
      this.constraintCount = result.constraints.length;
      this.store.setConstraintCount(this.constraintCount);
      return result;
    }
    if (result.constraints.length === this.constraintCount) return result;
    return {
      ...result,
      status: 'failed',
      objective: null,
      constraints: null,
      feasible: false,
      error: `evaluate returned ${result.constraints.length} constraint values, expected ${this.constraintCount}`,
    };
  }

  private onLost(trialId: number, attempt: number, reason: string): void {
    const outcome = this.store.recordLost(trialId, attempt, reason, this.config.maxAttempts);
    if (outcome === 'ignored') return;
    this.onEvent({ type: 'lost', trialId, attempt, reason, outcome });
    if (outcome === 'requeued') {
      this.running.delete(trialId);
      this.queued.add(trialId);
      // A re-queued point has waited longest: it goes first.
      this.toDispatch.unshift(trialId);
    } else {
      this.forget(trialId);
      this.finished++;
      this.buffer.push(trialId);
    }
    this.advance();
  }

  /** Dispatches what it can, asks for more points when the flexible rule says so, and ends when done. */
  private advance(): void {
    if (this.ended || this.stopping) return;
    this.dispatch();
    this.maybeStep();
    this.maybeEnd();
  }

  private dispatch(): void {
    // The deadline timer may not have fired yet when the loop is busy: never start a trial past it.
    if (this.config.deadline !== null && Date.now() >= this.config.deadline) this.spendBudget('the wall-time budget is spent');
    if (this.budgetOver || this.toDispatch.length === 0 || this.executor.capacity() === 0) return;
    // One commit for the attempts begun here and the starts that local threads report synchronously.
    this.store.atomically(() => {
      while (this.toDispatch.length > 0 && this.executor.capacity() > 0) {
        const id = this.toDispatch.shift()!;
        const ticket = this.tickets.get(id);
        const attempt = this.store.beginAttempt(id);
        if (!ticket || attempt === null) throw new Error(`dispatcher: trial ${id} was queued for dispatch but is not waiting in the queue`);
        this.executor.submit({ ...ticket, attempt });
      }
    });
  }

  private remainingEvaluations(): number {
    return this.config.evaluations === null ? Infinity : this.config.evaluations - this.created;
  }

  private maybeStep(): void {
    if (this.stepping || this.budgetOver || this.remainingEvaluations() <= 0) return;
    if (this.queued.size > this.config.refillThreshold) return;
    // The paper asks after a result arrives; with nothing received, only when nothing at all is in flight.
    if (this.buffer.length === 0 && (this.running.size > 0 || this.queued.size > 0)) return;
    void this.step().catch((err: Error) => this.fail(err));
  }

  private async step(): Promise<void> {
    this.stepping = true;
    const askCount = Math.min(this.steps === 0 ? this.config.firstAskCount : this.config.batchSize, this.remainingEvaluations());
    const toldIds = this.buffer;
    this.buffer = [];
    const told = toldIds.map((id) => toObservation(this.store.trial(id)!, this.config.direction));
    const pendingIds = [...this.running, ...this.queued];
    const pending: PendingPoint[] = pendingIds.map((id) => ({ id, u: this.points.get(id)! }));
    await this.optimizerReady;
    const reply = await this.optimizer.step(told, askCount, pending);
    if (this.ended) return;
    if (reply.proposals.length === 0) throw new Error(`the optimizer proposed no point when asked for ${askCount}`);
    const trials: NewTrial[] = reply.proposals.map((p) => this.newTrial(p));
    const step = this.store.recordStep({
      told: toldIds,
      askCount,
      pending: pendingIds,
      trials,
      state: reply.state,
      model: reply.model,
      seconds: reply.seconds,
    });
    this.steps = step;
    this.created += trials.length;
    for (const t of trials) {
      this.remember(t.id, t.u, t.params, t.seed);
      this.queued.add(t.id);
      this.toDispatch.push(t.id);
    }
    this.stepping = false;
    this.onEvent({ type: 'step', step, told: toldIds.length, proposals: reply.proposals, seconds: reply.seconds, state: reply.state });
    this.advance();
  }

  private newTrial(p: Proposal): NewTrial {
    return {
      id: p.id,
      params: p.params,
      u: Array.from(p.u),
      uEvaluated: Array.from(this.space.canonical(p.u)),
      seed: trialSeed(this.config.studySeed, p.id),
      info: {
        phase: p.info.phase,
        batchId: p.info.batchId,
        trustRegionLength: p.info.trustRegionLength ?? null,
        successCount: p.info.successCount ?? null,
        failureCount: p.info.failureCount ?? null,
        restartCount: p.info.restartCount ?? null,
        modelId: p.info.modelId ?? null,
      },
    };
  }

  private considerBest(t: TrialRow): void {
    if (t.state === 'failed' || !t.feasible || t.objective === null) return;
    const sign = this.config.direction === 'maximize' ? 1 : -1;
    if (this.best === null || sign * t.objective > sign * this.best.objective!) this.best = t;
  }

  /** No trial starts any more; queued ones stay queued for a later resume with a larger budget. */
  private spendBudget(reason: string): void {
    if (this.budgetOver || this.ended) return;
    this.budgetOver = true;
    this.store.addEvent('budget', reason);
    this.onEvent({ type: 'budget', reason });
    void (async () => {
      // Withdraw points waiting at a broker, so no worker starts them after the budget.
      const waiting = [...this.queued].filter((id) => !this.toDispatch.includes(id));
      const withdrawn = await this.executor.cancel(waiting, reason);
      this.markCancelled(withdrawn, reason);
      if (this.config.onBudget === 'cancel') await this.cancelRunning(reason);
      this.advance();
    })().catch((err: Error) => this.fail(err));
  }

  private async cancelRunning(reason: string): Promise<void> {
    const stopped = await this.executor.cancel([...this.running], reason);
    this.markCancelled(stopped, reason);
  }

  private markCancelled(ids: number[], reason: string): void {
    for (const id of ids) {
      const row = this.store.trial(id);
      if (!row || !this.store.recordCancelled(id, row.attempts, reason)) continue;
      this.running.delete(id);
      this.queued.add(id);
      if (!this.toDispatch.includes(id)) this.toDispatch.unshift(id);
    }
  }

  private maybeEnd(): void {
    if (this.ended || this.stepping) return;
    if (this.budgetOver) {
      if (this.running.size === 0 || (this.config.onBudget === 'cancel' && !this.executor.runsDieWithMaster)) this.end('budget');
      return;
    }
    if (this.remainingEvaluations() <= 0 && this.queued.size === 0 && this.running.size === 0) {
      this.store.markFinished(true);
      this.end('finished');
    }
  }

  private end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.settle.resolve(reason);
  }

  private fail(err: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.settle.reject(err);
  }
}
