import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  constraintProportions,
  replayWatched,
  EXP1_EARLY_STOPPING_AS_RUN,
  failureValues,
  resolveEarlyStopping,
  SpikeEarlyStopping,
  SPIKE_HISTOGRAM_BINS,
  thresholdCalibration,
  wilsonLowerBound,
  type EarlyStoppingConfig,
} from '../../src/experiments/early-stopping.js';

/** One criterion on layer 'a': silent iff a < 5; p = 0.1 of total 20; chunks of U + 1 = 3 samples. */
const ONE: EarlyStoppingConfig = { updateInterval: 2, criteria: [{ layer: 'a', threshold: 5, proportion: 0.1, total: 20 }] };
const s = (a: number, b = 10): Record<string, number> => ({ a, b });

test('a chunk closes once more than U samples were seen; stop iff count/total > p (strict)', () => {
  const es = new SpikeEarlyStopping(ONE);
  // Chunk 1 (3 samples): one silent sample → count 1, 1/20 = 0.05 ≤ 0.1.
  assert.equal(es.feed(s(4)), false);
  assert.equal(es.feed(s(5)), false); // 5 is not < 5: not silent
  assert.equal(es.feed(s(9)), false);
  assert.equal(es.checks, 1);
  assert.deepEqual(es.silentCounts, [1]);
  // Chunk 2: one more silent → count 2, 2/20 = 0.1, not > 0.1: no stop.
  assert.equal(es.feed(s(0)), false);
  assert.equal(es.feed(s(7)), false);
  assert.equal(es.feed(s(7)), false);
  assert.deepEqual(es.silentCounts, [2]);
  assert.ok(Math.abs(es.constraints()[0]) < 1e-12);
  // Chunk 3: silent samples counted only when the chunk closes, stop on its last sample.
  assert.equal(es.feed(s(0)), false);
  assert.deepEqual(es.silentCounts, [2]);
  assert.equal(es.feed(s(9)), false);
  assert.equal(es.feed(s(9)), true);
  assert.equal(es.stopped, true);
  assert.deepEqual(es.stoppedAt, { epoch: 1, samples: 9, criteria: [0] });
  assert.ok(Math.abs(es.constraints()[0] - (3 / 20 - 0.1)) < 1e-12);
  assert.ok(es.constraints()[0] > 0);
});

test('counts restart each epoch and the trailing partial chunk of an epoch is never counted', () => {
  const es = new SpikeEarlyStopping(ONE);
  es.startEpoch();
  for (let i = 0; i < 3; i++) es.feed(s(0)); // chunk: 3 silent → 3/20 = 0.15 > 0.1 would stop...
  assert.equal(es.stopped, true);
  const es2 = new SpikeEarlyStopping({ ...ONE, criteria: [{ ...ONE.criteria[0], total: 40 }] });
  es2.startEpoch();
  for (let i = 0; i < 3; i++) es2.feed(s(0)); // 3/40 = 0.075
  es2.feed(s(0));
  es2.feed(s(0)); // trailing partial chunk of 2 silent samples
  es2.endEpoch();
  assert.deepEqual(es2.silentCounts, [3]);
  es2.startEpoch();
  assert.equal(es2.epoch, 2);
  assert.deepEqual(es2.silentCounts, [0]);
  // The dropped partial chunk does not leak into epoch 2: 3 samples close the first chunk of epoch 2.
  es2.feed(s(0));
  es2.feed(s(9));
  assert.equal(es2.checks, 1);
  es2.feed(s(9));
  assert.equal(es2.checks, 2);
  assert.deepEqual(es2.silentCounts, [1]);
  // Three silent chunks in one epoch would stop (4/40 > 0.1 after the second silent chunk: 1 + 3 = 4 → 0.1, not >).
  for (let i = 0; i < 3; i++) es2.feed(s(0));
  assert.equal(es2.stopped, false);
  for (let i = 0; i < 3; i++) es2.feed(s(0));
  assert.equal(es2.stopped, true);
  assert.deepEqual(es2.stoppedAt, { epoch: 2, samples: 9, criteria: [0] });
  assert.ok(Math.abs(es2.constraints()[0] - (7 / 40 - 0.1)) < 1e-12);
});

test('criteria are combined with OR, all evaluated at each check; one constraint per criterion', () => {
  const cfg: EarlyStoppingConfig = {
    updateInterval: 1,
    criteria: [
      { layer: 'a', threshold: 5, proportion: 0.5, total: 4 },
      { layer: 'b', threshold: 1, proportion: 0.25, total: 4 },
    ],
  };
  const es = new SpikeEarlyStopping(cfg);
  es.feed({ a: 0, b: 3 });
  assert.equal(es.feed({ a: 0, b: 3 }), false); // a: 2/4 = 0.5, not > 0.5; b: 0
  assert.deepEqual(es.constraints(), [0, -0.25]);
  es.feed({ a: 9, b: 0 });
  assert.equal(es.feed({ a: 9, b: 0 }), true); // b: 2/4 = 0.5 > 0.25 fires alone
  assert.deepEqual(es.stoppedAt?.criteria, [1]);
  assert.deepEqual(es.constraints(), [0, 0.25]);
  // Both firing at the same check are both reported.
  const both = new SpikeEarlyStopping({ ...cfg, criteria: cfg.criteria.map((c) => ({ ...c, proportion: 0.5 })) });
  both.feed({ a: 0, b: 0 });
  assert.equal(both.feed({ a: 0, b: 0 }), false); // 2/4 = 0.5 for both: not > 0.5
  both.feed({ a: 0, b: 0 });
  assert.equal(both.feed({ a: 0, b: 0 }), true);
  assert.deepEqual(both.stoppedAt?.criteria, [0, 1]);
});

test('batches: a chunk holds ⌈(U+1)/b⌉·b samples', () => {
  const es = new SpikeEarlyStopping({ ...ONE, updateInterval: 4, batchSize: 3 });
  assert.equal(es.feedBatch([s(9), s(9), s(9)]), false);
  assert.equal(es.checks, 0); // 3 ≤ 4
  es.feedBatch([s(9), s(9), s(9)]);
  assert.equal(es.checks, 1); // 6 = ⌈5/3⌉·3
  assert.throws(() => es.feed(s(1)), /batch size 1/);
});

test('chunk interface and trainAndEvaluate hook: the same decisions as per-sample feeding', () => {
  const cfg: EarlyStoppingConfig = { ...EXP1_EARLY_STOPPING_AS_RUN, updateInterval: 4, criteria: EXP1_EARLY_STOPPING_AS_RUN.criteria.map((c) => ({ ...c, total: 50 })) };
  const perSample = new SpikeEarlyStopping(cfg);
  const byChunk = new SpikeEarlyStopping(cfg);
  const hook = byChunk.chunkHook();
  // Deterministic pseudo-random spike totals, 2 epochs of 23 samples (chunks of 5, trailing 3 dropped).
  let x = 7;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648) % 9;
  for (let epoch = 1; epoch <= 2 && !perSample.stopped; epoch++) {
    perSample.startEpoch(epoch);
    let outpt: number[] = [];
    let inhib: number[] = [];
    for (let k = 1; k <= 23; k++) {
      const o = next();
      const i = next() % 3;
      outpt.push(o);
      inhib.push(i);
      const a = perSample.feed({ outpt: o, inhib: i });
      if (outpt.length === 5) {
        const b = hook({ epoch, samplesInEpoch: k, layerTotals: { outpt: Int32Array.from(outpt), inhib: Int32Array.from(inhib) } });
        assert.equal(b, a);
        assert.deepEqual(byChunk.silentCounts, perSample.silentCounts);
        outpt = [];
        inhib = [];
      }
      if (a) break;
    }
    perSample.endEpoch();
  }
  assert.deepEqual(byChunk.constraints(), perSample.constraints());
  assert.deepEqual(byChunk.stoppedAt, perSample.stoppedAt);
  assert.equal(perSample.stopped, true); // about 55 % of samples are silent for outpt: it fires
});

test('configuration is validated, and missing layers are reported', () => {
  assert.throws(() => new SpikeEarlyStopping({ updateInterval: -1, criteria: ONE.criteria }), /updateInterval/);
  assert.throws(() => new SpikeEarlyStopping({ updateInterval: 1, criteria: [] }), /criterion/);
  assert.throws(() => new SpikeEarlyStopping({ updateInterval: 1, criteria: [{ ...ONE.criteria[0], total: 0 }] }), /total/);
  assert.throws(() => new SpikeEarlyStopping(ONE).feed({ b: 1 }), /layer 'a'/);
});

test('failure convention (Q18): default objective 0 and c_i = 1 − p_i; faithful 0 and 100', () => {
  assert.deepEqual(failureValues([0.1, 0.05]), { objective: 0, constraints: [0.9, 0.95] });
  assert.deepEqual(failureValues([0.1, 0.05], 'faithful'), { objective: 0, constraints: [100, 100] });
});

/** The small-scale Exp 1 rule: U = 20 (chunks of 21), total 1000, p = 0.1, one criterion. */
const SMALL: EarlyStoppingConfig = { updateInterval: 20, criteria: [{ layer: 'a', threshold: 5, proportion: 0.1, total: 1000 }] };

/** Feeds silent (a = 0) or spiking (a = 9) samples until the rule fires or `n` samples; returns the stop sample. */
function run(es: SpikeEarlyStopping, silent: (i: number) => boolean, n: number): number | null {
  es.startEpoch(1);
  for (let i = 0; i < n; i++) if (es.feed(s(silent(i) ? 0 : 9))) return i + 1;
  es.endEpoch();
  return null;
}

test('Wilson lower bound: hand-computed values, below the rate, 0 without samples', () => {
  // k = n: LB = n/(n + z²).
  assert.ok(Math.abs(wilsonLowerBound(21, 21, 3) - 21 / 30) < 1e-12);
  assert.equal(wilsonLowerBound(0, 21, 3), 0);
  assert.equal(wilsonLowerBound(0, 0, 3), 0);
  // k = 21, n = 105, z = 3: (0.2 + 9/210 − 3·sqrt(0.16/105 + 9/44100)) / (1 + 9/105).
  const expected = (0.2 + 9 / 210 - 3 * Math.sqrt(0.16 / 105 + 9 / 44100)) / (1 + 9 / 105);
  assert.ok(Math.abs(wilsonLowerBound(21, 105, 3) - expected) < 1e-12);
  assert.ok(wilsonLowerBound(21, 105, 3) < 0.2);
});

test('predictive rule: a fully silent network stops at the first check instead of after p·total samples, with a projected constraint', () => {
  const plain = new SpikeEarlyStopping(SMALL);
  assert.equal(run(plain, () => true, 1000), 105); // 5 chunks of 21: count 105 > 100
  assert.ok(Math.abs(plain.constraints()[0] - 0.005) < 1e-12);
  assert.equal(plain.stoppedAt!.predicted, undefined);

  const predictive = new SpikeEarlyStopping({ ...SMALL, predictive: { z: 3 } });
  assert.equal(run(predictive, () => true, 1000), 21);
  assert.deepEqual(predictive.stoppedAt, { epoch: 1, samples: 21, criteria: [0], predicted: true });
  assert.ok(Math.abs(predictive.constraints()[0] - 0.9) < 1e-12); // 21/21 − 0.1

  // 'projected' alone: the same stop point as the spec, the silent rate as the constraint (105/105 − 0.1).
  const projected = new SpikeEarlyStopping({ ...SMALL, constraint: 'projected' });
  assert.equal(run(projected, () => true, 1000), 105);
  assert.ok(Math.abs(projected.constraints()[0] - 0.9) < 1e-12);
});

test('predictive rule: every network the full rule stops is stopped, never later; feasible ⇔ not stopped', () => {
  // Seeded silent patterns: stationary rates around p, and networks that fall silent or wake up mid-epoch.
  let state = 12345;
  const rand = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let flaggedByFull = 0;
  let earlier = 0;
  for (let trial = 0; trial < 400; trial++) {
    const rate = rand() * 0.4;
    const change = Math.floor(rand() * 1000);
    const after = rand() < 0.5 ? rate : rand() * 0.4;
    const pattern = Array.from({ length: 1000 }, (_, i) => rand() < (i < change ? rate : after));
    const full = run(new SpikeEarlyStopping(SMALL), (i) => pattern[i], 1000);
    if (full !== null) flaggedByFull++;
    for (const predictive of [{ z: 3 }, { z: 2, window: 5 }]) {
      const es = new SpikeEarlyStopping({ ...SMALL, predictive });
      const stop = run(es, (i) => pattern[i], 1000);
      const label = `trial ${trial}, ${JSON.stringify(predictive)}`;
      if (full !== null) {
        assert.ok(stop !== null && stop <= full, `${label}: full rule stops at ${full}, predictive at ${stop}`);
        if (stop < full && predictive.z === 3) earlier++;
      }
      assert.equal(es.constraints()[0] > 0, stop !== null, `${label}: constraint ${es.constraints()[0]} but stopped at ${stop}`);
    }
  }
  assert.ok(flaggedByFull > 50 && earlier > flaggedByFull / 2, `flagged ${flaggedByFull}, earlier ${earlier}`);
});

test('predictive window: a network going silent as it trains is stopped sooner, with a positive projected constraint', () => {
  // The silent rate climbs linearly from 0 to 30 % over the epoch: 15 % in all, so the full rule fires late.
  let state = 7;
  const rand = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pattern = Array.from({ length: 1000 }, (_, i) => rand() < (0.3 * i) / 1000);
  const full = run(new SpikeEarlyStopping(SMALL), (i) => pattern[i], 1000)!;
  const mean = new SpikeEarlyStopping({ ...SMALL, predictive: { z: 2 } });
  const meanStop = run(mean, (i) => pattern[i], 1000)!;
  const windowed = new SpikeEarlyStopping({ ...SMALL, predictive: { z: 2, window: 5 } });
  const windowStop = run(windowed, (i) => pattern[i], 1000)!;
  assert.ok(full > 800, `full rule at ${full}`);
  assert.ok(windowStop < meanStop && meanStop <= full, `window ${windowStop}, mean rate ${meanStop}, full ${full}`);
  // The constraint is the projected end-of-epoch silent fraction: above p although count/counted is not yet.
  const counted = windowStop - (windowStop % 21);
  const c = windowed.constraints()[0];
  assert.ok(c > 0, `constraint ${c}`);
  assert.ok(c > windowed.silentCounts[0] / counted - 0.1, 'the recent rate raised the projection');
  // Fewer chunks than the window: only the mean-rate projection can fire (a fully silent start still stops at 21).
  assert.equal(run(new SpikeEarlyStopping({ ...SMALL, predictive: { z: 3, window: 5 } }), () => true, 1000), 21);
});

test('predictive rule: a network that never exceeds p runs to the end with the spec\'s constraints', () => {
  const es = new SpikeEarlyStopping({ ...SMALL, predictive: { z: 3 } });
  // Every 20th sample silent: 5 % < 10 %.
  assert.equal(run(es, (i) => i % 20 === 0, 1000), null);
  const counted = es.silentCounts[0];
  assert.ok(Math.abs(es.constraints()[0] - (counted / 1000 - 0.1)) < 1e-12);
});

test('predictive options are validated, and study-config overrides carry them', () => {
  assert.throws(() => new SpikeEarlyStopping({ ...SMALL, predictive: { z: 0 } }), /predictive\.z/);
  assert.throws(() => new SpikeEarlyStopping({ ...SMALL, predictive: { z: 3, window: 0 } }), /predictive\.window must be an integer ≥ 1/);
  assert.throws(() => new SpikeEarlyStopping({ ...SMALL, predictive: { z: 3, window: 2.5 } }), /predictive\.window/);
  assert.throws(() => new SpikeEarlyStopping({ ...SMALL, predictive: { z: 3 }, constraint: 'count' }), /constraint 'count'/);
  assert.throws(() => new SpikeEarlyStopping({ ...SMALL, constraint: 'rate' as 'count' }), /constraint must be/);
  const rule = resolveEarlyStopping(EXP1_EARLY_STOPPING_AS_RUN, { predictive: { z: 2.5 } }, { updateInterval: 20, total: 1000 });
  assert.deepEqual(rule, {
    updateInterval: 20,
    criteria: EXP1_EARLY_STOPPING_AS_RUN.criteria.map((c) => ({ ...c, total: 1000 })),
    predictive: { z: 2.5 },
  });
  assert.equal(resolveEarlyStopping(EXP1_EARLY_STOPPING_AS_RUN, false, null), null);
});

test('watch only: the rule counts and records where it would fire, but never asks training to stop', () => {
  const es = new SpikeEarlyStopping(SMALL, { watchOnly: true });
  assert.equal(run(es, () => true, 1000), null);
  assert.deepEqual(es.stoppedAt, { epoch: 1, samples: 105, criteria: [0] });
  assert.ok(Math.abs(es.constraints()[0] - 0.005) < 1e-12);
  // The spike histogram keeps counting after the rule would have fired: 1000 samples with 0 spikes, then 2 more.
  const histogram = new Array(SPIKE_HISTOGRAM_BINS).fill(0);
  histogram[0] = 1000;
  assert.deepEqual(es.outcome().watched!.spikeHistograms, { a: histogram });
  assert.equal(es.checkChunk({ a: [0, 40] }), false);
  histogram[0]++;
  histogram[SPIKE_HISTOGRAM_BINS - 1]++; // 40 spikes: the last bin counts 31 or more
  // Every check of the epoch is logged, past the point where it would have fired (47 chunks of 21 silent samples,
  // then the chunk above); the counts go on too, while the constraints stay those it would have reported.
  const checks = Array.from({ length: 47 }, (_, k) => ({ samples: 21 * (k + 1), silent: [21] }));
  checks.push({ samples: 1002, silent: [1] });
  assert.deepEqual(es.silentCounts, [988]);
  assert.ok(Math.abs(es.constraints()[0] - 0.005) < 1e-12);
  // Reported as watched, with no stop point and no constraints for the optimizer.
  assert.deepEqual(es.outcome(), {
    stoppedAt: null,
    watched: { criteria: SMALL.criteria, wouldStopAt: es.stoppedAt, constraints: es.constraints(), spikeHistograms: { a: histogram }, checks },
    constraints: [],
  });
  es.startEpoch(2);
  assert.deepEqual(es.outcome().watched!.checks, []);
  const stopping = new SpikeEarlyStopping(SMALL);
  run(stopping, () => true, 1000);
  assert.deepEqual(stopping.outcome(), { stoppedAt: stopping.stoppedAt, watched: null, constraints: stopping.constraints() });
});

test('replay: a logged epoch gives the stop points the live rules gave, under any p and prediction', () => {
  let state = 99;
  const rand = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let trial = 0; trial < 50; trial++) {
    const pattern = Array.from({ length: 1000 }, (_, i) => rand() < (0.25 * i * (trial % 5)) / 4000);
    const watch = new SpikeEarlyStopping(SMALL, { watchOnly: true });
    run(watch, (i) => pattern[i], 1000);
    const watched = watch.outcome().watched!;
    for (const rule of [SMALL, { ...SMALL, predictive: { z: 3 } }, { ...SMALL, predictive: { z: 2, window: 5 } }, { ...SMALL, criteria: [{ ...SMALL.criteria[0], proportion: 0.05 }] }]) {
      const live = new SpikeEarlyStopping(rule);
      run(live, (i) => pattern[i], 1000);
      assert.deepEqual(replayWatched(watched, rule), live.stoppedAt, `trial ${trial}, ${JSON.stringify(rule)}`);
    }
  }
  const watched = new SpikeEarlyStopping(SMALL, { watchOnly: true }).outcome().watched!;
  assert.throws(() => replayWatched(watched, { criteria: [{ ...SMALL.criteria[0], threshold: 2 }] }), /layers and thresholds/);
  assert.throws(() => replayWatched({ ...watched, checks: undefined }, SMALL), /no checks/);
  assert.throws(() => new SpikeEarlyStopping(SMALL).checkCounts([1, 2], 21), /2 silent counts for 1 criteria/);
});

test('constraint proportions: one per criterion, none without a rule or when it only watches', () => {
  assert.deepEqual(constraintProportions(EXP1_EARLY_STOPPING_AS_RUN.criteria, 'stop'), [0.1, 0.1]);
  assert.deepEqual(constraintProportions(EXP1_EARLY_STOPPING_AS_RUN.criteria, 'watch'), []);
  assert.deepEqual(constraintProportions(null, 'stop'), []);
});

test('threshold calibration: what other thresholds would have flagged, from watched spike histograms', () => {
  // Two criteria (a < 3 and b < 1, p = 0.1 of 100 samples); histograms by hand.
  const criteria = [
    { layer: 'a', threshold: 3, proportion: 0.1, total: 100 },
    { layer: 'b', threshold: 1, proportion: 0.1, total: 100 },
  ];
  const hist = (counts: Record<number, number>) => Array.from({ length: SPIKE_HISTOGRAM_BINS }, (_, k) => counts[k] ?? 0);
  const net = (objective: number | null, a: Record<number, number>, b: Record<number, number>) => ({
    objective,
    watched: { criteria, wouldStopAt: null, constraints: [], spikeHistograms: { a: hist(a), b: hist(b) } },
  });
  const networks = [
    net(0.9, { 1: 5, 2: 10, 6: 85 }, { 4: 100 }), // a < 2: 5 %, a < 3: 15 %
    net(0.5, { 0: 20, 6: 80 }, { 4: 100 }), // a < 1: 20 %
    net(0.95, { 6: 100 }, { 0: 50, 4: 50 }), // b silent on 50 %: flagged whatever a's threshold
    net(null, { 6: 100 }, { 4: 100 }), // never flagged, not measured
  ];
  assert.deepEqual(thresholdCalibration(networks, 0, [1, 2, 3, 7]), [
    { threshold: 1, flagged: 2, bestAccepted: 0.9 },
    { threshold: 2, flagged: 2, bestAccepted: 0.9 },
    { threshold: 3, flagged: 3, bestAccepted: null },
    { threshold: 7, flagged: 4, bestAccepted: null },
  ]);
  assert.deepEqual(thresholdCalibration(networks, 1, [1], 'minimize'), [{ threshold: 1, flagged: 3, bestAccepted: null }]);
  assert.throws(() => thresholdCalibration(networks, 0, [0]), /integers from 1/);
  assert.throws(() => thresholdCalibration(networks, 2, [1]), /no criterion 2/);
});
