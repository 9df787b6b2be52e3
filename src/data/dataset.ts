/**
 * The one interface the SNN engines consume (STDP and surrogate gradient alike): a list of labelled samples,
 * each turned into spike trains over T steps on demand. Nothing is held as dense tensors: MNIST keeps its raw
 * bytes and encodes per call, DVS reads preprocessed frames from the on-disk cache per call.
 */
import type { Rng } from '../util/rng.js';
import type { SpikeTrains } from './spikes.js';

/** A labelled spike dataset. Sample indices run 0..size−1. */
export interface SpikeDataset {
  /** Human-readable name, e.g. "mnist/train (poisson T=100, 128 Hz)". */
  readonly name: string;
  /** Number of samples. */
  readonly size: number;
  /** Shape of one time step's input as [channels, height, width]; input index = (c·H + y)·W + x. */
  readonly shape: readonly [number, number, number];
  /** Inputs per step (product of `shape`). */
  readonly nInputs: number;
  /** Time steps per sample. */
  readonly T: number;
  /** Number of classes (labels are 0..nClasses−1). */
  readonly nClasses: number;
  /** True for generated data (synthetic DVS recordings); outputs must say so. */
  readonly synthetic: boolean;
  /** Label of sample i. */
  label(i: number): number;
  /**
   * Spike trains of sample i for all T steps. Stochastic encodings (Poisson) are redrawn at every call from
   * `rng`, so pass the encoder generator of the current presentation; deterministic inputs (DVS frames)
   * ignore it.
   */
  events(i: number, rng: Rng): SpikeTrains;
}

/** A view of `base` restricted to `indices` (e.g. a train or validation split); sample k is base[indices[k]]. */
export function subsetDataset(base: SpikeDataset, indices: ArrayLike<number>, name?: string): SpikeDataset {
  const idx = Uint32Array.from(indices as ArrayLike<number>);
  for (const i of idx) if (i >= base.size) throw new RangeError(`subsetDataset: index ${i} ≥ size ${base.size}`);
  return {
    name: name ?? `${base.name}[${idx.length}]`,
    size: idx.length,
    shape: base.shape,
    nInputs: base.nInputs,
    T: base.T,
    nClasses: base.nClasses,
    synthetic: base.synthetic,
    label: (i) => base.label(idx[checkIndex(i, idx.length)]),
    events: (i, rng) => base.events(idx[checkIndex(i, idx.length)], rng),
  };
}

/** All labels of a dataset as bytes. */
export function datasetLabels(ds: SpikeDataset): Uint8Array {
  const out = new Uint8Array(ds.size);
  for (let i = 0; i < ds.size; i++) out[i] = ds.label(i);
  return out;
}

function checkIndex(i: number, n: number): number {
  if (!(i >= 0 && i < n) || !Number.isInteger(i)) throw new RangeError(`sample index ${i} out of range 0..${n - 1}`);
  return i;
}
