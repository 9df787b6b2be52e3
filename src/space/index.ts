/** Search spaces: parameter kinds, validation, the unit-cube encoding and per-variable samplers. */
export { SearchSpace, type Point } from './space.js';
export { readSpaceFile } from './load.js';
export { parseSpaceSpec } from './schema.js';
export type {
  CategoricalParam,
  ConstantParam,
  CubeParam,
  FloatParam,
  IntParam,
  Param,
  ParameterSpec,
  ParamValue,
  SamplerName,
  SpaceOptions,
} from './types.js';
