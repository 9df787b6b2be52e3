/**
 * Coarser views of a spike dataset for small studies: `spatial`×`spatial` pixel blocks and `temporal` consecutive
 * steps are merged into one input step (binary OR: a merged input spikes when any of its sources did). DVS128
 * Gesture at 4× and 4× becomes 2×32×32 over 25 steps.
 */
import type { SpikeDataset } from './dataset.js';
import { indexArray, type SpikeTrains } from './spikes.js';
import { UserError } from '../util/errors.js';

export interface DownsampleOptions {
  /** Side of the merged pixel blocks (1 = unchanged). */
  spatial: number;
  /** Steps merged into one (1 = unchanged). */
  temporal: number;
}

/** A view of `ds` at lower resolution (see the module comment). */
export function downsampleDataset(ds: SpikeDataset, o: DownsampleOptions): SpikeDataset {
  const { spatial: f, temporal: g } = o;
  if (!(Number.isInteger(f) && f >= 1)) throw new UserError(`downsampling: spatial factor must be an integer ≥ 1, got ${f}.`);
  if (!(Number.isInteger(g) && g >= 1)) throw new UserError(`downsampling: temporal factor must be an integer ≥ 1, got ${g}.`);
  if (f === 1 && g === 1) return ds;
  const [C, H, W] = ds.shape;
  const h = Math.ceil(H / f);
  const w = Math.ceil(W / f);
  const T = Math.ceil(ds.T / g);
  const nInputs = C * h * w;
  const mark = new Int32Array(nInputs).fill(-1);
  return {
    name: `${ds.name} (downsampled ${f}× space, ${g}× time)`,
    size: ds.size,
    shape: [C, h, w],
    nInputs,
    T,
    nClasses: ds.nClasses,
    synthetic: ds.synthetic,
    label: (i) => ds.label(i),
    events(i, rng): SpikeTrains {
      const src = ds.events(i, rng);
      const offsets = new Uint32Array(T + 1);
      const out: number[] = [];
      mark.fill(-1);
      for (let t = 0; t < T; t++) {
        const start = out.length;
        for (let st = t * g; st < Math.min(src.T, (t + 1) * g); st++) {
          for (let k = src.offsets[st]; k < src.offsets[st + 1]; k++) {
            const idx = src.indices[k];
            const c = Math.floor(idx / (H * W));
            const rem = idx - c * H * W;
            const j = (c * h + Math.floor(Math.floor(rem / W) / f)) * w + Math.floor((rem % W) / f);
            if (mark[j] !== t) {
              mark[j] = t;
              out.push(j);
            }
          }
        }
        // Ascending within a step, as SpikeTrains require.
        const step = out.slice(start).sort((a, b) => a - b);
        for (let k = 0; k < step.length; k++) out[start + k] = step[k];
        offsets[t + 1] = out.length;
      }
      const indices = indexArray(nInputs, out.length);
      indices.set(out);
      return { T, nInputs, offsets, indices };
    },
  };
}
