/**
 * Registry entries of the paper's experiments. Light on purpose: the engines and datasets are imported only
 * when an experiment objective is actually built, so listing objectives or starting a CLI stays fast.
 */
import type { Objective } from '../study/objective.js';

/** `exp1-stdp-mnist` (options: see `exp1OptionsSchema`; scale default full) and `exp1-stdp-mnist-small`. */
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
] as const;
