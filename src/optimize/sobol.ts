/**
 * Sobol low-discrepancy points in [0, 1)^d (spec scbo.md §6): Joe–Kuo direction numbers, 32-bit Gray-code
 * construction, and optionally the scramble of PyTorch's `SobolEngine(scramble=True)`: a random lower-triangular
 * linear matrix scramble (LMS) of each dimension's direction numbers plus a random digital shift.
 */
import type { Rng } from '../util/rng.js';
import { SOBOL_DIRECTION_DATA, SOBOL_DIRECTION_DIMENSIONS } from './sobol-directions.js';
import { SOBOL_BITS, directionsOf, unpackJoeKuo } from './sobol-table.js';

export interface SobolOptions {
  /** Apply a random LMS and digital shift drawn from `rng` (default false: the plain Joe–Kuo sequence). */
  scramble?: boolean;
  /** Source of the scramble; required when `scramble` is true. */
  rng?: Rng;
}

const SCALE = 2 ** -SOBOL_BITS;
const MAX_POINTS = 2 ** SOBOL_BITS;

let table: Uint32Array | null = null;

/** Unscrambled direction numbers of every supported dimension, layout [j·32 + k]; unpacked once, on first use. */
function directionTable(): Uint32Array {
  if (table === null) {
    const entries = unpackJoeKuo(SOBOL_DIRECTION_DATA, SOBOL_DIRECTION_DIMENSIONS - 1);
    const t = new Uint32Array(SOBOL_DIRECTION_DIMENSIONS * SOBOL_BITS);
    directionsOf(null, t, 0);
    entries.forEach((entry, e) => directionsOf(entry, t, (e + 1) * SOBOL_BITS));
    table = t;
  }
  return table;
}

/**
 * A Sobol sequence generator. Successive `draw` calls continue the sequence; the first point is the origin
 * (or, scrambled, the random shift), as in PyTorch.
 */
export class SobolEngine {
  /** Highest supported dimension (size of the shipped Joe–Kuo table). */
  static readonly maxDimension = SOBOL_DIRECTION_DIMENSIONS;

  readonly dimension: number;
  readonly scrambled: boolean;
  /** Direction numbers, layout [k·d + j] so that one point's update walks memory in order. */
  private readonly directions: Uint32Array;
  /** The current point's coordinates times 2^32. */
  private readonly state: Uint32Array;
  /** Index of the next point to return. */
  private index = 0;

  constructor(dimension: number, options: SobolOptions = {}) {
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > SobolEngine.maxDimension) {
      throw new RangeError(`SobolEngine: dimension must be an integer in [1, ${SobolEngine.maxDimension}], got ${dimension}`);
    }
    const rng = options.scramble ? options.rng : undefined;
    if (options.scramble && !rng) throw new TypeError('SobolEngine: scramble needs an rng');
    this.dimension = dimension;
    this.scrambled = rng !== undefined;
    this.directions = new Uint32Array(SOBOL_BITS * dimension);
    this.state = new Uint32Array(dimension);

    const source = directionTable();
    const column = new Uint32Array(SOBOL_BITS);
    for (let j = 0; j < dimension; j++) {
      if (rng) randomLowerTriangular(rng, column);
      for (let k = 0; k < SOBOL_BITS; k++) {
        const v = source[j * SOBOL_BITS + k];
        this.directions[k * dimension + j] = rng ? multiply(column, v) : v;
      }
    }
    // The digital shift: the scrambled sequence starts from it instead of the origin.
    if (rng) for (let j = 0; j < dimension; j++) this.state[j] = rng.nextUint32();
  }

  /**
   * The next n points, row-major n × d, every coordinate in [0, 1).
   * @param out optional buffer of at least n·d numbers to fill and return instead of a new array: a fresh
   *   720 KB array costs more in page faults than the 5000 × 18 points themselves.
   */
  draw(n: number): Float64Array<ArrayBuffer>;
  draw<T extends Float64Array>(n: number, out: T): T;
  draw(n: number, out?: Float64Array): Float64Array {
    const d = this.dimension;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`SobolEngine.draw: n must be a non-negative integer, got ${n}`);
    if (this.index + n > MAX_POINTS) throw new RangeError(`SobolEngine.draw: a sequence holds at most 2^${SOBOL_BITS} points`);
    if (out && out.length < n * d) throw new RangeError(`SobolEngine.draw: out holds ${out.length} numbers, needs ${n * d}`);
    const target = out ?? new Float64Array(n * d);
    this.index = fillPoints(this.state, this.directions, d, this.index, n, target);
    return target;
  }
}

/**
 * Writes n points, from index `start` on, into `out` (row-major, d per point), advancing the current point `x`;
 * returns the index after the last one. A free function of plain arguments: as a method, its property loads made
 * V8 deoptimise it after the first call.
 */
function fillPoints(x: Uint32Array, v: Uint32Array, d: number, start: number, n: number, out: Float64Array): number {
  let index = start;
  for (let i = 0; i < n; i++, index++) {
    const row = i * d;
    if (index !== 0) {
      // Gray-code order: point `index` differs from the previous one by the direction number of its lowest set bit.
      const base = (31 - Math.clz32(index & -index)) * d;
      for (let j = 0; j < d; j++) x[j] ^= v[base + j];
    }
    for (let j = 0; j < d; j++) out[row + j] = x[j] * SCALE;
  }
  return index;
}

/**
 * Columns of a random 32×32 binary lower-triangular matrix with unit diagonal, bits ordered most significant
 * first: column k has its diagonal bit at 2^(31−k) and random bits below it.
 */
function randomLowerTriangular(rng: Rng, column: Uint32Array): void {
  for (let k = 0; k < SOBOL_BITS; k++) {
    const diagonal = 2 ** (SOBOL_BITS - 1 - k);
    column[k] = diagonal + (rng.nextUint32() % diagonal);
  }
}

/** L·v over GF(2), v's bits most significant first: the XOR of the columns of L at v's set bits. */
function multiply(column: Uint32Array, v: number): number {
  let r = 0;
  for (let rest = v; rest !== 0; ) {
    const k = Math.clz32(rest); // index of the highest set bit, counted from the most significant
    r ^= column[k];
    rest &= ~(0x80000000 >>> k);
  }
  return r >>> 0;
}
