/**
 * The surrogate-gradient engine (SLAYER semantics, docs/surrogate.md): network descriptions, the paper's CSNNs,
 * one-sample BPTT replicas, and the training loop.
 */
export { planNetwork, parameterCount, type BlockSpec, type ConvBlockSpec, type PoolBlockSpec, type DenseBlockSpec, type InputShape, type BlockPlan } from './architecture.js';
export { type NeuronParams, type NeuronKind, type NumericMode, quantizedThreshold, surrogateConstants } from './neuron.js';
export { SlayerNetwork, type SlayerNetworkConfig, type ReplicaOptions, type SampleResult } from './network.js';
export { ParameterLayout } from './parameters.js';
export { Adam } from './adam.js';
export { rateLoss, maxLoss, predict, type LossName } from './loss.js';
export { convMnist, convDvs, alifParams, EXP3_BEST, type SlayerHyperparameters } from './models.js';
export { trainSlayer, evaluateSlayer, type TrainOptions, type TrainResult, type EpochRecord, type StopRule } from './trainer.js';
export { LocalReplicas, ThreadReplicas, createReplicas, type ReplicaSet, type BatchSample, type SampleOutcome } from './replicas.js';
