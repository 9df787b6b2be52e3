/**
 * Input layer (BindsNET `Input`): its spikes at step t are the sample's frame t; optional trace for STDP.
 */
import { pad4, type KernelContext, type Slot } from '../../kernels/snn-kernels.js';
import type { Layer } from './layer.js';
import { LazyTrace } from './trace.js';

/** Options of {@link InputLayer}. */
export interface InputLayerOptions {
  name?: string;
  /** Trace time constant τ (ms); omit for no trace. BindsNET Diehl & Cook: 20. */
  traceTc?: number;
}

/** Layer whose spikes are set from spike trains, one frame per step. */
export class InputLayer implements Layer {
  readonly name: string;
  readonly n: number;
  readonly n4: number;
  readonly input = null;
  readonly trace: LazyTrace | null;
  readonly isInput = true;
  spikes!: Int32Array;
  spikeCount = 0;
  private readonly slot: Slot<Int32Array>;

  constructor(n: number, ctx: KernelContext, options: InputLayerOptions = {}) {
    if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`input layer size must be a positive integer, got ${n}`);
    this.name = options.name ?? 'inpt';
    this.n = n;
    this.n4 = pad4(n);
    this.trace = options.traceTc !== undefined ? new LazyTrace(n, options.traceTc) : null;
    this.slot = ctx.i32(n);
  }

  bind(): void {
    this.spikes = this.slot.view();
  }

  /** Sets the spikes of the coming step to `indices[start..end)` (ascending, each < n). */
  setFrame(indices: ArrayLike<number>, start: number, end: number): void {
    const s = this.spikes;
    let c = 0;
    for (let k = start; k < end; k++) s[c++] = indices[k];
    this.spikeCount = c;
  }

  step(t: number): void {
    if (this.trace) this.trace.record(t, this.spikes, this.spikeCount);
  }

  resetState(): void {
    this.spikeCount = 0;
    this.trace?.reset();
  }
}
