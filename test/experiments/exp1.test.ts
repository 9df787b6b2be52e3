/**
 * Experiment 1 objective on real MNIST, tiny: 60 training / 30 validation images, map_size ≤ 30, U = 9.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExp1Objective, exp1EarlyStopping, exp1OptionsSchema, exp1Space, EXP1_SPACE_AS_RUN, type Exp1Metrics, type Exp1Options } from '../../src/experiments/exp1-stdp-mnist.js';
import { loadStudyConfig } from '../../src/study/config.js';
import { resolveObjective } from '../../src/study/registry.js';
import { PAPER_BEST_EXP1 } from '../../src/snn/index.js';

type Result = { objective: number | null; constraints: number[]; metrics: Exp1Metrics };
const TINY = { scale: 'small' as const, nTrain: 60, nValidation: 30, maxMapSize: 30, earlyStopping: { updateInterval: 9 } };
const GOOD = { ...PAPER_BEST_EXP1, map_size: 30, decoder: 'all', epochs: 1 };
/** No excitatory spike can ever reach a threshold of 1e6 mV, and no excitatory drive reaches the inhibitory layer. */
const SILENT = { ...GOOD, e_thresh: 1e6, strength_exc: 0 };
const ctx = (seed: number) => ({ trialId: seed, seed, attempt: 1 });

test('search spaces: as run d = 18 with the spec samplers; small caps map_size and fixes epochs', () => {
  const full = exp1Space({ scale: 'full', preset: 'as-run' });
  assert.equal(full.dimensionNames.length, 18);
  const byName = Object.fromEntries(full.parameters.map((p) => [p.name, p]));
  assert.equal((byName.nu_post as { sampler: string }).sampler, 'reverse-loguniform');
  assert.equal((byName.norm as { sampler: string }).sampler, 'loguniform');
  assert.equal((byName.map_size as { high: number }).high, 2000);
  const small = exp1Space({ scale: 'small', preset: 'as-run' });
  assert.equal(small.dimensionNames.length, 17);
  assert.equal((small.parameters.find((p) => p.name === 'map_size') as { high: number }).high, 400);
  assert.equal(EXP1_SPACE_AS_RUN.length, 18);
});

test('a tiny real run returns a finite accuracy in [0, 1], two constraints and the metrics', async () => {
  const obj = createExp1Objective(TINY);
  assert.equal(obj.direction, 'maximize');
  assert.equal(obj.constraintCount, 2);
  const r = (await obj.evaluate(GOOD, ctx(1))) as Result;
  assert.ok(r.objective !== null && Number.isFinite(r.objective) && r.objective >= 0 && r.objective <= 1);
  assert.equal(r.constraints.length, 2);
  assert.ok(r.constraints.every((c) => Number.isFinite(c) && c <= 0), `constraints ${r.constraints}`);
  assert.equal(r.metrics.stopped, false);
  assert.equal(r.metrics.stoppedAt, null);
  assert.ok(r.metrics.spikeCounts.train.outpt > 0 && r.metrics.spikeCounts.train.inhib > 0);
  assert.ok(r.metrics.trainSeconds > 0 && r.metrics.validationSeconds > 0);
  assert.equal(r.metrics.processedTrain, 60);
  assert.equal(r.metrics.earlyStopping?.criteria[0].total, 60); // small: total = training-set size
  // Same seed, same result.
  const again = (await obj.evaluate(GOOD, ctx(1))) as Result;
  assert.equal(again.objective, r.objective);
  assert.deepEqual(again.constraints, r.constraints);
});

test('a silent network is stopped at the first check with positive constraints; skip saves its validation', async () => {
  const r = (await createExp1Objective(TINY).evaluate(SILENT, ctx(2))) as Result;
  assert.equal(r.metrics.stopped, true);
  assert.deepEqual(r.metrics.stoppedAt, { epoch: 1, samples: 10, criteria: [0, 1] });
  // 10 silent samples of total 60: c = 10/60 − 0.1 for both criteria.
  for (const c of r.constraints) assert.ok(Math.abs(c - (10 / 60 - 0.1)) < 1e-12);
  assert.equal(r.metrics.processedTrain, 10);
  assert.equal(r.metrics.validated, true); // faithful default (Q15): validated anyway
  assert.equal(r.metrics.processedValidation, 30);

  const skipped = (await createExp1Objective({ ...TINY, validateStopped: 'skip' }).evaluate(SILENT, ctx(2))) as Result;
  assert.equal(skipped.metrics.validated, false);
  assert.equal(skipped.objective, null); // not measured: the objective GP ignores it (Q15)
  assert.deepEqual(skipped.constraints, r.constraints);
  assert.equal(skipped.metrics.spikeCounts.validation.inpt, 0); // nothing encoded or simulated
});

test('silentRule watch: a silent network trains to the end, no constraints, and the metrics say where the rule would have stopped it', async () => {
  const obj = createExp1Objective({ ...TINY, silentRule: 'watch' });
  assert.equal(obj.constraintCount, 0);
  const r = (await obj.evaluate(SILENT, ctx(2))) as Result;
  assert.equal(r.metrics.stopped, false);
  assert.equal(r.metrics.stoppedAt, null);
  assert.equal(r.metrics.processedTrain, 60);
  assert.deepEqual(r.constraints, []);
  assert.deepEqual(r.metrics.watched!.wouldStopAt, { epoch: 1, samples: 10, criteria: [0, 1] });
  for (const c of r.metrics.watched!.constraints) assert.ok(Math.abs(c - (10 / 60 - 0.1)) < 1e-12);
  // The spike histograms cover every training sample, also after the rule would have fired: all 60 silent.
  for (const layer of ['outpt', 'inhib']) assert.equal(r.metrics.watched!.spikeHistograms[layer][0], 60, layer);
  assert.equal(typeof r.objective, 'number');
});

test('predictive rule: a silent network stops at the first check with the projected constraint', async () => {
  const r = (await createExp1Objective({ ...TINY, earlyStopping: { updateInterval: 9, predictive: { z: 3 } } }).evaluate(SILENT, ctx(2))) as Result;
  assert.deepEqual(r.metrics.stoppedAt, { epoch: 1, samples: 10, criteria: [0, 1], predicted: false });
  // Here 10/60 already exceeds p: the count fires too, and the projected value is the silent rate 10/10 − 0.1.
  for (const c of r.constraints) assert.ok(Math.abs(c - 0.9) < 1e-12);
});

test('without early stopping: no constraints; failures follow Q18', async () => {
  const none = createExp1Objective({ ...TINY, earlyStopping: false });
  assert.equal(none.constraintCount, 0);
  const r = (await none.evaluate(SILENT, ctx(3))) as Result;
  assert.deepEqual(r.constraints, []);
  assert.equal(r.metrics.stopped, false);
  assert.equal(r.metrics.processedTrain, 60);

  const bad = { ...GOOD, map_size: 0 };
  const d = (await createExp1Objective(TINY).evaluate(bad, ctx(4))) as Result;
  assert.equal(d.objective, 0);
  assert.deepEqual(d.constraints, [0.9, 0.9]);
  assert.equal(d.metrics.failed, true);
  const f = (await createExp1Objective({ ...TINY, failure: 'faithful' }).evaluate(bad, ctx(4))) as Result;
  assert.deepEqual(f.constraints, [100, 100]);
  assert.throws(() => createExp1Objective({ ...TINY, failure: 'throw' }).evaluate(bad, ctx(4)));
});

test('registered as exp1-stdp-mnist and exp1-stdp-mnist-small, options validated', async () => {
  const small = await resolveObjective({ kind: 'registered', name: 'exp1-stdp-mnist-small' });
  assert.equal(small.name, 'exp1-stdp-mnist-small');
  assert.equal(small.space.dimensionNames.length, 17);
  const full = await resolveObjective({ kind: 'registered', name: 'exp1-stdp-mnist', options: { validateStopped: 'skip' } });
  assert.equal(full.space.dimensionNames.length, 18);
  await assert.rejects(resolveObjective({ kind: 'registered', name: 'exp1-stdp-mnist', options: { scale: 'huge' } }), /option scale/);
  await assert.rejects(resolveObjective({ kind: 'registered', name: 'exp1-stdp-mnist-small', options: { scale: 'full' } }), /option scale/);
});

test('the study file\'s scales: small on 5 000 images, tiny on 1 000, with the rule scaled to them', () => {
  const scaleOf = (scale: string) => {
    const { config } = loadStudyConfig('experiments/exp1-stdp-mnist.yaml', scale);
    assert.equal(config.objective.kind, 'registered');
    const o = exp1OptionsSchema.parse(config.objective.kind === 'registered' ? config.objective.options : null) as Exp1Options;
    assert.equal(exp1Space(o).dimensionNames.length, 17, `${scale}: the small space`);
    return { o, rule: exp1EarlyStopping(o, o.nTrain ?? 1000)!, scbo: config.optimizer.settings, name: config.name };
  };
  const small = scaleOf('small');
  assert.equal(small.name, 'exp1-stdp-mnist-small');
  assert.deepEqual([small.o.nTrain, small.o.nValidation, small.rule.updateInterval], [5000, 1000, 100]);
  assert.deepEqual(small.rule.criteria.map((c) => [c.layer, c.threshold, c.proportion, c.total]), [['outpt', 2, 0.1, 5000], ['inhib', 1, 0.1, 5000]]);
  assert.deepEqual(small.rule.predictive, { z: 2, window: 5 });
  assert.equal(small.o.validateStopped, 'skip');
  assert.equal(small.scbo.cautiousFeasibility, true);
  const tiny = scaleOf('tiny');
  assert.equal(tiny.name, 'exp1-stdp-mnist-tiny');
  assert.deepEqual([tiny.o.nTrain, tiny.rule.updateInterval, tiny.rule.criteria.map((c) => [c.threshold, c.total])], [undefined, 20, [[2, 1000], [1, 1000]]]);
  assert.deepEqual(tiny.rule.predictive, { z: 3 });
});
