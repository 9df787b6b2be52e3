/**
 * The embedded executor: trials run on a pool of worker threads inside the master process.
 */
import { hostname } from 'node:os';
import type { ObjectiveRef } from '../study/registry.js';
import { timeoutResult, toTrialResult, type Executor, type ExecutorEvents, type OpenAttempt, type TrialTicket } from './executor.js';
import { ThreadPool, type PoolResult } from './thread-pool.js';

export interface LocalExecutorOptions {
  workers: number;
  objective: ObjectiveRef;
  trialTimeoutSeconds: number | null;
  heartbeatSeconds: number;
}

export class LocalExecutor implements Executor {
  readonly kind = 'local';
  readonly runsDieWithMaster = true;
  private readonly host = hostname();
  private pool: ThreadPool | null = null;
  private events: ExecutorEvents | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly options: LocalExecutorOptions) {}

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
    this.pool = new ThreadPool({
      size: this.options.workers,
      objective: this.options.objective,
      idPrefix: 'thread-',
      onIdle: () => events.capacity(),
      onFatal: (err) => events.fatal(err),
    });
    await this.pool.start();
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatSeconds * 1000);
    this.heartbeat.unref();
  }

  /** Threads do not outlive their master: every attempt left open by a previous master was lost with it. */
  recover(open: OpenAttempt[]): { trialId: number; attempt: number; reason: string }[] {
    return open.map((a) => ({ trialId: a.trialId, attempt: a.attempt, reason: 'the master stopped while it ran' }));
  }

  capacity(): number {
    return this.pool?.idle ?? 0;
  }

  submit(ticket: TrialTicket): void {
    const pool = this.pool!;
    const events = this.events!;
    const { threadId, result } = pool.run(
      { trialId: ticket.trialId, attempt: ticket.attempt, seed: ticket.seed, params: ticket.params },
      this.options.trialTimeoutSeconds,
    );
    events.started({ trialId: ticket.trialId, attempt: ticket.attempt, workerId: threadId, host: this.host, pid: process.pid, at: new Date().toISOString() });
    void result.then((r) => this.report(ticket, threadId, r));
  }

  async cancel(trialIds: number[], reason: string): Promise<number[]> {
    return trialIds.filter((id) => this.pool?.cancel(id, reason));
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.pool?.close();
  }

  private report(ticket: TrialTicket, threadId: string, r: PoolResult): void {
    const events = this.events!;
    const by = (startedAt: string, finishedAt: string) => ({ attempt: ticket.attempt, workerId: threadId, host: this.host, startedAt, finishedAt });
    switch (r.kind) {
      case 'result':
        events.finished({ trialId: ticket.trialId, result: toTrialResult(r.outcome), by: by(r.startedAt, r.finishedAt) });
        break;
      case 'timeout': {
        const elapsed = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
        events.finished({ trialId: ticket.trialId, result: timeoutResult(r.seconds, elapsed), by: by(r.startedAt, r.finishedAt), outcome: 'timeout' });
        break;
      }
      case 'lost':
        events.lost({ trialId: ticket.trialId, attempt: ticket.attempt, reason: `thread ${threadId} died: ${r.reason}` });
        break;
      case 'cancelled':
        break; // whoever cancelled it has recorded why
    }
  }

  private beat(): void {
    if (!this.pool || !this.events) return;
    this.events.workers(
      this.pool.status().map((s) => ({
        id: s.id,
        kind: 'thread' as const,
        host: this.host,
        pid: process.pid,
        state: s.trialId !== null ? 'busy' : s.ready ? 'idle' : 'starting',
        currentTrial: s.trialId,
      })),
    );
  }
}
