/**
 * A worker process (`spikeopt worker`): pulls trial jobs for the one objective it was started with, runs each in
 * a worker thread (so this thread stays free to renew the job's lock and send heartbeats) and reports to the
 * study's result queue. Jobs are data only and validated: wrong shape, another objective or parameters outside
 * the objective's space are rejected without running anything.
 *
 * A killed worker is noticed by BullMQ's stall check (its lock is not renewed): with maxStalledCount 0 the job is
 * failed at the first stall and the master retries the trial as a new attempt, which it counts and bounds.
 */
import { hostname } from 'node:os';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { nowIso } from '../../storage/time.js';
import { resolveObjective, objectiveKey, type ObjectiveRef } from '../../study/registry.js';
import type { Objective } from '../../study/objective.js';
import { toTrialResult } from '../executor.js';
import { ThreadPool } from '../thread-pool.js';
import { throttledLog } from './throttled-log.js';
import { brokerClient, brokerOptions, checkBroker, redact, type BrokerConfig } from './broker.js';
import {
  describeInvalid,
  heartbeatKey,
  PROTOCOL_VERSION,
  resultQueueName,
  trialJobSchema,
  trialQueueName,
  type FinishedMessage,
  type Heartbeat,
  type StartedMessage,
} from './protocol.js';

export interface RemoteWorkerOptions {
  broker: BrokerConfig;
  prefix: string;
  objective: ObjectiveRef;
  /** Trials run at once (one thread each). */
  concurrency: number;
  /** BullMQ job lock: a worker silent this long is presumed dead. */
  lockSeconds: number;
  /** How often this worker checks the queue for jobs of dead workers. */
  stalledSeconds: number;
  heartbeatSeconds: number;
  /** Worker id (default host-pid). */
  id?: string;
  log?: (line: string) => void;
}

export class RemoteWorker {
  readonly id: string;
  private readonly host = hostname();
  private readonly log: (line: string) => void;
  private objective: Objective | null = null;
  private key = '';
  private pool: ThreadPool | null = null;
  private worker: Worker | null = null;
  private client: Redis | null = null;
  private readonly resultQueues = new Map<string, Queue>();
  private readonly busy = new Map<string, { studyId: string; trialId: number }>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly startedAt = nowIso();
  private closing = false;
  /** Trials this worker finished (for its own log). */
  completed = 0;

  constructor(private readonly options: RemoteWorkerOptions) {
    this.id = options.id ?? `${this.host}-${process.pid}`;
    this.log = throttledLog(options.log ?? (() => {}));
  }

  /** The queue key this worker serves (known once started). */
  get objectiveKey(): string {
    return this.key;
  }

  /** Loads the objective, starts the threads, checks the broker and starts taking jobs. */
  async start(): Promise<void> {
    const o = this.options;
    this.objective = await resolveObjective(o.objective);
    this.key = objectiveKey(o.objective, this.objective);
    await checkBroker(o.broker);
    this.pool = new ThreadPool({ size: o.concurrency, objective: o.objective, idPrefix: `${this.id}/` });
    await this.pool.start();
    this.client = brokerClient(o.broker, (err) => !this.closing && this.log(`broker: ${err.message}`));
    const connection = brokerOptions(o.broker) as ConnectionOptions;
    this.worker = new Worker(trialQueueName(this.key), async (job: Job) => this.process(job), {
      connection,
      prefix: o.prefix,
      concurrency: o.concurrency,
      lockDuration: o.lockSeconds * 1000,
      stalledInterval: o.stalledSeconds * 1000,
      maxStalledCount: 0,
      name: this.id,
    });
    this.worker.on('error', (err) => !this.closing && this.log(`broker: ${err.message}`));
    this.heartbeat = setInterval(() => void this.beat(), o.heartbeatSeconds * 1000);
    await this.beat();
    this.log(`worker ${this.id} serving '${this.key}' from ${redact(o.broker.url)} (queue ${o.prefix}:${trialQueueName(this.key)}, ${o.concurrency} thread${o.concurrency > 1 ? 's' : ''})`);
  }

  /** Stops taking jobs; by default waits for the running ones to finish and report. */
  async close(force = false): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (force) await this.pool?.close();
    await this.worker?.close(force);
    await this.pool?.close();
    await Promise.allSettled([...this.resultQueues.values()].map((q) => q.close()));
    if (this.client) {
      await this.client.del(heartbeatKey(this.options.prefix, this.id)).catch(() => {});
      this.client.disconnect();
    }
  }

  private resultQueue(studyId: string): Queue {
    let q = this.resultQueues.get(studyId);
    if (!q) {
      q = new Queue(resultQueueName(studyId), { connection: brokerOptions(this.options.broker) as ConnectionOptions, prefix: this.options.prefix });
      q.on('error', (err) => !this.closing && this.log(`broker: ${err.message}`));
      this.resultQueues.set(studyId, q);
    }
    return q;
  }

  /** Runs one trial job; throws (failing the job, so the master retries elsewhere) when the job is rejected. */
  private async process(job: Job): Promise<FinishedMessage> {
    const parsed = trialJobSchema.safeParse(job.data);
    if (!parsed.success) throw new Error(`rejected by ${this.id}: invalid trial job (${describeInvalid(parsed.error)})`);
    const t = parsed.data;
    if (t.objective !== this.key) throw new Error(`rejected by ${this.id}: it serves '${this.key}', not '${t.objective}'`);
    try {
      this.objective!.space.validateValues(t.params, `the parameters of trial ${t.trialId}`);
    } catch (err) {
      throw new Error(`rejected by ${this.id}: ${(err as Error).message}`);
    }
    const pool = this.pool!;
    while (pool.idle === 0) await pool.waitForIdle();
    const identity = { v: PROTOCOL_VERSION, studyId: t.studyId, trialId: t.trialId, attempt: t.attempt, workerId: this.id, host: this.host, pid: process.pid };
    const { threadId, result } = pool.run({ trialId: t.trialId, attempt: t.attempt, seed: t.seed, params: t.params }, t.timeoutSeconds);
    this.busy.set(threadId, { studyId: t.studyId, trialId: t.trialId });
    try {
      const started: StartedMessage = { kind: 'started', ...identity, at: nowIso() };
      await this.resultQueue(t.studyId).add('started', started, { removeOnComplete: true, removeOnFail: true });
      const r = await result;
      if (r.kind === 'lost') throw new Error(`the evaluation thread of ${this.id} died: ${r.reason}`);
      if (r.kind === 'cancelled') throw new Error(`${this.id} stopped before the trial ended: ${r.reason}`);
      const finished: FinishedMessage =
        r.kind === 'timeout'
          ? {
              kind: 'finished',
              ...identity,
              startedAt: r.startedAt,
              finishedAt: r.finishedAt,
              timedOut: true,
              outcome: { status: 'failed', objective: null, constraints: null, feasible: false, metrics: null, error: `timed out after ${r.seconds} s`, seconds: r.seconds },
            }
          : { kind: 'finished', ...identity, startedAt: r.startedAt, finishedAt: r.finishedAt, timedOut: false, outcome: toTrialResult(r.outcome) };
      // Reported twice on purpose: as a message (fast path) and as the job's return value (read back by the
      // master's reconciliation if the message is lost).
      await this.resultQueue(t.studyId).add('finished', finished, { removeOnComplete: true, removeOnFail: true });
      this.completed++;
      const how = finished.timedOut ? 'timed out' : finished.outcome.status === 'failed' ? `failed (${finished.outcome.error})` : `objective ${finished.outcome.objective}`;
      this.log(`study ${t.studyId} trial ${t.trialId} attempt ${t.attempt}: ${how} in ${finished.outcome.seconds.toFixed(2)} s`);
      return finished;
    } finally {
      this.busy.delete(threadId);
    }
  }

  private async beat(): Promise<void> {
    if (!this.client || this.closing) return;
    const hb: Heartbeat = {
      v: PROTOCOL_VERSION,
      id: this.id,
      host: this.host,
      pid: process.pid,
      objective: this.key,
      concurrency: this.options.concurrency,
      busy: [...this.busy.values()],
      startedAt: this.startedAt,
      at: nowIso(),
    };
    const ttl = Math.max(1, Math.ceil(this.options.heartbeatSeconds * 3));
    await this.client.set(heartbeatKey(this.options.prefix, this.id), JSON.stringify(hb), 'EX', ttl).catch(() => {});
  }
}
