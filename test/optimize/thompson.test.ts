import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectConstrainedThompson } from '../../src/optimize/scbo/thompson.js';
import { Rng } from '../../src/util/rng.js';

function randomSamples(rng: Rng, q: number, m: number): Float64Array {
  const a = new Float64Array(q * m);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

test('picks q distinct candidates, the best feasible of each sample', () => {
  const rng = new Rng(1);
  const q = 8;
  const m = 50;
  const objective = randomSamples(rng, q, m);
  const chosen = selectConstrainedThompson({ objective, constraints: [], m, samples: q, rule: 'perSample' });
  assert.equal(chosen.length, q);
  assert.equal(new Set(chosen).size, q);
  // The first sample's pick is its overall maximum.
  const first = Array.from(objective.subarray(0, m));
  assert.equal(chosen[0], first.indexOf(Math.max(...first)));
});

test('a constraint violated everywhere but a known subset confines every pick to the subset', () => {
  const rng = new Rng(2);
  const q = 5;
  const m = 40;
  const subset = new Set([3, 7, 11, 19, 23, 31]);
  const constraint = new Float64Array(q * m);
  for (let s = 0; s < q; s++) for (let i = 0; i < m; i++) constraint[s * m + i] = subset.has(i) ? -1 : 5;
  const chosen = selectConstrainedThompson({
    objective: randomSamples(rng, q, m),
    constraints: [constraint],
    m,
    samples: q,
    rule: 'perSample',
  });
  assert.equal(chosen.length, q);
  for (const i of chosen) assert.ok(subset.has(i), `candidate ${i} is outside the feasible subset`);
});

test('with nothing feasible, each sample picks its least-violating candidate', () => {
  const m = 6;
  const q = 2;
  const c1 = new Float64Array([5, 4, 3, 2, 1, 0.5, /* sample 2 */ 0.1, 9, 9, 9, 9, 9]);
  const c2 = new Float64Array([1, 1, 1, 1, 1, 1, /* sample 2 */ 1, 1, 1, 1, 1, 0.01]);
  const objective = new Float64Array([9, 9, 9, 9, 9, -9, 0, 0, 0, 0, 0, 0]);
  const chosen = selectConstrainedThompson({ objective, constraints: [c1, c2], m, samples: q, rule: 'perSample' });
  assert.deepEqual(chosen, [5, 0]);
});

test('global rule: a sample without feasible candidates takes the first one not chosen', () => {
  const m = 4;
  // Sample 1 has a feasible candidate (index 2); sample 2 has none.
  const c = new Float64Array([1, 1, -1, 1, /* sample 2 */ 1, 1, 1, 0.001]);
  const objective = new Float64Array([0, 0, 0, 0, 5, 5, 5, 5]);
  const perSample = selectConstrainedThompson({ objective, constraints: [c], m, samples: 2, rule: 'perSample' });
  assert.deepEqual(perSample, [2, 3], 'per sample: least violation 0.001 at index 3');
  const global = selectConstrainedThompson({ objective, constraints: [c], m, samples: 2, rule: 'global' });
  assert.deepEqual(global, [2, 0], 'global: every infeasible score is -inf, first allowed index wins');
});

test('excluded candidates and duplicate groups are never picked', () => {
  const m = 6;
  const objective = new Float64Array([6, 5, 4, 3, 2, 1, 6, 5, 4, 3, 2, 1, 6, 5, 4, 3, 2, 1]);
  const excluded = new Uint8Array(m);
  excluded[0] = 1;
  const groups = new Int32Array([0, 1, 1, 2, 2, 3]);
  const chosen = selectConstrainedThompson({ objective, constraints: [], m, samples: 3, rule: 'perSample', excluded, groups });
  assert.deepEqual(chosen, [1, 3, 5]);
});
