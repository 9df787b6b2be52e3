/**
 * evaluateSafely: what an objective returns becomes a trial outcome; in particular an unmeasured objective
 * (spec Q15: `objective: null` next to constraint values) completes with its constraints and no objective.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSafely } from '../../src/study/evaluate.js';
import type { EvaluateResult, Objective } from '../../src/study/objective.js';
import { SearchSpace } from '../../src/space/space.js';

const space = SearchSpace.from([{ name: 'x', type: 'float', low: 0, high: 1 }], 't');
const returning = (r: EvaluateResult): Objective => ({ name: 't', space, direction: 'maximize', evaluate: () => r });

test('objective null with constraints: complete, not measured, constraints kept', async () => {
  const o = await evaluateSafely(returning({ objective: null, constraints: [0.3, -0.1], metrics: { validated: false } }), { x: 0.5 }, 2);
  assert.equal(o.status, 'complete');
  assert.equal(o.objective, null);
  assert.deepEqual(o.constraints, [0.3, -0.1]);
  assert.equal(o.feasible, false);
  assert.deepEqual(o.metrics, { validated: false });
});

test('objective null without constraints, NaN or a missing value: failed, with the reason', async () => {
  const none = await evaluateSafely(returning({ objective: null }), { x: 0.5 }, null);
  assert.equal(none.status, 'failed');
  assert.match(none.error!, /may be null, i\.e\. not measured, only next to constraint values/);
  const nan = await evaluateSafely(returning({ objective: NaN, constraints: [1] }), { x: 0.5 }, null);
  assert.equal(nan.status, 'failed');
  assert.match(nan.error!, /non-finite objective \(NaN\)/);
  const bad = await evaluateSafely(returning({ objective: null, constraints: [Infinity] }), { x: 0.5 }, null);
  assert.equal(bad.status, 'failed');
  assert.match(bad.error!, /constraints that are not finite/);
  const ok = await evaluateSafely(returning(0.25), { x: 0.5 }, 0);
  assert.deepEqual([ok.status, ok.objective, ok.feasible], ['complete', 0.25, true]);
});
