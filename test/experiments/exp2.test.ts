/**
 * Experiment 2 objective on tiny synthetic DVS data: 12 training / 6 validation gestures, map_size ≤ 24, U = 3,
 * 20 frames per sample (the synthetic generator and the chain are the real ones; a few seconds in all).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createExp2Objective,
  exp2Data,
  exp2Space,
  EXP2_EARLY_STOPPING_AS_RUN,
  EXP2_SPACE_AS_RUN,
  EXP2_SPACE_COMMITTED,
  type Exp2Metrics,
} from '../../src/experiments/exp2-stdp-dvs.js';
import { SyntheticGestureDataset } from '../../src/data/index.js';
import { resolveObjective } from '../../src/study/registry.js';

type Result = { objective: number | null; constraints: number[]; metrics: Exp2Metrics };
const TINY = { scale: 'small' as const, nTrain: 12, nValidation: 6, maxMapSize: 24, timeBins: 20, earlyStopping: { updateInterval: 3 } };
/** A network that fires: low excitatory threshold, strong exc → inh drive. */
const GOOD = {
  decoder: 'all', epochs: 1, reset_interval: 20, map_size: 24, nu_pre: 1e-3, nu_post: 1e-3, strength_exc: 100, strength_inh: 20,
  norm: 6000, e_thresh: -55, e_rest: -65, e_refrac: 5, theta_plus: 0.05, tc_theta_decay: 1e7, e_tc_decay: 100, e_tc_trace: 20,
  i_thresh: -40, i_rest: -60, i_refrac: 2, i_tc_decay: 10,
};
/** No excitatory spike can reach a threshold of 1e6 mV, so neither layer ever fires. */
const SILENT = { ...GOOD, e_thresh: 1e6 };
const ctx = (seed: number) => ({ trialId: seed, seed, attempt: 1 });

test('search spaces: as run d = 20, committed d = 19 (no epochs); small caps map_size and fixes epochs', () => {
  assert.equal(EXP2_SPACE_AS_RUN.length, 20);
  assert.equal(EXP2_SPACE_COMMITTED.length, 19);
  assert.ok(!EXP2_SPACE_COMMITTED.some((p) => p.name === 'epochs'));
  const full = exp2Space({ scale: 'full', preset: 'as-run' });
  assert.equal(full.dimensionNames.length, 20);
  const byName = Object.fromEntries(full.parameters.map((p) => [p.name, p]));
  assert.deepEqual([(byName.norm as { low: number }).low, (byName.norm as { high: number }).high], [3276.8, 32768]);
  assert.equal((byName.strength_exc as { sampler: string }).sampler, 'loguniform');
  assert.equal((byName.map_size as { high: number }).high, 1000);
  assert.equal(exp2Space({ scale: 'full', preset: 'committed' }).dimensionNames.length, 19);
  const small = exp2Space({ scale: 'small', preset: 'as-run' });
  assert.equal(small.dimensionNames.length, 19);
  assert.equal((small.parameters.find((p) => p.name === 'map_size') as { high: number }).high, 100);
  assert.equal(exp2Space({ scale: 'small', preset: 'committed' }).dimensionNames.length, 19);
  assert.equal(EXP2_EARLY_STOPPING_AS_RUN.updateInterval, 35);
  assert.deepEqual(EXP2_EARLY_STOPPING_AS_RUN.criteria.map((c) => [c.layer, c.threshold, c.proportion, c.total]), [
    ['outpt', 1, 0.1, 862],
    ['inhib', 1, 0.3, 862],
  ]);
});

test('synthetic data: the 689 / 173 split of an 862-sample subset, stratified small subsets, marked synthetic', () => {
  const full = exp2Data({ format: 'auto', timeBins: 20, dataSeed: 0 }, null, null);
  assert.deepEqual(full.splitSizes, { train: 689, validation: 173 });
  assert.equal(full.dataset, 'synthetic-dvs');
  assert.ok(full.train.synthetic && full.validation.synthetic);
  const small = exp2Data({ format: 'auto', timeBins: 20, dataSeed: 0 }, 60, 30);
  assert.equal(small.train.size, 60);
  assert.equal(small.validation.size, 30);
  assert.equal(small.splitHash, full.splitHash);
  const labels = new Set(Array.from({ length: 60 }, (_, i) => small.train.label(i)));
  assert.equal(labels.size, 11, 'every class in the stratified subset');
  // Generated samples are deterministic and shaped like DVS frames.
  const a = new SyntheticGestureDataset({ seed: 1, split: 'train', size: 3, nTimeBins: 20 });
  const b = new SyntheticGestureDataset({ seed: 1, split: 'train', size: 3, nTimeBins: 20 });
  const s = a.events(2);
  assert.equal(s.T, 20);
  assert.equal(s.nInputs, 32768);
  assert.ok(s.offsets[20] > 1000, 'active cells');
  assert.deepEqual(Array.from(b.events(2).indices), Array.from(s.indices));
});

test('a tiny run returns an accuracy, two constraints and the metrics (dataset synthetic-dvs, lateral sign)', async () => {
  const obj = createExp2Objective(TINY);
  assert.equal(obj.direction, 'maximize');
  assert.equal(obj.constraintCount, 2);
  assert.match(obj.notes![0], /SYNTHETIC DVS gestures/);
  const r = (await obj.evaluate(GOOD, ctx(1))) as Result;
  assert.ok(r.objective !== null && r.objective >= 0 && r.objective <= 1, `objective ${r.objective}`);
  assert.equal(r.constraints.length, 2);
  assert.ok(r.constraints.every(Number.isFinite));
  const m = r.metrics;
  assert.equal(m.dataset, 'synthetic-dvs');
  assert.equal(m.lateralSign, 'inhibitory');
  assert.equal(m.scale, 'small');
  assert.equal(m.timeBins, 20);
  assert.equal(m.nTrain, 12);
  assert.ok(m.spikeCounts.train.inpt > 0 && m.spikeCounts.train.outpt > 0, JSON.stringify(m.spikeCounts));
  assert.ok(m.trainSeconds > 0 && m.validationSeconds >= 0);
  assert.deepEqual(Object.keys(m.accuracies).sort(), ['2gram', 'all', 'log', 'svm', 'vote']);
  assert.equal(m.earlyStopping?.criteria[0].total, 12, 'small: total = training-set size');
  assert.equal(m.earlyStopping?.updateInterval, 3);
  const again = (await obj.evaluate(GOOD, ctx(1))) as Result;
  assert.equal(again.objective, r.objective);
  assert.deepEqual(again.constraints, r.constraints);
});

test('a silent network stops at the first check; skip leaves its objective unmeasured', async () => {
  const r = (await createExp2Objective(TINY).evaluate(SILENT, ctx(2))) as Result;
  assert.equal(r.metrics.stopped, true);
  assert.deepEqual(r.metrics.stoppedAt, { epoch: 1, samples: 4, criteria: [0, 1] });
  assert.ok(Math.abs(r.constraints[0] - (4 / 12 - 0.1)) < 1e-12);
  assert.ok(Math.abs(r.constraints[1] - (4 / 12 - 0.3)) < 1e-12);
  assert.equal(r.metrics.validated, true);
  assert.ok(r.objective !== null);
  const skipped = (await createExp2Objective({ ...TINY, validateStopped: 'skip' }).evaluate(SILENT, ctx(2))) as Result;
  assert.equal(skipped.objective, null);
  assert.equal(skipped.metrics.validated, false);
  assert.equal(skipped.metrics.spikeCounts.validation.inpt, 0);
  assert.deepEqual(skipped.constraints, r.constraints);
});

test('a failing configuration returns the failure values (Q18) with the reason', async () => {
  const bad = { ...GOOD, map_size: 0 };
  const d = (await createExp2Objective(TINY).evaluate(bad, ctx(3))) as Result;
  assert.equal(d.objective, 0);
  assert.deepEqual(d.constraints, [0.9, 0.7]);
  assert.equal(d.metrics.failed, true);
  assert.match(d.metrics.error!, /mapSize/);
  assert.equal(d.metrics.dataset, 'synthetic-dvs');
  const f = (await createExp2Objective({ ...TINY, failure: 'faithful' }).evaluate(bad, ctx(3))) as Result;
  assert.deepEqual(f.constraints, [100, 100]);
  assert.throws(() => createExp2Objective({ ...TINY, failure: 'throw' }).evaluate({ ...GOOD, decoder: '3gram' }, ctx(3)), /decoder must be one of/);
  const none = createExp2Objective({ ...TINY, earlyStopping: false });
  assert.equal(none.constraintCount, 0);
});

test('registered as exp2-stdp-dvs and exp2-stdp-dvs-small, options validated', async () => {
  const small = await resolveObjective({ kind: 'registered', name: 'exp2-stdp-dvs-small' });
  assert.equal(small.name, 'exp2-stdp-dvs-small');
  assert.equal(small.space.dimensionNames.length, 19);
  const full = await resolveObjective({ kind: 'registered', name: 'exp2-stdp-dvs', options: { lateralSign: 'reference-positive' } });
  assert.equal(full.space.dimensionNames.length, 20);
  await assert.rejects(resolveObjective({ kind: 'registered', name: 'exp2-stdp-dvs', options: { lateral: 'x' } }), /Objective exp2-stdp-dvs: options/);
  await assert.rejects(resolveObjective({ kind: 'registered', name: 'exp2-stdp-dvs-small', options: { scale: 'full' } }), /option scale/);
});

test('dataDir: recordings are read through the real readers; a synthetic-marked folder is still called synthetic', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { writeSyntheticGestureDataset } = await import('../../src/data/index.js');
  const root = mkdtempSync(join(tmpdir(), 'spikeopt-exp2-'));
  writeSyntheticGestureDataset({ out: root, samples: 20, format: 'npy', seed: 3, durationUs: 400_000, noiseRate: 2000 });
  const options = { ...TINY, dataDir: root, cacheDir: false as const, nTrain: 8, nValidation: 3 };
  const data = exp2Data({ format: 'auto', timeBins: 20, dataSeed: 0, dataDir: root, cacheDir: false }, 8, 3);
  // 16 training recordings (the rest are test users): a split of min(862, 16) = 16 → 12 / 4.
  assert.deepEqual(data.splitSizes, { train: 12, validation: 4 });
  assert.equal(data.dataset, 'synthetic-dvs');
  assert.match(data.source, /synthetic recordings in .*DVSGesture \(tonic-npy, 16 training samples, split of 16\)/);
  const obj = createExp2Objective(options);
  assert.match(obj.notes![0], /SYNTHETIC DVS recordings .*synthetic-data marker/);
  const r = (await obj.evaluate(GOOD, ctx(4))) as Result;
  assert.equal(r.metrics.dataset, 'synthetic-dvs');
  assert.equal(r.metrics.nTrain, 8);
  assert.equal(r.metrics.nValidation, 3);
  assert.ok(r.metrics.spikeCounts.train.inpt > 0);
});
