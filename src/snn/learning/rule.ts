/**
 * Event-driven learning rules on a dense weight matrix (spec snn-models.md A4). A rule only visits the entries
 * whose update can be non-zero at this step: rows of pre-synaptic neurons that spiked × post-synaptic neurons
 * with a non-zero trace, and columns of post-synaptic neurons that spiked × pre-synaptic neurons with a non-zero
 * trace. Arithmetic follows BindsNET's tensor expressions in float32, one rounding per operation.
 */
import type { Layer } from '../layers/layer.js';

/** The part of a dense connection a rule reads and writes. */
export interface Synapses {
  /** Weights, row-major by pre-synaptic neuron. */
  readonly w: Float32Array;
  /** Row stride (floats). */
  readonly stride: number;
  readonly source: Layer;
  readonly target: Layer;
  /** Bounds rounded to float32 (±Infinity when unbounded). */
  readonly wmin: number;
  readonly wmax: number;
}

/** Names of the implemented rules. */
export type LearningRuleKind = 'post-pre' | 'weight-dependent-post-pre' | 'hebbian';

/** A plasticity rule applied once per learning step. */
export interface LearningRule {
  readonly kind: LearningRuleKind;
  /** Learning rate of pre-synaptic events (float32). */
  readonly nuPre: number;
  /** Learning rate of post-synaptic events (float32). */
  readonly nuPost: number;
  /** True when step t's update may change some weight (some spike meets a non-zero trace). */
  touches(syn: Synapses, t: number): boolean;
  /** Applies step t's update; when `clampTouched`, clamps every visited entry to [wmin, wmax] afterwards. */
  apply(syn: Synapses, t: number, clampTouched: boolean): void;
}

/** Options shared by the rules. */
export interface RuleOptions {
  nuPre: number;
  nuPost: number;
}

/** Traces of both sides, which every rule here needs (BindsNET asserts the same). */
export function requireTraces(syn: Synapses, kind: string): void {
  if (!syn.source.trace || !syn.target.trace) {
    throw new Error(`${kind} on ${syn.source.name}->${syn.target.name}: both layers must keep spike traces`);
  }
}

/** The default pre × post entry sets of a step: true when spikes meet non-zero traces on either side. */
export function pairTouches(syn: Synapses, nuPre: number, nuPost: number): boolean {
  const pre = syn.source;
  const post = syn.target;
  return (
    (nuPre !== 0 && pre.spikeCount > 0 && post.trace!.activeCount > 0) ||
    (nuPost !== 0 && post.spikeCount > 0 && pre.trace!.activeCount > 0)
  );
}

/** Clamps the entries visited by a step: pre spikes × active post, and active pre × post spikes. */
export function clampVisited(syn: Synapses): void {
  const { w, stride, wmin: lo, wmax: hi, source: pre, target: post } = syn;
  if (lo === -Infinity && hi === Infinity) return;
  const cols = post.trace!.active;
  const m = post.trace!.activeCount;
  for (let s = 0; s < pre.spikeCount; s++) {
    const base = pre.spikes[s] * stride;
    for (let k = 0; k < m; k++) {
      const idx = base + cols[k];
      const x = w[idx];
      if (x < lo) w[idx] = lo;
      else if (hi < x) w[idx] = hi;
    }
  }
  const rows = pre.trace!.active;
  const r = pre.trace!.activeCount;
  if (post.spikeCount === 0) return;
  for (let k = 0; k < r; k++) {
    const base = rows[k] * stride;
    for (let s = 0; s < post.spikeCount; s++) {
      const idx = base + post.spikes[s];
      const x = w[idx];
      if (x < lo) w[idx] = lo;
      else if (hi < x) w[idx] = hi;
    }
  }
}
