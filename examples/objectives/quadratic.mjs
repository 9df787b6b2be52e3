// An example objective module. evaluate() receives the parameters and a context ({ trialId, seed, attempt }) and
// returns the objective, constraint values (feasible when <= 0) and any metrics worth keeping.
export const name = 'quadratic';
export const direction = 'maximize';
export const constraintCount = 1;
export const space = [
  { name: 'lr', type: 'float', low: 1e-5, high: 1, log: true },
  { name: 'width', type: 'int', low: 1, high: 128 },
  { name: 'decoder', type: 'categorical', choices: ['all', 'vote', 'rate'] },
];

export async function evaluate(p, context) {
  const score = 1 - (Math.log10(p.lr) + 2.5) ** 2 / 10 - (p.width - 40) ** 2 / 5000 + (p.decoder === 'vote' ? 0.02 : 0);
  const spikes = Math.round(1000 * p.width * p.lr);
  return {
    objective: score,
    constraints: [5 - spikes],               // "silent" when fewer than 5 spikes
    metrics: { spikeCounts: { hidden: spikes }, seed: context.seed, stopped: spikes < 5 },
  };
}
