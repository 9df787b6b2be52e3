/**
 * Per-variable random distributions for initial and restart points (spec system.md §3.5, scbo.md §2). They shape
 * random points only; the cube geometry is chosen separately by each parameter's `log` flag (system.md Q10).
 */
import type { Rng } from '../util/rng.js';
import type { Param, ParamValue } from './types.js';

/** LU(lo, hi): log-uniform on [lo, hi), lo > 0. */
export function logUniform(rng: Rng, low: number, high: number): number {
  return Math.exp(rng.uniform(Math.log(low), Math.log(high)));
}

/**
 * Draws one value of `p` with its sampler.
 * Floats: U, LU, or rLU = hi + lo − LU(lo, hi) (concentrates near hi).
 * Ints: uniform integer; ⌊LU(lo, hi + 1)⌋; or drLU = round(hi + 1 + lo − LU(lo, hi + 1)), which the reference lets
 * reach hi + 1 (system.md Q8): clamped to hi unless `faithful`.
 */
export function sampleValue(p: Param, rng: Rng, faithful: boolean): ParamValue {
  switch (p.type) {
    case 'constant':
      return p.value;
    case 'categorical':
      return p.choices[rng.int(p.choices.length)];
    case 'float': {
      const { low, high } = p;
      const v =
        p.sampler === 'uniform'
          ? rng.uniform(low, high)
          : p.sampler === 'loguniform'
            ? logUniform(rng, low, high)
            : high + low - logUniform(rng, low, high);
      return Math.min(high, Math.max(low, v)); // exp/log rounding may step just outside
    }
    case 'int': {
      const { low, high } = p;
      if (p.sampler === 'uniform') return rng.intBetween(low, high);
      if (p.sampler === 'loguniform') return Math.min(high, Math.floor(logUniform(rng, low, high + 1)));
      const v = Math.round(high + 1 + low - logUniform(rng, low, high + 1));
      return Math.max(low, faithful ? v : Math.min(high, v));
    }
  }
}
