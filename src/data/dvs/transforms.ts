/**
 * The paper's DVS preprocessing chain (spec datasets.md §4): Denoise → ToFrame(n_time_bins) → binarisation.
 *
 * - {@link denoise} follows Tonic exactly (grid from the sample's own maxima, strict inequality, 4-neighbours).
 * - {@link toFrame} offers two binnings:
 *   - `'reference'` reproduces Tonic's `n_time_bins` slicing: bin width w = ⌊(t_last − t_first)/B⌋ µs, bins
 *     left-closed, so every event at t ≥ t_first + B·w is dropped (always including the last event) and a
 *     sample shorter than B µs gives all-zero frames.
 *   - `'corrected'` (default) spreads the whole span over the B bins: bin = ⌊(t − t_first)·B/span⌋, the last
 *     event in bin B−1; nothing is dropped; a zero span puts every event in bin 0.
 * - {@link binarize} maps counts to 0/1. {@link toBinaryTrains} fuses framing and binarisation into per-step
 *   lists of active inputs (index p·H·W + y·W + x), the form the engines consume.
 */
import { UserError } from '../../util/errors.js';
import { indexArray, type SpikeTrains } from '../spikes.js';
import { allocEvents, DVS128, type DvsEvents, type SensorSize } from './events.js';

/** How ToFrame assigns events to time bins; see the module comment. */
export type Binning = 'corrected' | 'reference';

/** Options of the framing step. */
export interface FrameOptions {
  /** Number of time bins B (default 100). */
  nTimeBins?: number;
  /** Default 'corrected'; 'reference' reproduces Tonic. */
  binning?: Binning;
  /** Default DVS128: 128 × 128, 2 polarities. */
  sensor?: SensorSize;
  /** Names the sample in error messages. */
  where?: string;
  /** Receives warnings (reference binning with a span < B µs); default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** Options of the whole chain. */
export interface PreprocessOptions extends FrameOptions {
  /** Denoise filter time in the unit of t, i.e. µs (the paper's 5000 is 5 ms); null or 0 skips denoising. */
  filterTime?: number | null;
}

/** The paper's preprocessing parameters (with the corrected binning; set binning 'reference' to reproduce). */
export const PAPER_PREPROCESSING = { filterTime: 5000, nTimeBins: 100, binning: 'corrected' } as const satisfies PreprocessOptions;

/** Tonic's Denoise: keeps an event iff a 4-neighbour fired within the last `filterTime` (see module comment). */
export function denoise(ev: DvsEvents, filterTime: number): DvsEvents {
  const n = ev.t.length;
  if (n === 0) return ev;
  if (!(filterTime >= 0)) throw new UserError(`Denoise filter time must be a non-negative number of µs, got ${filterTime}.`);
  let W = 0;
  let H = 0;
  for (let i = 0; i < n; i++) {
    if (ev.x[i] < 0 || ev.y[i] < 0) throw new UserError(`Denoise: event ${i} has a negative coordinate (${ev.x[i]}, ${ev.y[i]}).`);
    if (ev.x[i] >= W) W = ev.x[i] + 1;
    if (ev.y[i] >= H) H = ev.y[i] + 1;
  }
  // mem is indexed x·H + y; the initial value lets early events (t < filterTime) through, as in Tonic.
  const mem = new Float64Array(W * H).fill(filterTime);
  const keep = new Uint8Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const x = ev.x[i];
    const y = ev.y[i];
    const t = ev.t[i];
    const c = x * H + y;
    mem[c] = t + filterTime;
    if ((x > 0 && mem[c - H] > t) || (x < W - 1 && mem[c + H] > t) || (y > 0 && mem[c - 1] > t) || (y < H - 1 && mem[c + 1] > t)) {
      keep[i] = 1;
      kept++;
    }
  }
  const out = allocEvents(kept);
  for (let i = 0, k = 0; i < n; i++) {
    if (!keep[i]) continue;
    out.x[k] = ev.x[i];
    out.y[k] = ev.y[i];
    out.p[k] = ev.p[i];
    out.t[k] = ev.t[i];
    k++;
  }
  return out;
}

/**
 * Time bin of every event (−1 for dropped ones) under the chosen binning. Events must be sorted by t.
 */
export function timeBins(ev: DvsEvents, opts: FrameOptions = {}): Int32Array {
  const B = opts.nTimeBins ?? 100;
  if (!Number.isInteger(B) || B < 1) throw new UserError(`ToFrame n_time_bins must be a positive integer, got ${B}.`);
  const n = ev.t.length;
  const bins = new Int32Array(n);
  if (n === 0) return bins;
  const t0 = ev.t[0];
  const span = ev.t[n - 1] - t0;
  if ((opts.binning ?? 'corrected') === 'reference') {
    const w = Math.floor(span / B);
    if (w === 0) {
      (opts.onWarning ?? console.warn)(
        `ToFrame (reference binning)${opts.where ? ` on ${opts.where}` : ''}: the sample spans ${span} µs < ${B} bins, so every event is dropped.`,
      );
      bins.fill(-1);
      return bins;
    }
    for (let i = 0; i < n; i++) {
      const b = Math.floor((ev.t[i] - t0) / w);
      bins[i] = b < B ? b : -1;
    }
  } else if (span > 0) {
    for (let i = 0; i < n; i++) {
      const b = Math.floor(((ev.t[i] - t0) * B) / span);
      bins[i] = b < B ? b : B - 1;
    }
  } // zero span: every event in bin 0 (already 0)
  return bins;
}

/** Event counts per cell, Int16 [B][P][H][W] (Tonic's frame tensor). */
export function toFrame(ev: DvsEvents, opts: FrameOptions = {}): Int16Array {
  const s = opts.sensor ?? DVS128;
  const B = opts.nTimeBins ?? 100;
  const cells = s.polarities * s.height * s.width;
  const frames = new Int16Array(B * cells);
  const bins = timeBins(ev, opts);
  for (let i = 0; i < bins.length; i++) {
    if (bins[i] < 0) continue;
    frames[bins[i] * cells + cellIndex(ev, i, s, opts.where)]++;
  }
  return frames;
}

/** 1 where a count is positive, else 0 ("overlapping spikes count once"). */
export function binarize(frames: Int16Array): Uint8Array {
  const out = new Uint8Array(frames.length);
  for (let i = 0; i < frames.length; i++) out[i] = frames[i] > 0 ? 1 : 0;
  return out;
}

/** ToFrame + binarisation fused: per time bin, the ascending list of active cells. */
export function toBinaryTrains(ev: DvsEvents, opts: FrameOptions = {}): SpikeTrains {
  const s = opts.sensor ?? DVS128;
  const B = opts.nTimeBins ?? 100;
  const cells = s.polarities * s.height * s.width;
  const bins = timeBins(ev, opts);
  // stamp[c] = last bin + 1 in which cell c was recorded; bins never decrease, so one pass dedupes.
  const stamp = new Int32Array(cells);
  const binOf = new Int32Array(bins.length);
  const cellOf = new Uint32Array(bins.length);
  let m = 0;
  for (let i = 0; i < bins.length; i++) {
    const b = bins[i];
    if (b < 0) continue;
    const c = cellIndex(ev, i, s, opts.where);
    if (stamp[c] === b + 1) continue;
    stamp[c] = b + 1;
    binOf[m] = b;
    cellOf[m] = c;
    m++;
  }
  const offsets = new Uint32Array(B + 1);
  for (let k = 0; k < m; k++) offsets[binOf[k] + 1]++;
  for (let b = 0; b < B; b++) offsets[b + 1] += offsets[b];
  const indices = indexArray(cells, m);
  for (let k = 0; k < m; k++) indices[k] = cellOf[k]; // already grouped by bin (bins are non-decreasing)
  for (let b = 0; b < B; b++) indices.subarray(offsets[b], offsets[b + 1]).sort();
  return { T: B, nInputs: cells, offsets, indices };
}

/** Result of {@link preprocess}. */
export interface Preprocessed {
  readonly trains: SpikeTrains;
  readonly eventsIn: number;
  readonly eventsAfterDenoise: number;
}

/** Denoise (unless filterTime is null/0) then binary frames as spike trains. */
export function preprocess(ev: DvsEvents, opts: PreprocessOptions = {}): Preprocessed {
  const filterTime = opts.filterTime === undefined ? PAPER_PREPROCESSING.filterTime : opts.filterTime;
  const clean = filterTime ? denoise(ev, filterTime) : ev;
  return { trains: toBinaryTrains(clean, opts), eventsIn: ev.t.length, eventsAfterDenoise: clean.t.length };
}

function cellIndex(ev: DvsEvents, i: number, s: SensorSize, where?: string): number {
  const x = ev.x[i];
  const y = ev.y[i];
  const p = s.polarities === 1 ? 0 : ev.p[i];
  if (x < 0 || x >= s.width || y < 0 || y >= s.height || p >= s.polarities) {
    throw new UserError(
      `Event ${i}${where ? ` of ${where}` : ''} at (x ${x}, y ${y}, p ${p}) lies outside the ${s.width}×${s.height}×${s.polarities} sensor.`,
    );
  }
  return (p * s.height + y) * s.width + x;
}
