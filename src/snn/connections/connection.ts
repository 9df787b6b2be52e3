/**
 * What the simulation loop needs from a connection between two layers. Every connection adds one step of delay:
 * the loop calls {@link Connection.propagate} with the source's spikes of the previous step, before any layer
 * is updated (BindsNET's synchronous mode).
 */
import type { KernelContext } from '../../kernels/snn-kernels.js';
import type { Layer } from '../layers/layer.js';

/** A weighted projection from `source` to `target`. */
export interface Connection {
  /** "source->target" unless given. */
  readonly name: string;
  readonly source: Layer;
  readonly target: Layer;
  /** True when the connection has a learning rule (and is therefore clamped while learning). */
  readonly learns: boolean;
  /** Takes views of reserved arrays and initialises weights (after the context commits). */
  bind(ctx: KernelContext): void;
  /**
   * Adds s_source·W to `out` (the target's input of this step). `fresh` says that no other connection has
   * written to `out` this step (it is all zeros), which lets dense connections accumulate in place.
   */
  propagate(out: Float32Array, fresh: boolean): void;
  /** Learning update of step t (traces and spikes of step t), followed by clamping. */
  learn(t: number): void;
  /** Called at the start of every sample. */
  beginSample(learning: boolean): void;
  /** Called at the end of every sample (column normalisation). */
  endSample(): void;
  /** Number of weights of the equivalent dense matrix (what the reference reports as parameters). */
  readonly parameterCount: number;
}

/** Default name of a connection. */
export function connectionName(source: Layer, target: Layer): string {
  return `${source.name}->${target.name}`;
}
