/**
 * What the simulation loop, connections, learning rules and monitors need from a layer of neurons. A layer's
 * state lives in typed arrays owned by the network's {@link KernelContext}; its spikes of the current step are an
 * index list (`spikes[0..spikeCount)`, ascending), which is what event-driven connections iterate over.
 */
import type { KernelContext } from '../../kernels/snn-kernels.js';
import type { LazyTrace } from './trace.js';

/** A population of neurons (or inputs) in a network. */
export interface Layer {
  /** Unique name within the network, e.g. "inpt", "outpt", "inhib". */
  readonly name: string;
  /** Number of neurons. */
  readonly n: number;
  /** n rounded up to a multiple of 4 (length of the state vectors). */
  readonly n4: number;
  /** Indices of the neurons that spiked at the current step, ascending; valid up to `spikeCount`. */
  readonly spikes: Int32Array;
  /** Number of valid entries of `spikes`. */
  readonly spikeCount: number;
  /** Summed synaptic input for the current step (length n4; null for input layers). */
  readonly input: Float32Array | null;
  /** Spike trace (null when the layer keeps none). */
  readonly trace: LazyTrace | null;
  /** True for layers driven by external spike trains. */
  readonly isInput: boolean;
  /** Takes views of the reserved arrays and sets the initial state (called once, after the context commits). */
  bind(ctx: KernelContext): void;
  /** Advances one step from `input` (neurons) or the given frame (input layers); `t` counts steps in the sample. */
  step(t: number, learning: boolean): void;
  /** Resets v, refractory counters, spikes and traces (not adaptive thresholds). */
  resetState(): void;
}
