/**
 * Compact spike trains for event-driven engines: for each time step, the ascending indices of the inputs that
 * spiked, stored CSR-style (offsets + one index array). At MNIST/DVS densities (1–6 %) this is 20–50× smaller
 * than a dense [T][inputs] byte tensor and is exactly what "add the weight row of each active input" needs.
 */

/** Spike trains of one sample over T steps. */
export interface SpikeTrains {
  /** Number of time steps. */
  readonly T: number;
  /** Number of inputs per step (784 for MNIST, 32768 for DVS128). */
  readonly nInputs: number;
  /** Length T + 1: the inputs active at step t are `indices[offsets[t] .. offsets[t+1])`. */
  readonly offsets: Uint32Array;
  /** Input indices, ascending within each step; Uint16Array whenever nInputs ≤ 65536. */
  readonly indices: Uint16Array | Uint32Array;
}

/** Total number of spikes. */
export function spikeCount(s: SpikeTrains): number {
  return s.offsets[s.T];
}

/** The inputs active at step `t` (a view, not a copy). */
export function activeAt(s: SpikeTrains, t: number): Uint16Array | Uint32Array {
  return s.indices.subarray(s.offsets[t], s.offsets[t + 1]);
}

/** Dense time-major view `[T][nInputs]` of 0/1 bytes (STDP engine layout). */
export function toDenseTimeMajor(s: SpikeTrains, out?: Uint8Array): Uint8Array {
  const d = out ?? new Uint8Array(s.T * s.nInputs);
  if (out) d.fill(0);
  for (let t = 0; t < s.T; t++) {
    const base = t * s.nInputs;
    for (let k = s.offsets[t]; k < s.offsets[t + 1]; k++) d[base + s.indices[k]] = 1;
  }
  return d;
}

/** Dense input-major view `[nInputs][T]` of 0/1 bytes (one sample of SLAYER's N × C × H × W × T layout). */
export function toDenseInputMajor(s: SpikeTrains, out?: Uint8Array): Uint8Array {
  const d = out ?? new Uint8Array(s.T * s.nInputs);
  if (out) d.fill(0);
  for (let t = 0; t < s.T; t++) {
    for (let k = s.offsets[t]; k < s.offsets[t + 1]; k++) d[s.indices[k] * s.T + t] = 1;
  }
  return d;
}

/** Builds spike trains from a dense time-major 0/1 tensor (tests, conversions). */
export function fromDenseTimeMajor(dense: ArrayLike<number>, T: number, nInputs: number): SpikeTrains {
  const offsets = new Uint32Array(T + 1);
  let nnz = 0;
  for (let i = 0; i < T * nInputs; i++) if (dense[i]) nnz++;
  const indices = nInputs <= 65536 ? new Uint16Array(nnz) : new Uint32Array(nnz);
  let k = 0;
  for (let t = 0; t < T; t++) {
    offsets[t] = k;
    for (let i = 0; i < nInputs; i++) if (dense[t * nInputs + i]) indices[k++] = i;
  }
  offsets[T] = k;
  return { T, nInputs, offsets, indices };
}

/** Allocates an index array of the right width for `nInputs`. */
export function indexArray(nInputs: number, length: number): Uint16Array | Uint32Array {
  return nInputs <= 65536 ? new Uint16Array(length) : new Uint32Array(length);
}
