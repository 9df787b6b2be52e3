/**
 * Builds an optimizer by name, so that CLIs, studies and benchmarks pick one from configuration.
 */
import type { SearchSpace } from '../space/space.js';
import { RandomSearch, SobolSearch } from './baselines.js';
import { Scbo } from './scbo/scbo.js';
import type { ScboPreset, ScboSettings } from './scbo/settings.js';
import type { Optimizer } from './types.js';

export const optimizerNames = ['scbo', 'random', 'sobol'] as const;
export type OptimizerName = (typeof optimizerNames)[number];

export interface OptimizerOptions {
  seed: number;
  batchSize: number;
  initialSize: number;
  constraintCount?: number;
  preset?: ScboPreset;
  /** Any SCBO setting, field by field. */
  scbo?: Partial<ScboSettings>;
}

export function createOptimizer(name: OptimizerName, space: SearchSpace, options: OptimizerOptions): Optimizer {
  switch (name) {
    case 'scbo':
      return new Scbo(space, {
        ...options.scbo,
        batchSize: options.batchSize,
        initialSize: options.initialSize,
        constraintCount: options.constraintCount,
        seed: options.seed,
        preset: options.preset,
      });
    case 'random':
      return new RandomSearch(space, options.seed);
    case 'sobol':
      return new SobolSearch(space, options.seed);
  }
}
