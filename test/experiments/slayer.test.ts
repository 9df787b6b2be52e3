/**
 * Experiments 3 and 4 as objectives: search spaces as run, a real evaluation at a tiny size (accuracy, the
 * constraint, spike counts and timings recorded), the small scale's caps, and failures scored by Q18.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EXP3, exp3Factory } from '../../src/experiments/exp3-slayer-mnist.js';
import { EXP4, exp4Factory } from '../../src/experiments/exp4-slayer-dvs.js';
import { slayerEarlyStopping, slayerSpace, parseSlayerOptions } from '../../src/experiments/slayer-objective.js';

const point = {
  epochs: 1, batch_size: 8, decoder: 'rate', c1_filters: 4, c2_filters: 4, c1_k: 5, c2_k: 5, learning_rate: 0.01,
  tau_grad: 0.3, scale_grad: 0.8, threshold: 0.5, threshold_step: 0.05, current_decay: 0.5, voltage_decay: 0.1,
  threshold_decay: 0.1, refractory_decay: 0.3, dropout: 0.05,
};

describe('experiment 3 (SLAYER on MNIST)', () => {
  it('has the d = 17 search space as run, and the small scale lowers epochs and filters', () => {
    const full = slayerSpace(EXP3, 'full');
    assert.equal(full.dimension, 17);
    const small = slayerSpace(EXP3, 'small');
    const hi = (name: string) => (small.parameters.find((p) => p.name === name) as { high: number }).high;
    assert.equal(hi('epochs'), 2);
    assert.equal(hi('c1_filters'), 16);
    assert.equal(hi('c1_k'), 12);
  });

  it('small scale: U and total follow the training size', () => {
    const o = parseSlayerOptions('exp3-slayer-mnist-small', {}, { scale: 'small' });
    const rule = slayerEarlyStopping(EXP3, o, 2000, 8)!;
    assert.equal(rule.updateInterval, 50);
    assert.deepEqual(rule.criteria, [{ layer: 'outpt', threshold: 5, proportion: 0.05, total: 2000 }]);
  });

  it('evaluates a network on real MNIST: accuracy, one constraint, spikes per block, timings', async () => {
    const obj = exp3Factory('exp3-slayer-mnist-small', { nTrain: 48, nValidation: 20 });
    const r = (await obj.evaluate(point, { trialId: 1, seed: 7, attempt: 1 })) as { objective: number; constraints: number[]; metrics: Record<string, unknown> };
    assert.ok(r.objective >= 0 && r.objective <= 1, `accuracy ${r.objective}`);
    assert.equal(r.constraints.length, 1);
    const m = r.metrics;
    assert.deepEqual(Object.keys(m.spikeCounts as object), ['c1', 'a1', 'c2', 'a2', 'outpt']);
    assert.ok((m.trainSeconds as number) > 0 && (m.validationSeconds as number) > 0);
    assert.equal(m.synthetic, false);
    assert.equal(m.epochsRun, 1);
  });

  it('a failure (network over the parameter budget) gives Q18 values and the error, not an exception', async () => {
    const obj = exp3Factory('exp3-slayer-mnist', { maxParameters: 1000 });
    const r = (await obj.evaluate(point)) as { objective: number; constraints: number[]; metrics: Record<string, unknown> };
    assert.equal(r.objective, 0);
    assert.deepEqual(r.constraints, [1 - 0.05]);
    assert.match(String(r.metrics.error), /parameters, above the budget maxParameters = 1000/);
  });

  it('rejects unknown options with a sentence naming them', () => {
    assert.throws(() => exp3Factory('exp3-slayer-mnist', { threads: 0 }), /Objective exp3-slayer-mnist: option threads/);
  });
});

describe('experiment 4 (SLAYER on DVS128 Gesture)', () => {
  it('has the d = 17 search space as run', () => {
    assert.equal(slayerSpace(EXP4, 'full').dimension, 17);
  });

  it('small scale on synthetic gestures says so in its metrics', async () => {
    const obj = exp4Factory('exp4-slayer-dvs-small', { nTrain: 11, nValidation: 11 });
    const r = (await obj.evaluate({ ...point, batch_size: 2, c1_k: 6, c2_k: 6 }, { trialId: 1, seed: 3, attempt: 1 })) as { objective: number; constraints: number[]; metrics: Record<string, unknown> };
    assert.equal(r.metrics.synthetic, true);
    assert.match(String(r.metrics.dataset), /SYNTHETIC/);
    assert.match(String(r.metrics.dataset), /2×32×32 × T=25/);
    assert.equal(r.constraints.length, 1);
    assert.ok(r.objective === null || (r.objective >= 0 && r.objective <= 1));
  });
});
