/**
 * A validated search space and its map to the unit cube [0, 1]^d the optimiser works in (spec scbo.md §2).
 */
import type { Rng } from '../util/rng.js';
import { decodeUnit, encodeValue } from './codec.js';
import { readSpaceFile } from './load.js';
import { sampleValue } from './samplers.js';
import { parseSpaceSpec } from './schema.js';
import type { CubeParam, Param, ParamValue, SpaceOptions } from './types.js';
import { checkPoint } from './values.js';

/** A point in user space: one value per parameter name (constants included). */
export type Point = Record<string, ParamValue>;

export class SearchSpace {
  /** All parameters in declaration order, normalised (log and sampler resolved). */
  readonly parameters: readonly Param[];
  /** Names of all parameters, in declaration order. */
  readonly names: readonly string[];
  /** The parameters that are cube dimensions (all but constants), in cube order. */
  readonly cubeParameters: readonly CubeParam[];
  /** Names of the cube dimensions, in cube order. */
  readonly dimensionNames: readonly string[];
  /** Number of cube dimensions d. */
  readonly dimension: number;
  /** Whether integers use the reference's overflowing decoding (system.md Q8); for log replay only. */
  readonly faithfulIntegerDecoding: boolean;

  private constructor(parameters: readonly Param[], options: SpaceOptions) {
    this.parameters = Object.freeze([...parameters]);
    this.names = Object.freeze(parameters.map((p) => p.name));
    this.cubeParameters = Object.freeze(parameters.filter((p): p is CubeParam => p.type !== 'constant'));
    this.dimensionNames = Object.freeze(this.cubeParameters.map((p) => p.name));
    this.dimension = this.cubeParameters.length;
    this.faithfulIntegerDecoding = options.faithfulIntegerDecoding ?? false;
  }

  /**
   * Builds a space from its plain description: an array of parameters, or a map `{ name: { type, ... } }`.
   * @param source names the file (or other origin) in error messages.
   * @throws UserError with one sentence naming the faulty parameter by name and index.
   */
  static from(spec: unknown, source?: string, options: SpaceOptions = {}): SearchSpace {
    return new SearchSpace(parseSpaceSpec(spec, source), options);
  }

  /** Reads a `.yaml`, `.yml` or `.json` file; every error names the file. */
  static load(path: string, options: SpaceOptions = {}): SearchSpace {
    return SearchSpace.from(readSpaceFile(path), path, options);
  }

  /** True when every cube dimension is a float, so distinct cube points are distinct configurations. */
  isContinuous(): boolean {
    return this.cubeParameters.every((p) => p.type === 'float');
  }

  /** Maps a point to the cube. Throws a UserError if the point is not in the space. */
  encode(values: Readonly<Record<string, unknown>>): Float64Array<ArrayBuffer> {
    const point = this.validateValues(values);
    const u = new Float64Array(this.dimension);
    this.cubeParameters.forEach((p, k) => {
      u[k] = encodeValue(p, point[p.name], this.faithfulIntegerDecoding);
    });
    return u;
  }

  /** Maps a cube point (clamped to [0, 1] per coordinate) to a point in the space, constants included. */
  decode(u: ArrayLike<number>): Point {
    if (u.length !== this.dimension) {
      throw new RangeError(`decode: expected ${this.dimension} coordinates, got ${u.length}`);
    }
    const out: Point = {};
    let k = 0;
    for (const p of this.parameters) {
      out[p.name] = p.type === 'constant' ? p.value : decodeUnit(p, u[k++], this.faithfulIntegerDecoding);
    }
    return out;
  }

  /** Draws a random point with each parameter's sampler. */
  sample(rng: Rng): Point {
    const out: Point = {};
    for (const p of this.parameters) out[p.name] = sampleValue(p, rng, this.faithfulIntegerDecoding);
    return out;
  }

  /** encode(sample(rng)): a random cube point with the per-variable samplers' distribution. */
  sampleUnit(rng: Rng): Float64Array<ArrayBuffer> {
    return this.encode(this.sample(rng));
  }

  /** encode(decode(u)): the cube point the GP is trained on once u has been evaluated (scbo.md §2). */
  canonical(u: ArrayLike<number>): Float64Array<ArrayBuffer> {
    return this.encode(this.decode(u));
  }

  /** A stable string identifying a point's values, to detect duplicate configurations. */
  key(values: Readonly<Record<string, unknown>>): string {
    const point = this.validateValues(values);
    return JSON.stringify(this.names.map((name) => point[name]));
  }

  /**
   * Checks a user-supplied point and returns it complete (constants filled in).
   * @param context what the point is, for the error message (default "the given point").
   * @throws UserError naming the first parameter that is missing, unknown or out of the space.
   */
  validateValues(values: unknown, context?: string): Point {
    return checkPoint(this.parameters, values, this.faithfulIntegerDecoding, context);
  }

  /** The normalised description; `SearchSpace.from(space.toJSON())` rebuilds an equal space (options not included). */
  toJSON(): Param[] {
    return this.parameters.map((p) => (p.type === 'categorical' ? { ...p, choices: [...p.choices] } : { ...p }));
  }
}
