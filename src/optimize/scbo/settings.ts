/**
 * SCBO settings and presets. `default` is our improved variant, `paper` reproduces the code the paper ran
 * (quirks Q3-Q7, Q26 of system.md §9), `tutorial` the BoTorch SCBO tutorial (the reference traces of scbo.md §11.2).
 */
import type { ThompsonRule } from './thompson.js';
import type { TrustRegionRule } from './trust-region.js';
import type { TrustRegionShape } from './candidates.js';

export type ScboPreset = 'default' | 'paper' | 'tutorial';
export type PendingStrategy = 'believer' | 'exclude' | 'ignore';
export type SamplerChoice = 'exact' | 'pathwise' | 'auto';

export interface ScboSettings {
  /** Points per batch q (also sizes the failure tolerance). */
  batchSize: number;
  /** Size of the initial design and of each restart design. */
  initialSize: number;
  /** 'random': i.i.d. draws from each parameter's sampler (paper); 'sobol': scrambled Sobol in the unit cube. */
  initialDesign: 'random' | 'sobol';
  lengthInit: number;
  lengthMin: number;
  lengthMax: number;
  successTolerance: number;
  /** Default ⌈max(4/q, d/q)⌉ when undefined. */
  failureTolerance?: number;
  /** Default min(5000, max(2000, 200·d)) when undefined. */
  candidates?: number;
  /** Default min(20/d, 1) when undefined. */
  perturbationProbability?: number;
  trustRegionShape: TrustRegionShape;
  /** 'best': best feasible point, else least violating; 'max-objective': highest objective ignoring feasibility (paper, Q4). */
  centre: 'best' | 'max-objective';
  /** Trust-region update quirks Q5-Q7. */
  trustRegionRule: TrustRegionRule;
  /** Restarts keep earlier data for the GPs (paper) or fit only data gathered since the restart (TuRBO). */
  restartData: 'keep' | 'discard';
  thompsonRule: ThompsonRule;
  /**
   * Joint posterior sampling over the candidates: 'pathwise' (random Fourier features plus an exact data update,
   * linear in the candidate count), 'exact' (Cholesky of the candidate covariance: O(m³), about 1.4 s per GP at
   * m = 2000 here), 'auto' (exact up to 500 candidates).
   */
  sampler: SamplerChoice;
  /** Random Fourier features for pathwise sampling. */
  features: number;
  pendingStrategy: PendingStrategy;
  /** L∞ distance in the unit cube under which a candidate counts as a duplicate of a running point. */
  duplicateDistance: number;
  objectiveTransform: 'none' | 'copula';
  constraintTransform: 'none' | 'bilog';
  /** Every GP uses the objective GP's kernel hyperparameters (paper, Q3). */
  sharedKernel: boolean;
  /** Results of points proposed before the current restart update the new region's counters (paper) or not. */
  staleResultsUpdateRegion: boolean;
  /** Maximum training points; the best are kept (never reached in the paper). */
  beam: number;
  /** L-BFGS iterations per GP fit start. */
  fitIterations: number;
  /**
   * Refit a GP's hyperparameters only once its training set has grown by this fraction since its last fit
   * (0: at every batch, as published). In between, the GP is conditioned on all current data with its last
   * hyperparameters (one Cholesky instead of an L-BFGS fit). For cheap evaluations, where fitting would
   * otherwise take a large share of the cores; hyperparameters move little once n is in the hundreds.
   */
  refitGrowth: number;
  /**
   * Gradient refinement of each Thompson pick on its own sample path (scbo/refine.ts): L-BFGS iterations per
   * sample, 0 to pick among the candidates only. Needs pathwise sampling and a continuous space (ignored otherwise).
   */
  refineIterations: number;
  /**
   * How constraints are judged while no feasible point has been observed: 'thompson' (a posterior sample, as
   * afterwards) or 'mean' (the posterior mean: pick the best sampled objective among the candidates the
   * constraint models predict feasible, else the least predicted violation).
   */
  feasibilitySearch: 'thompson' | 'mean';
  /**
   * Cautious feasibility: a candidate whose constraint posterior mean is > 0 counts as infeasible in every
   * Thompson sample (its sampled value is raised to the mean), so batches go where feasibility is at least even
   * odds. For objectives whose infeasible points cost compute (silent networks). Default false (SCBO as published).
   */
  cautiousFeasibility: boolean;
}

const common = {
  initialDesign: 'random' as const,
  lengthInit: 0.8,
  lengthMin: 0.5 ** 7,
  lengthMax: 1.6,
  successTolerance: 3,
  duplicateDistance: 1e-4,
  features: 2048,
  beam: 100000,
  fitIterations: 200,
  refitGrowth: 0,
  sampler: 'pathwise' as const,
  refineIterations: 0,
  feasibilitySearch: 'thompson' as const,
  cautiousFeasibility: false,
};

/** Settings for a preset, overridden field by field. */
export function scboSettings(
  preset: ScboPreset,
  overrides: Partial<ScboSettings> & { batchSize: number; initialSize: number },
): ScboSettings {
  const base: Omit<ScboSettings, 'batchSize' | 'initialSize'> =
    preset === 'paper'
      ? {
          ...common,
          trustRegionShape: 'weighted',
          centre: 'max-objective',
          trustRegionRule: 'faithful',
          restartData: 'keep',
          thompsonRule: 'global',
          pendingStrategy: 'ignore',
          objectiveTransform: 'none',
          constraintTransform: 'none',
          sharedKernel: true,
          staleResultsUpdateRegion: true,
        }
      : preset === 'tutorial'
        ? {
            ...common,
            initialDesign: 'sobol',
            successTolerance: 10,
            // Ours, not BoTorch's (docs/optimizer.md): gradient refinement of the Thompson picks, and the posterior
            // mean of the constraints until the first feasible point.
            refineIterations: 10,
            feasibilitySearch: 'mean',
            trustRegionShape: 'cube',
            centre: 'best',
            trustRegionRule: 'default',
            restartData: 'discard',
            thompsonRule: 'perSample',
            pendingStrategy: 'ignore',
            objectiveTransform: 'none',
            constraintTransform: 'none',
            sharedKernel: false,
            staleResultsUpdateRegion: false,
          }
        : {
            ...common,
            trustRegionShape: 'weighted',
            centre: 'best',
            trustRegionRule: 'default',
            restartData: 'keep',
            thompsonRule: 'perSample',
            pendingStrategy: 'believer',
            objectiveTransform: 'none',
            constraintTransform: 'none',
            sharedKernel: false,
            staleResultsUpdateRegion: false,
          };
  const settings = { ...base, ...stripUndefined(overrides) } as ScboSettings;
  validateSettings(settings);
  return settings;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validateSettings(s: ScboSettings): void {
  const positiveInt = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new RangeError(`SCBO setting ${name} must be a positive integer, got ${v}`);
    }
  };
  positiveInt('batchSize', s.batchSize);
  positiveInt('initialSize', s.initialSize);
  positiveInt('successTolerance', s.successTolerance);
  positiveInt('failureTolerance', s.failureTolerance);
  positiveInt('candidates', s.candidates);
  positiveInt('features', s.features);
  if (!(Number.isInteger(s.refineIterations) && s.refineIterations >= 0)) {
    throw new RangeError(`SCBO setting refineIterations must be a non-negative integer, got ${s.refineIterations}`);
  }
  if (!(Number.isFinite(s.refitGrowth) && s.refitGrowth >= 0)) {
    throw new RangeError(`SCBO setting refitGrowth must be a number >= 0, got ${s.refitGrowth}`);
  }
  if (!(s.lengthMin > 0 && s.lengthMin < s.lengthInit && s.lengthInit <= s.lengthMax)) {
    throw new RangeError(
      `SCBO lengths must satisfy 0 < lengthMin < lengthInit <= lengthMax, got ${s.lengthMin}, ${s.lengthInit}, ${s.lengthMax}`,
    );
  }
}
