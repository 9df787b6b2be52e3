/**
 * Spike traces, evaluated lazily. BindsNET's non-additive trace is x ← x·decay every step and x ← 1 on a spike,
 * so a neuron's trace at step t is decay^(t − last spike) — a table lookup. The table is built by the same
 * repeated float32 multiplication, so the values are bit-identical to the dense per-step update, at no cost for
 * neurons that did not spike. The neurons that spiked since the last reset are kept in a list: they are the only
 * ones with a non-zero trace, which is what event-driven STDP iterates over.
 */
const NEVER = -1;

/** Lazy trace of one layer. */
export class LazyTrace {
  /** exp(−dt/τ) rounded to float32. */
  readonly decay: number;
  /** last[j]: step of neuron j's latest spike since the last reset, or −1. */
  readonly last: Int32Array;
  /** Neurons with last[j] ≥ 0, in order of first spike. */
  readonly active: Int32Array;
  /** Number of entries of `active` in use. */
  activeCount = 0;
  private table: Float32Array;

  /** @param n neurons; @param tc time constant τ in steps (dt = 1). */
  constructor(n: number, tc: number, dt = 1) {
    if (!(tc > 0)) throw new RangeError(`trace time constant must be > 0, got ${tc}`);
    this.decay = Math.fround(Math.exp(-dt / tc));
    this.last = new Int32Array(n).fill(NEVER);
    this.active = new Int32Array(n);
    this.table = new Float32Array(0);
    this.grow(128);
  }

  /** decay^k as the dense update computes it: 1, then one float32 multiplication per step. */
  power(k: number): number {
    if (k >= this.table.length) this.grow(Math.max(k + 1, this.table.length * 2));
    return this.table[k];
  }

  private grow(len: number): void {
    const t = new Float32Array(len);
    t.set(this.table);
    let start = this.table.length;
    if (start === 0) {
      t[0] = 1;
      start = 1;
    }
    for (let k = start; k < len; k++) t[k] = t[k - 1] * this.decay;
    this.table = t;
  }

  /** Trace of neuron j at step t (after step t's spikes were recorded). */
  value(j: number, t: number): number {
    const l = this.last[j];
    return l < 0 ? 0 : this.power(t - l);
  }

  /** Records the spikes of step t. */
  record(t: number, spikes: Int32Array, count: number): void {
    const last = this.last;
    for (let k = 0; k < count; k++) {
      const j = spikes[k];
      if (last[j] < 0) this.active[this.activeCount++] = j;
      last[j] = t;
    }
  }

  /** Writes the traces of all n neurons at step t into `out` (dense view, for tests and inspection). */
  dense(t: number, out: Float32Array = new Float32Array(this.last.length)): Float32Array {
    for (let j = 0; j < this.last.length; j++) out[j] = this.value(j, t);
    return out;
  }

  /** All traces to 0. */
  reset(): void {
    for (let k = 0; k < this.activeCount; k++) this.last[this.active[k]] = NEVER;
    this.activeCount = 0;
  }
}
