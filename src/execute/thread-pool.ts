/**
 * A fixed pool of trial threads, one trial per thread at a time. It knows which thread runs which trial, which
 * gives three things a generic task pool does not: a per-trial timeout that terminates exactly the thread running
 * it, detection of a thread that died mid-trial (the trial is reported lost, not failed, so it can be retried), and
 * worker identities for the study record. A thread that ends for any reason is replaced.
 */
import type { Worker } from 'node:worker_threads';
import { nowIso } from '../storage/time.js';
import type { TrialOutcome } from '../study/evaluate.js';
import type { ObjectiveRef } from '../study/registry.js';
import { UserError } from '../util/errors.js';
import { isTypeScriptFile, siblingModule, spawnThread } from './spawn-thread.js';
import type { ThreadMessage, ThreadTask, TrialThreadData } from './thread-protocol.js';

/** How a trial handed to the pool ended. */
export type PoolResult =
  | { kind: 'result'; outcome: TrialOutcome; startedAt: string; finishedAt: string }
  | { kind: 'timeout'; seconds: number; startedAt: string; finishedAt: string }
  | { kind: 'lost'; reason: string; startedAt: string; finishedAt: string }
  | { kind: 'cancelled'; reason: string };

export interface ThreadPoolOptions {
  size: number;
  objective: ObjectiveRef;
  /** Thread ids are `${idPrefix}${k}` for k = 1..size. */
  idPrefix: string;
  /** A thread became free (after a result, or once a replacement thread has loaded the objective). */
  onIdle?: () => void;
  /** A replacement thread could not load the objective: the pool cannot go on. */
  onFatal?: (error: Error) => void;
}

interface Running {
  task: ThreadTask;
  startedAt: string;
  resolve: (r: PoolResult) => void;
  timer: NodeJS.Timeout | null;
}

interface Slot {
  id: string;
  worker: Worker;
  ready: boolean;
  running: Running | null;
  /** Set just before the pool terminates the thread on purpose: how the running trial ended. */
  ending: PoolResult | null;
  lastError: string | null;
  /** The thread could not load the objective: it is not replaced. */
  broken: boolean;
}

export class ThreadPool {
  private readonly slots: Slot[] = [];
  private closed = false;
  private readonly entry = siblingModule(import.meta.url, 'trial-thread');
  private readonly needsTypeScript: boolean;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: ThreadPoolOptions) {
    if (!(Number.isInteger(options.size) && options.size >= 1)) throw new RangeError(`thread pool size must be a positive integer, got ${options.size}`);
    this.needsTypeScript = options.objective.kind === 'module' && isTypeScriptFile(options.objective.path);
  }

  /**
   * Starts every thread and waits until each has loaded the objective.
   * @throws UserError when the objective cannot be loaded in a thread.
   */
  async start(): Promise<void> {
    const loads: Promise<void>[] = [];
    for (let k = 1; k <= this.options.size; k++) {
      const { slot, loaded } = this.spawn(`${this.options.idPrefix}${k}`);
      this.slots.push(slot);
      loads.push(loaded);
    }
    try {
      await Promise.all(loads);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Resolves when a thread is ready for a trial (at once if one is). */
  waitForIdle(): Promise<void> {
    if (this.idle > 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Number of threads ready for a trial. */
  get idle(): number {
    let n = 0;
    for (const s of this.slots) if (s.ready && s.running === null) n++;
    return n;
  }

  /** Each thread's id and the trial it runs (null when idle). */
  status(): { id: string; trialId: number | null; ready: boolean }[] {
    return this.slots.map((s) => ({ id: s.id, trialId: s.running?.task.trialId ?? null, ready: s.ready }));
  }

  /**
   * Starts a trial on an idle thread.
   * @param timeoutSeconds terminate the thread (and report a timeout) after this long; null for no limit.
   * @returns the thread's id and a promise of how the trial ended (it never rejects).
   * @throws Error when no thread is idle.
   */
  run(task: ThreadTask, timeoutSeconds: number | null): { threadId: string; result: Promise<PoolResult> } {
    const slot = this.slots.find((s) => s.ready && s.running === null);
    if (!slot || this.closed) throw new Error('ThreadPool.run: no idle thread');
    const startedAt = nowIso();
    const result = new Promise<PoolResult>((resolve) => {
      const running: Running = { task, startedAt, resolve, timer: null };
      if (timeoutSeconds !== null) {
        running.timer = setTimeout(() => {
          this.end(slot, { kind: 'timeout', seconds: timeoutSeconds, startedAt, finishedAt: nowIso() });
        }, timeoutSeconds * 1000);
      }
      slot.running = running;
    });
    slot.worker.postMessage(task);
    return { threadId: slot.id, result };
  }

  /** Stops the thread running a trial; the trial ends as cancelled. Returns false when no thread runs it. */
  cancel(trialId: number, reason: string): boolean {
    const slot = this.slots.find((s) => s.running?.task.trialId === trialId);
    if (!slot) return false;
    this.end(slot, { kind: 'cancelled', reason });
    return true;
  }

  /** Terminates every thread; trials still running end as cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map((slot) => {
        if (slot.running) this.settle(slot, { kind: 'cancelled', reason: 'the thread pool was closed' });
        return slot.worker.terminate();
      }),
    );
  }

  private spawn(id: string): { slot: Slot; loaded: Promise<void> } {
    const data: TrialThreadData = { objective: this.options.objective };
    const worker = spawnThread(this.entry, { workerData: data, name: id }, this.needsTypeScript);
    const slot: Slot = { id, worker, ready: false, running: null, ending: null, lastError: null, broken: false };
    let loadedOnce = false;
    const loaded = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: ThreadMessage) => {
        if (message.type === 'ready') {
          loadedOnce = true;
          slot.ready = true;
          resolve();
          this.becameIdle();
        } else if (message.type === 'init-error') {
          slot.broken = true;
          reject(new UserError(`The objective could not be loaded in a worker thread: ${message.message.replace(/\.$/, '')}.`));
          void worker.terminate();
        } else if (message.type === 'result' && slot.running?.task.trialId === message.trialId) {
          this.settle(slot, { kind: 'result', outcome: message.outcome, startedAt: message.startedAt, finishedAt: message.finishedAt });
          // After the result's own handlers (already queued as microtasks by settle), so that whoever is told
          // "a thread is free" has already seen the result of the trial that freed it.
          queueMicrotask(() => this.becameIdle());
        }
      });
      worker.on('error', (err) => {
        slot.lastError = err.message;
        // A thread that never got ready cannot load the objective; replacing it would fail the same way.
        if (!loadedOnce) slot.broken = true;
        reject(new UserError(`A worker thread failed while loading the objective: ${err.message.replace(/\.$/, '')}.`));
      });
      worker.on('exit', (code) => this.onExit(slot, code));
    });
    return { slot, loaded };
  }

  private becameIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    this.options.onIdle?.();
  }

  /** Terminates a slot's thread on purpose; its running trial ends as `how`. */
  private end(slot: Slot, how: PoolResult): void {
    slot.ending = how;
    slot.ready = false;
    void slot.worker.terminate();
  }

  private settle(slot: Slot, result: PoolResult): void {
    const running = slot.running;
    if (!running) return;
    if (running.timer) clearTimeout(running.timer);
    slot.running = null;
    running.resolve(result);
  }

  private onExit(slot: Slot, code: number): void {
    slot.ready = false;
    if (slot.running) {
      const reason = slot.lastError ?? `its thread exited with code ${code}`;
      this.settle(slot, slot.ending ?? { kind: 'lost', reason, startedAt: slot.running.startedAt, finishedAt: nowIso() });
    }
    if (this.closed || slot.broken) return;
    // Replace the thread in the same slot, keeping its id.
    const index = this.slots.indexOf(slot);
    const { slot: fresh, loaded } = this.spawn(slot.id);
    this.slots[index] = fresh;
    loaded.catch((err: Error) => {
      if (!this.closed) this.options.onFatal?.(err);
    });
  }
}
