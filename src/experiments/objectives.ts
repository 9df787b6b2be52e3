/**
 * Registry entries of the paper's experiments. Light on purpose: the engines and datasets are imported only
 * when an experiment objective is actually built, so listing objectives or starting a CLI stays fast.
 */
import type { Objective } from '../study/objective.js';

/**
 * `exp1-stdp-mnist` (options: see `exp1OptionsSchema`; scale default full) and `exp1-stdp-mnist-small`;
 * `exp2-stdp-dvs` (options: see `exp2OptionsSchema`) and `exp2-stdp-dvs-small`.
 */
export const EXPERIMENT_OBJECTIVES = [
  {
    name: 'exp1-stdp-mnist',
    description: 'Experiment 1: Diehl & Cook STDP network on MNIST, accuracy maximised under 2 silent-network constraints',
    create: async (options: unknown): Promise<Objective> => (await import('./exp1-stdp-mnist.js')).exp1Factory('exp1-stdp-mnist', options),
  },
  {
    name: 'exp1-stdp-mnist-small',
    description: 'Experiment 1 at small scale (1000/500 images, map_size ≤ 400, 1 epoch, U = 20, total = 1000)',
    create: async (options: unknown): Promise<Objective> =>
      (await import('./exp1-stdp-mnist.js')).exp1Factory('exp1-stdp-mnist-small', options),
  },
  {
    name: 'exp2-stdp-dvs',
    description:
      'Experiment 2: Diehl & Cook STDP variant on DVS128 Gesture (options.dataDir; synthetic gestures without it), accuracy maximised under 2 silent-network constraints',
    create: async (options: unknown): Promise<Objective> => (await import('./exp2-stdp-dvs.js')).exp2Factory('exp2-stdp-dvs', options),
  },
  {
    name: 'exp2-stdp-dvs-small',
    description: 'Experiment 2 at small scale (60/30 samples, map_size ≤ 100, 1 epoch, U = 14, total = 60)',
    create: async (options: unknown): Promise<Objective> => (await import('./exp2-stdp-dvs.js')).exp2Factory('exp2-stdp-dvs-small', options),
  },
  {
    name: 'exp3-slayer-mnist',
    description: 'Experiment 3: ConvMNIST ALIF network trained by surrogate gradient (SLAYER) on MNIST, accuracy maximised under 1 silent-network constraint',
    create: async (options: unknown): Promise<Objective> => (await import('./exp3-slayer-mnist.js')).exp3Factory('exp3-slayer-mnist', options),
  },
  {
    name: 'exp3-slayer-mnist-small',
    description: 'Experiment 3 at small scale (2000/500 images, epochs ≤ 2, filters ≤ 16, U = 50, total = 2000)',
    create: async (options: unknown): Promise<Objective> => (await import('./exp3-slayer-mnist.js')).exp3Factory('exp3-slayer-mnist-small', options),
  },
  {
    name: 'exp4-slayer-dvs',
    description:
      'Experiment 4: ConvDVS ALIF network trained by surrogate gradient on DVS128 Gesture (options.dataDir; synthetic gestures without it), 1 silent-network constraint',
    create: async (options: unknown): Promise<Objective> => (await import('./exp4-slayer-dvs.js')).exp4Factory('exp4-slayer-dvs', options),
  },
  {
    name: 'exp4-slayer-dvs-small',
    description: 'Experiment 4 at small scale (110/44 samples at 2×32×32 over T = 25, d1 64, epochs ≤ 2, filters ≤ 8, kernels ≤ 12)',
    create: async (options: unknown): Promise<Objective> => (await import('./exp4-slayer-dvs.js')).exp4Factory('exp4-slayer-dvs-small', options),
  },
] as const;
