/**
 * Spike monitors: what a network records of one sample, per layer. Every layer gets its spike total (the
 * silent-network early-stopping rule counts samples whose total is below a threshold); a monitor can also keep
 * per-neuron counts (label assignment, rate decoders) and the (step, neuron) events in firing order (n-gram
 * decoders, fixtures). Engine-agnostic: anything that produces per-step spike index lists can feed it.
 */

/** What a {@link SpikeMonitor} keeps besides the total. */
export interface MonitorOptions {
  /** Keep the number of spikes of every neuron (default false). */
  perNeuron?: boolean;
  /** Keep every spike as (step, neuron), in firing order (default false). */
  events?: boolean;
}

/** Records the spikes of one layer during one sample; cleared by {@link SpikeMonitor.begin}. */
export class SpikeMonitor {
  /** Spikes of the layer in the current/last sample. */
  total = 0;
  /** Per-neuron spike counts (null unless `perNeuron`). */
  readonly counts: Uint32Array | null;
  private times: Int32Array;
  private neurons: Int32Array;
  private eventCount = 0;
  private readonly keepEvents: boolean;

  constructor(
    readonly layerName: string,
    readonly n: number,
    options: MonitorOptions = {},
  ) {
    this.counts = options.perNeuron ? new Uint32Array(n) : null;
    this.keepEvents = options.events ?? false;
    this.times = new Int32Array(this.keepEvents ? 256 : 0);
    this.neurons = new Int32Array(this.keepEvents ? 256 : 0);
  }

  /** Starts a new sample. */
  begin(): void {
    this.total = 0;
    this.counts?.fill(0);
    this.eventCount = 0;
  }

  /** Adds the spikes `spikes[0..count)` of step t. */
  record(t: number, spikes: ArrayLike<number>, count: number): void {
    this.total += count;
    const c = this.counts;
    if (c) for (let k = 0; k < count; k++) c[spikes[k]]++;
    if (this.keepEvents && count > 0) {
      if (this.eventCount + count > this.times.length) this.growEvents(this.eventCount + count);
      for (let k = 0; k < count; k++) {
        this.times[this.eventCount] = t;
        this.neurons[this.eventCount++] = spikes[k];
      }
    }
  }

  private growEvents(min: number): void {
    const len = Math.max(min, this.times.length * 2);
    const t = new Int32Array(len);
    const n = new Int32Array(len);
    t.set(this.times.subarray(0, this.eventCount));
    n.set(this.neurons.subarray(0, this.eventCount));
    this.times = t;
    this.neurons = n;
  }

  /** Copy of the events of the sample: parallel arrays of steps and neuron indices (firing order). */
  events(): { t: Int32Array; neuron: Int32Array } {
    if (!this.keepEvents) throw new Error(`monitor of ${this.layerName} does not keep events`);
    return { t: this.times.slice(0, this.eventCount), neuron: this.neurons.slice(0, this.eventCount) };
  }

  /** Number of events kept for this sample. */
  get eventLength(): number {
    return this.eventCount;
  }
}
