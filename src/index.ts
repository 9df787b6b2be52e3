/**
 * spikeopt's public API: search spaces, optimizers (SCBO and baselines), objectives and studies, the data layer
 * the STDP engine and the surrogate-gradient engine. The `spikeopt` command is built on the same pieces.
 */
export * from './space/index.js';
export type { Optimizer, Proposal, ProposalInfo, ProposalPhase, Observation, PendingPoint } from './optimize/types.js';
export { createOptimizer, optimizerNames, type OptimizerName, type OptimizerOptions } from './optimize/create.js';
export { Scbo, type ScboOptions, type ScboState } from './optimize/scbo/scbo.js';
export { scboSettings, type ScboSettings, type ScboPreset, type PendingStrategy } from './optimize/scbo/settings.js';
export { RandomSearch, SobolSearch } from './optimize/baselines.js';
export { SobolEngine } from './optimize/sobol.js';
export { GaussianProcess } from './optimize/gp/gp.js';
export { benchmarkProblems, type BenchmarkProblem } from './problems/synthetic.js';
export { loadObjectiveModule, builtinObjective, type Objective, type Direction, type EvaluateResult } from './study/objective.js';
export { runOptimization, type OptimizationResult, type TrialRecord } from './study/optimize-loop.js';
export { runStudy, type StudyRunResult } from './study/runner.js';
export { StudyStore } from './storage/study-store.js';
export { Rng } from './util/rng.js';
export { UserError } from './util/errors.js';
export * as data from './data/index.js';
export * as snn from './snn/index.js';
export * as slayer from './slayer/index.js';
