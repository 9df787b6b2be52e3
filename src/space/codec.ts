/**
 * Unit-interval encoding of one parameter, exactly as scbo.md §2 (default column) prescribes. Every decode clamps
 * u to [0, 1] first and clamps its result to [low, high], so rounding can never leave the space.
 */
import type { CubeParam, FloatParam, IntParam, ParamValue } from './types.js';

/** Maps a valid value of `p` to u ∈ [0, 1]. The caller has checked the value (see values.ts). */
export function encodeValue(p: CubeParam, v: ParamValue, faithful: boolean): number {
  switch (p.type) {
    case 'float':
      return clampUnit(p.log ? (Math.log(v as number) - Math.log(p.low)) / logSpan(p) : ((v as number) - p.low) / (p.high - p.low));
    case 'int':
      return encodeInt(p, v as number, faithful);
    case 'categorical':
      return (p.choices.indexOf(v) + 0.5) / p.choices.length;
  }
}

/** Maps u (clamped to [0, 1]) to a value of `p`. */
export function decodeUnit(p: CubeParam, u: number, faithful: boolean): ParamValue {
  if (Number.isNaN(u)) throw new RangeError(`decode: coordinate for parameter '${p.name}' is NaN`);
  const c = clampUnit(u);
  switch (p.type) {
    case 'float':
      return clamp(p.log ? Math.exp(Math.log(p.low) + c * logSpan(p)) : p.low + c * (p.high - p.low), p.low, p.high);
    case 'int':
      return decodeInt(p, c, faithful);
    case 'categorical':
      return p.choices[Math.min(Math.floor(c * p.choices.length), p.choices.length - 1)];
  }
}

/**
 * Integers own equal cells of [low, high + 1] (log ints: equal cells in log space), and encode to their cell's
 * centre so that encode(decode(u)) is stable under rounding.
 */
function encodeInt(p: IntParam, v: number, faithful: boolean): number {
  const n = p.high - p.low + 1;
  if (p.log) {
    const centre = 0.5 * (Math.log(v) + Math.log(v + 1));
    return clampUnit((centre - Math.log(p.low)) / intLogSpan(p));
  }
  if (!faithful) return (v - p.low + 0.5) / n;
  // The reference's trunc() maps (v − 1, v] to a negative v and [v, v + 1) otherwise: encode to that cell's
  // centre, so high + 1 (its u = 1 overflow) encodes back to 1.
  const centre = v < 0 ? v - 0.5 : v + 0.5;
  return clampUnit((centre - p.low) / n);
}

function decodeInt(p: IntParam, c: number, faithful: boolean): number {
  if (p.log) {
    const x = Math.exp(Math.log(p.low) + c * intLogSpan(p));
    return clamp(Math.floor(x), p.low, p.high);
  }
  const n = p.high - p.low + 1;
  // Reference quirk (system.md Q8): trunc(u·(hi + 1 − lo) + lo) gives hi + 1 at u = 1.
  if (faithful) return Math.trunc(c * n + p.low);
  return Math.min(p.high, p.low + Math.floor(c * n));
}

function logSpan(p: FloatParam): number {
  return Math.log(p.high) - Math.log(p.low);
}

function intLogSpan(p: IntParam): number {
  return Math.log(p.high + 1) - Math.log(p.low);
}

function clampUnit(u: number): number {
  return u <= 0 ? 0 : u >= 1 ? 1 : u;
}

function clamp(v: number, low: number, high: number): number {
  return v < low ? low : v > high ? high : v;
}
