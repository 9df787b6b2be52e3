/**
 * Search-space parameter kinds, as a user writes them in a JSON/YAML array (spec system.md §3.5, scbo.md §2).
 * The normalised forms below are what `SearchSpace.parameters` holds: every optional field is resolved.
 */

/** A value a parameter can take in user space. */
export type ParamValue = number | string | boolean;

export const SAMPLER_NAMES = ['uniform', 'loguniform', 'reverse-loguniform'] as const;

/** How random points are drawn for a numeric parameter (initial design, restarts); never the GP geometry. */
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** Continuous parameter on [low, high]. */
export interface FloatParam {
  readonly name: string;
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  /** Log geometry in the unit cube: u = (ln v − ln low)/(ln high − ln low). Requires low > 0. */
  readonly log: boolean;
  /** Random-point distribution; defaults to 'loguniform' when `log`, else 'uniform'. */
  readonly sampler: SamplerName;
}

/** Integer parameter on [low, high] (both inclusive, integers). */
export interface IntParam {
  readonly name: string;
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  /** Log geometry for the integer cells [v, v + 1) of [low, high + 1]. Requires low ≥ 1. */
  readonly log: boolean;
  readonly sampler: SamplerName;
}

/** Unordered choice among strings, numbers or booleans. */
export interface CategoricalParam {
  readonly name: string;
  readonly type: 'categorical';
  readonly choices: readonly ParamValue[];
}

/** Fixed value: reported with every point but not a dimension of the cube. */
export interface ConstantParam {
  readonly name: string;
  readonly type: 'constant';
  readonly value: ParamValue;
}

export type NumericParam = FloatParam | IntParam;

/** A normalised parameter. */
export type Param = FloatParam | IntParam | CategoricalParam | ConstantParam;

/** A parameter that occupies one dimension of the unit cube. */
export type CubeParam = FloatParam | IntParam | CategoricalParam;

/**
 * A parameter as a user writes it (in code, JSON or YAML): `log` and `sampler` are optional.
 * Every normalised `Param` is also a valid `ParameterSpec`.
 */
export type ParameterSpec =
  | { name: string; type: 'float' | 'int'; low: number; high: number; log?: boolean; sampler?: SamplerName }
  | { name: string; type: 'categorical'; choices: readonly ParamValue[] }
  | { name: string; type: 'constant'; value: ParamValue };

export const PARAM_TYPES = ['float', 'int', 'categorical', 'constant'] as const;

/** Behaviour switches of a search space. */
export interface SpaceOptions {
  /**
   * Reproduce the reference's integer quirk (system.md Q8) for log replay: linear integers decode as
   * trunc(u·(high + 1 − low) + low), so u = 1 gives high + 1, and the discrete reverse log-uniform sampler is not
   * clamped either. Values up to high + 1 are then accepted for integers, and high + 1 encodes to u = 1.
   * Default false: integers never leave [low, high].
   */
  readonly faithfulIntegerDecoding?: boolean;
}
