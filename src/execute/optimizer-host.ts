/**
 * The master's handle on its optimizer thread: tell/ask calls become promises, so the master keeps dispatching
 * queued trials, recording results and renewing heartbeats while a batch is being proposed. Calls are answered
 * in the order they were made.
 */
import type { Worker } from 'node:worker_threads';
import type { OptimizerReply, OptimizerRequest, OptimizerSpec, ReplayReply, ReplayStep, StepReply } from './optimizer-protocol.js';
import type { Observation, PendingPoint } from '../optimize/types.js';
import { siblingModule, spawnThread } from './spawn-thread.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Waiter = { resolve: (reply: OptimizerReply) => void; reject: (err: Error) => void };

export class OptimizerHost {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor(spec: OptimizerSpec) {
    this.worker = spawnThread(siblingModule(import.meta.url, 'optimizer-thread'), { workerData: spec, name: 'optimizer' });
    this.worker.on('message', (reply: OptimizerReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (reply.type === 'error') {
        const err = new Error(`optimizer: ${reply.message}`);
        if (reply.stack) err.stack = reply.stack;
        waiter.reject(err);
      } else {
        waiter.resolve(reply);
      }
    });
    this.worker.on('error', (err) => this.fail(new Error(`optimizer thread failed: ${err.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`optimizer thread exited (code ${code})`)));
  }

  /** Replays journaled calls (on resume); resolves once the optimizer is in the state it had after them. */
  async replay(steps: ReplayStep[], firstStep: number): Promise<ReplayReply> {
    const reply = await this.request({ type: 'replay', steps, firstStep });
    if (reply.type !== 'replay') throw new Error('optimizer: unexpected reply to replay');
    return reply.reply;
  }

  /** Tells the optimizer the given results, then asks for `askCount` points knowing the pending ones. */
  async step(told: Observation[], askCount: number, pending: PendingPoint[]): Promise<StepReply> {
    const reply = await this.request({ type: 'step', told, askCount, pending });
    if (reply.type !== 'step') throw new Error('optimizer: unexpected reply to step');
    return reply.reply;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('optimizer closed');
    await this.worker.terminate();
  }

  private request(body: DistributiveOmit<OptimizerRequest, 'id'>): Promise<OptimizerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<OptimizerReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id } as OptimizerRequest);
    });
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}
