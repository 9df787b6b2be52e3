/**
 * Network replicas that process a batch's samples: one in this thread, or one per worker thread, each taking a
 * contiguous share of the batch. Parameters are shared read-only through a SharedArrayBuffer; each thread sums
 * its samples' gradients into its own shared buffer, and the caller adds those up. Every random choice of a
 * sample (its dropout masks) comes from the sample's own seed, so results do not depend on the thread count.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { SpikeTrains } from '../data/spikes.js';
import { Rng } from '../util/rng.js';
import { siblingModule, spawnThread } from '../execute/spawn-thread.js';
import type { LossName } from './loss.js';
import { SlayerNetwork, type ReplicaOptions, type SlayerNetworkConfig } from './network.js';

/** One sample of a batch. */
export interface BatchSample {
  trains: SpikeTrains;
  label: number;
  /** Seed of the sample's dropout masks (training). */
  seed: number;
}

/** What a sample gave. */
export interface SampleOutcome {
  loss: number;
  prediction: number;
  blockSpikes: Int32Array;
}

export interface ReplicaSet {
  readonly threads: number;
  /** Bytes of engine buffers per replica (one sample's activations, weights, gradients). */
  readonly replicaBytes: number;
  /**
   * Runs the samples with parameters `params`: training (forward, loss, backward; the summed gradient is
   * written to `grad`) or evaluation (forward only, no dropout; `grad` untouched).
   */
  run(params: Float64Array, samples: BatchSample[], training: boolean, loss: LossName, grad: Float64Array): Promise<SampleOutcome[]>;
  close(): Promise<void>;
}

/** Runs a contiguous share of a batch on one replica (used in this thread and inside worker threads). */
export function runOnReplica(net: SlayerNetwork, samples: BatchSample[], training: boolean, loss: LossName): SampleOutcome[] {
  if (training) net.zeroGradients();
  return samples.map((s) => {
    const r = training ? net.trainSample(s.trains, s.label, loss, new Rng(s.seed)) : net.forward(s.trains, null);
    return { loss: r.loss, prediction: r.prediction, blockSpikes: r.blockSpikes };
  });
}

/** One replica in the calling thread. */
export class LocalReplicas implements ReplicaSet {
  readonly threads = 1;
  readonly net: SlayerNetwork;
  /** The parameters the replica holds: loading them (weight transposes, FFT spectra) only when they change. */
  private loaded: Float64Array | null = null;
  constructor(config: SlayerNetworkConfig, options: ReplicaOptions = {}) {
    this.net = new SlayerNetwork(config, options);
  }
  get replicaBytes(): number {
    return this.net.memoryBytes;
  }
  async run(params: Float64Array, samples: BatchSample[], training: boolean, loss: LossName, grad: Float64Array): Promise<SampleOutcome[]> {
    if (this.loaded === null || !sameValues(this.loaded, params)) {
      this.net.setParameters(params);
      this.loaded = Float64Array.from(params);
    }
    const out = runOnReplica(this.net, samples, training, loss);
    if (training) {
      grad.fill(0);
      this.net.addGradients(grad);
    }
    return out;
  }
  async close(): Promise<void> {}
}

/** Messages to a replica thread. */
export type ReplicaRequest =
  | { type: 'init'; config: SlayerNetworkConfig; options: ReplicaOptions; params: SharedArrayBuffer; grad: SharedArrayBuffer }
  | { type: 'run'; id: number; version: number; training: boolean; loss: LossName; samples: { T: number; nInputs: number; offsets: Uint32Array; indices: Uint16Array | Uint32Array; label: number; seed: number }[] };

export type ReplicaReply =
  | { type: 'ready'; bytes: number }
  | { type: 'done'; id: number; outcomes: SampleOutcome[] }
  | { type: 'error'; id: number; message: string; stack?: string };

interface Pending {
  resolve: (o: SampleOutcome[]) => void;
  reject: (e: Error) => void;
}

/** One replica per worker thread. */
export class ThreadReplicas implements ReplicaSet {
  private readonly workers: Worker[] = [];
  private readonly grads: Float64Array[] = [];
  private readonly paramView: Float64Array;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private version = 0;
  replicaBytes = 0;

  private constructor(readonly threads: number, length: number) {
    this.paramView = new Float64Array(new SharedArrayBuffer(length * 8));
  }

  /** Starts `threads` workers, each building the network (errors in the config surface here). */
  static async start(config: SlayerNetworkConfig, options: ReplicaOptions, threads: number, length: number): Promise<ThreadReplicas> {
    const set = new ThreadReplicas(threads, length);
    const entry = siblingModule(import.meta.url, 'replica-thread');
    const ready: Promise<void>[] = [];
    for (let i = 0; i < threads; i++) {
      const grad = new SharedArrayBuffer(length * 8);
      set.grads.push(new Float64Array(grad));
      const w = spawnThread(entry, {});
      set.workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: ReplicaReply) => {
            if (m.type === 'ready') {
              set.replicaBytes = m.bytes;
              resolve();
            } else if (m.type === 'error' && m.id === -1) {
              reject(Object.assign(new Error(m.message), { stack: m.stack }));
            } else {
              set.onReply(m);
            }
          };
          w.on('message', onMessage);
          w.on('error', (e) => {
            reject(e);
            set.failAll(e);
          });
        }),
      );
      w.postMessage({ type: 'init', config, options, params: set.paramView.buffer as SharedArrayBuffer, grad } satisfies ReplicaRequest);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await set.close();
      throw e;
    }
    return set;
  }

  private onReply(m: ReplicaReply): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'done') p.resolve(m.outcomes);
    else p.reject(Object.assign(new Error(m.message), { stack: m.stack }));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async run(params: Float64Array, samples: BatchSample[], training: boolean, loss: LossName, grad: Float64Array): Promise<SampleOutcome[]> {
    // Validation runs many chunks with the same parameters: the replicas reload them only when they changed.
    if (this.version === 0 || !sameValues(this.paramView, params)) {
      this.paramView.set(params);
      this.version++;
    }
    const n = samples.length;
    const used = Math.min(this.threads, n);
    const parts: Promise<SampleOutcome[]>[] = [];
    for (let w = 0; w < used; w++) {
      const share = samples.slice(Math.floor((w * n) / used), Math.floor(((w + 1) * n) / used));
      const id = this.nextId++;
      parts.push(new Promise((resolve, reject) => this.pending.set(id, { resolve, reject })));
      this.workers[w].postMessage({
        type: 'run', id, version: this.version, training, loss,
        samples: share.map((s) => ({ T: s.trains.T, nInputs: s.trains.nInputs, offsets: s.trains.offsets, indices: s.trains.indices, label: s.label, seed: s.seed })),
      } satisfies ReplicaRequest);
    }
    const outcomes = (await Promise.all(parts)).flat();
    if (training) {
      grad.fill(0);
      for (let w = 0; w < used; w++) {
        const g = this.grads[w];
        for (let i = 0; i < grad.length; i++) grad[i] += g[i];
      }
    }
    return outcomes;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Threads to use by default: the machine's cores. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** A replica set: in this thread for one thread, else worker threads. */
export async function createReplicas(config: SlayerNetworkConfig, options: ReplicaOptions, threads: number, length: number): Promise<ReplicaSet> {
  return threads <= 1 ? new LocalReplicas(config, options) : ThreadReplicas.start(config, options, threads, length);
}
