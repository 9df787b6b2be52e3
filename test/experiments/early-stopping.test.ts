import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EXP1_EARLY_STOPPING_AS_RUN,
  failureValues,
  SpikeEarlyStopping,
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
