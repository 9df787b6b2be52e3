/**
 * The paper's convolutional SNNs built from hyperparameters (spec system.md §3.3–3.4, snn-models.md B6):
 * ALIF blocks sharing one set of neuron parameters; conv blocks with axonal delay and dropout.
 */
import type { BlockSpec } from './architecture.js';
import type { NeuronParams } from './neuron.js';
import type { SlayerNetworkConfig } from './network.js';
import type { LossName } from './loss.js';

/** Hyperparameters of experiments 3 and 4 (system.md §3.5), names as in the search spaces. */
export interface SlayerHyperparameters {
  epochs: number;
  batch_size: number;
  decoder: LossName;
  c1_filters: number;
  c2_filters: number;
  c1_k: number;
  c2_k: number;
  learning_rate: number;
  tau_grad: number;
  scale_grad: number;
  threshold: number;
  threshold_step: number;
  current_decay: number;
  voltage_decay: number;
  threshold_decay: number;
  refractory_decay: number;
  dropout: number;
}

/** The neuron parameters shared by every block. */
export function alifParams(hp: SlayerHyperparameters): NeuronParams {
  return {
    kind: 'alif',
    threshold: hp.threshold,
    thresholdStep: hp.threshold_step,
    currentDecay: hp.current_decay,
    voltageDecay: hp.voltage_decay,
    thresholdDecay: hp.threshold_decay,
    refractoryDecay: hp.refractory_decay,
    tauGrad: hp.tau_grad,
    scaleGrad: hp.scale_grad,
  };
}

/**
 * ConvMNIST (Exp 3): input 1×28×28×T; c1 conv (pad 0, delay, dropout) → a1 sum-pool 2 stride 1 → c2 conv →
 * a2 pool 2 stride 1 → outpt dense → 10.
 */
export function convMnist(hp: SlayerHyperparameters, T = 25): SlayerNetworkConfig {
  const blocks: BlockSpec[] = [
    { kind: 'conv', name: 'c1', out: hp.c1_filters, kernel: hp.c1_k, pad: 0, delay: true, dropout: hp.dropout },
    { kind: 'pool', name: 'a1', kernel: 2, stride: 1 },
    { kind: 'conv', name: 'c2', out: hp.c2_filters, kernel: hp.c2_k, pad: 0, delay: true, dropout: hp.dropout },
    { kind: 'pool', name: 'a2', kernel: 2, stride: 1 },
    { kind: 'dense', name: 'outpt', out: 10 },
  ];
  return { input: { channels: 1, height: 28, width: 28, T }, blocks, neuron: alifParams(hp) };
}

/**
 * ConvDVS (Exp 4): input 2×128×128×T; a1 pool 4 stride 1 → c1 conv pad 2 → a2 pool 2 s1 → c2 conv pad 1 →
 * a3 pool 2 s1 → d1 dense 512 (dropout) → outpt dense 11. `size` < 128 scales the input for small studies.
 */
export function convDvs(hp: SlayerHyperparameters, T = 100, size = 128, hidden = 512): SlayerNetworkConfig {
  const blocks: BlockSpec[] = [
    { kind: 'pool', name: 'a1', kernel: 4, stride: 1 },
    { kind: 'conv', name: 'c1', out: hp.c1_filters, kernel: hp.c1_k, pad: 2, delay: true, dropout: hp.dropout },
    { kind: 'pool', name: 'a2', kernel: 2, stride: 1 },
    { kind: 'conv', name: 'c2', out: hp.c2_filters, kernel: hp.c2_k, pad: 1, delay: true, dropout: hp.dropout },
    { kind: 'pool', name: 'a3', kernel: 2, stride: 1 },
    { kind: 'dense', name: 'd1', out: hidden, dropout: hp.dropout },
    { kind: 'dense', name: 'outpt', out: 11 },
  ];
  return { input: { channels: 2, height: size, width: size, T }, blocks, neuron: alifParams(hp) };
}

/** The paper's best experiment-3 configuration (system.md §7.3), used by the benchmark. */
export const EXP3_BEST: SlayerHyperparameters = {
  epochs: 100,
  batch_size: 35,
  decoder: 'rate',
  c1_filters: 123,
  c1_k: 12,
  c2_filters: 46,
  c2_k: 11,
  learning_rate: 2.05e-3,
  tau_grad: 0.1086,
  scale_grad: 0.6668,
  threshold: 1.3354,
  threshold_step: 0.1089,
  current_decay: 0.5604,
  voltage_decay: 0.1353,
  threshold_decay: 0.2562,
  refractory_decay: 0.1161,
  dropout: 0.0291,
};
