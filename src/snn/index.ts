/**
 * The event-driven STDP engine (BindsNET semantics, spec snn-models.md Part A; docs/stdp.md):
 * layers with typed-array state and spike index lists, connections with one step of delay, learning rules,
 * spike monitors, the paper's Diehl & Cook networks, decoders and the training/evaluation driver.
 */
export type { Layer } from './layers/layer.js';
export { InputLayer, type InputLayerOptions } from './layers/input.js';
export { LifLayer, type LifModel, type LifParams } from './layers/lif.js';
export { LazyTrace } from './layers/trace.js';
export type { Connection } from './connections/connection.js';
export { DenseConnection, type DenseInit, type DenseOptions } from './connections/dense.js';
export { OneToOneConnection, AllButSelfConnection } from './connections/structured.js';
export type { LearningRule, LearningRuleKind, Synapses, RuleOptions } from './learning/rule.js';
export { postPre, hebbian } from './learning/post-pre.js';
export { weightDependentPostPre } from './learning/weight-dependent.js';
export { SpikeMonitor, type MonitorOptions } from './monitor.js';
export { Network, type NetworkOptions, type SampleActivity } from './network.js';
export {
  buildDiehlCook,
  experiment1Config,
  experiment2Config,
  bindsnetDefaultConfig,
  distanceWeight,
  PAPER_BEST_EXP1,
  LAYER_NAMES,
  type DiehlCookConfig,
  type DiehlCookNetwork,
  type ExcitatoryParams,
  type InhibitoryParams,
  type InputConnectionParams,
  type BuildOptions,
  type Exp1Hyperparameters,
  type Exp2Hyperparameters,
} from './models/diehl-cook.js';
export * from './decoders/index.js';
export { trainAndEvaluate, type TrainOptions, type TrainResult, type ChunkReport } from './train.js';
export { KernelContext, wasmAvailable, type KernelBackend } from '../kernels/snn-kernels.js';
