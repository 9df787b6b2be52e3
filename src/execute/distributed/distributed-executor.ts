/**
 * The master's side of distributed execution. Trials are published as BullMQ jobs for any worker serving the
 * objective; workers report through the study's result queue, which the master consumes one message at a time.
 *
 * The broker is not trusted to keep anything: a reconciliation pass (every `reconcileSeconds`, and first thing
 * after a resume) checks each trial the study believes in flight against its job:
 * - completed, but its result message never arrived: the job's return value is recorded instead;
 * - failed (a worker died and BullMQ's stall check gave the job up, or a worker rejected it): the attempt is lost
 *   and the dispatcher retries the trial as a new job, up to the study's attempt limit;
 * - missing (Redis restarted without persistence, or a publish failed): the job is published again under the
 *   same id (publishing twice is harmless: BullMQ ignores a job id it already holds).
 * Results are recorded idempotently by trial id, so a job that ran twice never yields two results.
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { timeoutResult, type Executor, type ExecutorEvents, type OpenAttempt, type TrialTicket, type WorkerBeat } from '../executor.js';
import { throttledLog } from './throttled-log.js';
import { brokerClient, brokerOptions, checkBroker, redact, type BrokerConfig } from './broker.js';
import {
  describeInvalid,
  finishedMessageSchema,
  heartbeatKey,
  heartbeatSchema,
  jobId,
  MAX_MESSAGE_CHARS,
  PROTOCOL_VERSION,
  resultQueueName,
  trialQueueName,
  workerMessageSchema,
  type FinishedMessage,
  type TrialJob,
} from './protocol.js';

export interface DistributedExecutorOptions {
  broker: BrokerConfig;
  prefix: string;
  studyId: string;
  objectiveKey: string;
  trialTimeoutSeconds: number | null;
  reconcileSeconds: number;
  heartbeatSeconds: number;
  /** Parameters and seed of a trial, for republishing trials adopted from a previous master. */
  ticketFor: (trialId: number) => Omit<TrialTicket, 'attempt'> | null;
  /** Where to report broker trouble (connection errors, malformed messages). */
  log?: (line: string) => void;
}

interface InFlight {
  attempt: number;
  jobId: string;
  /** Published again after its job vanished: its job may run after another copy already finished. */
  republished: boolean;
}

/** Keep finished jobs a week, so that a master down for days still finds their results on resume. */
const KEEP = { age: 7 * 24 * 3600, count: 20_000 };

export class DistributedExecutor implements Executor {
  readonly kind = 'distributed';
  readonly runsDieWithMaster = false;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly tickets = new Map<number, TrialTicket>();
  private queue: Queue | null = null;
  private results: Worker | null = null;
  private client: Redis | null = null;
  private events: ExecutorEvents | null = null;
  private timers: NodeJS.Timeout[] = [];
  private reconciling = false;
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(private readonly options: DistributedExecutorOptions) {
    this.log = throttledLog(options.log ?? (() => {}));
  }

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
    const o = this.options;
    await checkBroker(o.broker);
    // ioredis's option type and BullMQ's copy of it differ only in typing details.
    const connection = brokerOptions(o.broker) as ConnectionOptions;
    const onError = (what: string) => (err: Error) => {
      if (!this.closed) this.log(`broker (${what}): ${err.message}`);
    };
    this.queue = new Queue(trialQueueName(o.objectiveKey), { connection, prefix: o.prefix });
    this.queue.on('error', onError('trial queue'));
    this.results = new Worker(resultQueueName(o.studyId), async (job: Job) => this.onMessage(job), {
      connection,
      prefix: o.prefix,
      concurrency: 1,
      // Recording a message is idempotent, so a message handled twice after a stall is harmless.
      maxStalledCount: 100,
      removeOnComplete: { count: 0 },
      removeOnFail: KEEP,
    });
    this.results.on('error', onError('result queue'));
    this.client = brokerClient(o.broker, onError('heartbeats'));
    this.timers.push(setInterval(() => void this.reconcile(), o.reconcileSeconds * 1000));
    this.timers.push(setInterval(() => void this.readHeartbeats(), o.heartbeatSeconds * 1000));
    for (const t of this.timers) t.unref();
    this.log(`publishing to ${redact(o.broker.url)}, queue ${o.prefix}:${trialQueueName(o.objectiveKey)}`);
    void this.reconcile();
    void this.readHeartbeats();
  }

  /** Remote workers carry on without the master: every open attempt is adopted, and the first reconciliation settles it. */
  recover(open: OpenAttempt[]): { trialId: number; attempt: number; reason: string }[] {
    for (const a of open) this.inFlight.set(a.trialId, { attempt: a.attempt, jobId: jobId(this.options.studyId, a.trialId, a.attempt), republished: false });
    return [];
  }

  capacity(): number {
    return Infinity;
  }

  submit(ticket: TrialTicket): void {
    const id = jobId(this.options.studyId, ticket.trialId, ticket.attempt);
    this.inFlight.set(ticket.trialId, { attempt: ticket.attempt, jobId: id, republished: false });
    this.tickets.set(ticket.trialId, ticket);
    void this.publish(ticket, id);
  }

  async cancel(trialIds: number[], reason: string): Promise<number[]> {
    const removed: number[] = [];
    for (const trialId of trialIds) {
      const f = this.inFlight.get(trialId);
      if (!f || !this.queue) continue;
      try {
        const state = await this.queue.getJobState(f.jobId);
        if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'unknown') {
          if (state !== 'unknown') await this.queue.remove(f.jobId);
          this.inFlight.delete(trialId);
          removed.push(trialId);
        }
      } catch (err) {
        this.log(`could not withdraw trial ${trialId} (${reason}): ${(err as Error).message}`);
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([this.results?.close(), this.queue?.close()]);
    this.client?.disconnect();
  }

  private job(ticket: TrialTicket): TrialJob {
    return {
      v: PROTOCOL_VERSION,
      studyId: this.options.studyId,
      trialId: ticket.trialId,
      attempt: ticket.attempt,
      seed: ticket.seed,
      objective: this.options.objectiveKey,
      params: ticket.params,
      timeoutSeconds: this.options.trialTimeoutSeconds,
    };
  }

  private async publish(ticket: TrialTicket, id: string): Promise<void> {
    try {
      await this.queue!.add('trial', this.job(ticket), { jobId: id, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
    } catch (err) {
      // The trial stays in flight; reconciliation publishes it again once the broker answers.
      if (!this.closed) this.log(`publishing trial ${ticket.trialId} failed (will retry): ${(err as Error).message}`);
    }
  }

  /** Handles one message from the result queue. Malformed messages are dropped with a log line. */
  private onMessage(job: Job): void {
    const size = JSON.stringify(job.data ?? null).length;
    if (size > MAX_MESSAGE_CHARS) {
      this.log(`dropped a worker message of ${size} characters (limit ${MAX_MESSAGE_CHARS})`);
      return;
    }
    const parsed = workerMessageSchema.safeParse(job.data);
    if (!parsed.success) {
      this.log(`dropped a malformed worker message (${describeInvalid(parsed.error)})`);
      return;
    }
    const m = parsed.data;
    if (m.studyId !== this.options.studyId) return;
    if (m.kind === 'started') {
      this.events!.started({ trialId: m.trialId, attempt: m.attempt, workerId: m.workerId, host: m.host, pid: m.pid, at: m.at });
    } else {
      this.onFinished(m);
    }
  }

  private onFinished(m: FinishedMessage): void {
    const f = this.inFlight.get(m.trialId);
    if (f) {
      this.inFlight.delete(m.trialId);
      this.tickets.delete(m.trialId);
      // Another copy of this trial may still wait in the queue: withdraw it (a running copy cannot be, and its
      // result will be a duplicate).
      if (f.attempt !== m.attempt || f.republished) void this.queue?.remove(f.jobId).catch(() => {});
    }
    const o = m.outcome;
    const elapsed = (Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000;
    this.events!.finished({
      trialId: m.trialId,
      result: m.timedOut
        ? timeoutResult(this.options.trialTimeoutSeconds ?? elapsed, elapsed)
        : { status: o.status, objective: o.objective, constraints: o.constraints, feasible: o.feasible, metrics: o.metrics, error: o.error, seconds: o.seconds },
      by: { attempt: m.attempt, workerId: m.workerId, host: m.host, startedAt: m.startedAt, finishedAt: m.finishedAt },
      ...(m.timedOut ? { outcome: 'timeout' as const } : {}),
    });
  }

  /** Checks every trial in flight against its job (see the module comment). */
  private async reconcile(): Promise<void> {
    if (this.reconciling || this.closed || !this.queue) return;
    this.reconciling = true;
    try {
      for (const [trialId, f] of [...this.inFlight]) {
        if (this.closed) return;
        if (this.inFlight.get(trialId) !== f) continue;
        const state = await this.queue.getJobState(f.jobId);
        if (state === 'completed') {
          const job = await this.queue.getJob(f.jobId);
          const parsed = finishedMessageSchema.safeParse(job?.returnvalue);
          if (parsed.success && parsed.data.studyId === this.options.studyId && parsed.data.trialId === trialId) this.onFinished(parsed.data);
          else this.lose(trialId, f, 'its job completed without a valid result');
        } else if (state === 'failed') {
          const job = await this.queue.getJob(f.jobId);
          this.lose(trialId, f, job?.failedReason ? `its job failed: ${job.failedReason}` : 'its job failed');
        } else if (state === 'unknown') {
          await this.republish(trialId, f);
        }
      }
    } catch (err) {
      if (!this.closed) this.log(`reconciliation paused: ${(err as Error).message}`);
    } finally {
      this.reconciling = false;
    }
  }

  private lose(trialId: number, f: InFlight, reason: string): void {
    this.inFlight.delete(trialId);
    this.tickets.delete(trialId);
    this.events!.lost({ trialId, attempt: f.attempt, reason });
  }

  /** The broker no longer holds the job: publish the same attempt again. */
  private async republish(trialId: number, f: InFlight): Promise<void> {
    let ticket = this.tickets.get(trialId);
    if (!ticket) {
      const known = this.options.ticketFor(trialId);
      if (!known) return;
      ticket = { ...known, attempt: f.attempt };
      this.tickets.set(trialId, ticket);
    }
    f.republished = true;
    await this.queue!.add('trial', this.job(ticket), { jobId: f.jobId, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
    this.events!.requeued({ trialId, attempt: f.attempt, reason: 'the broker no longer held its job (Redis restarted or a publish failed)' });
  }

  private async readHeartbeats(): Promise<void> {
    if (!this.client || this.closed) return;
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await this.client.scan(cursor, 'MATCH', heartbeatKey(this.options.prefix, '*'), 'COUNT', 200);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0' && keys.length < 10_000);
      if (keys.length === 0) return;
      const values = await this.client.mget(...keys);
      const beats: WorkerBeat[] = [];
      for (const text of values) {
        if (text === null || text.length > 1_000_000) continue;
        let data: unknown;
        try {
          data = JSON.parse(text);
        } catch {
          continue;
        }
        const parsed = heartbeatSchema.safeParse(data);
        if (!parsed.success || parsed.data.objective !== this.options.objectiveKey) continue;
        const hb = parsed.data;
        const mine = hb.busy.find((b) => b.studyId === this.options.studyId);
        beats.push({
          id: hb.id,
          kind: 'remote',
          host: hb.host,
          pid: hb.pid,
          state: hb.busy.length === 0 ? 'idle' : mine ? 'busy' : 'busy (another study)',
          currentTrial: mine?.trialId ?? null,
          at: hb.at,
        });
      }
      if (beats.length > 0 && !this.closed) this.events!.workers(beats);
    } catch (err) {
      if (!this.closed) this.log(`reading heartbeats failed: ${(err as Error).message}`);
    }
  }
}
