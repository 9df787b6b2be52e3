import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TrustRegion,
  defaultFailureTolerance,
  isBetter,
  type TrustRegionRule,
} from '../../src/optimize/scbo/trust-region.js';
import { defaultCandidateCount, perturbationProbability } from '../../src/optimize/scbo/candidates.js';

function region(rule: TrustRegionRule = 'default', m = 1, d = 10, q = 4, successTolerance = 3): TrustRegion {
  return new TrustRegion(
    { lengthInit: 0.8, lengthMin: 0.5 ** 7, lengthMax: 1.6, successTolerance, failureTolerance: defaultFailureTolerance(d, q), rule },
    m,
  );
}
const feasible = (y: number) => ({ objective: y, constraints: [-1] });

test('failure tolerance and candidate counts match the worked values of the spec', () => {
  assert.equal(defaultFailureTolerance(10, 4), 3);
  assert.equal(defaultFailureTolerance(20, 4), 5);
  assert.equal(defaultFailureTolerance(18, 16), 2);
  assert.equal(defaultFailureTolerance(20, 16), 2);
  assert.equal(defaultFailureTolerance(17, 32), 1);
  assert.equal(defaultFailureTolerance(17, 16), 2);
  assert.equal(defaultCandidateCount(10), 2000);
  assert.equal(defaultCandidateCount(17), 3400);
  assert.equal(defaultCandidateCount(18), 3600);
  assert.equal(defaultCandidateCount(20), 4000);
  assert.equal(defaultCandidateCount(25), 5000);
  assert.equal(defaultCandidateCount(300), 5000);
  assert.equal(perturbationProbability(10), 1);
  assert.equal(perturbationProbability(40), 0.5);
});

test('the first update from (-inf, +inf) is a success under both rules', () => {
  for (const rule of ['default', 'faithful'] as const) {
    const tr = region(rule);
    assert.equal(tr.update([feasible(1)]), true, rule);
    assert.equal(tr.best, 1);
  }
});

test('three failures at d 10, q 4 halve L; successes double it up to 1.6', () => {
  const tr = region();
  tr.update([feasible(10)]);
  for (let i = 0; i < 2; i++) tr.update([feasible(0)]);
  assert.equal(tr.length, 0.8);
  tr.update([feasible(0)]);
  assert.equal(tr.length, 0.4);
  assert.equal(tr.failureCount, 0);
  // Three successes (improvements larger than 1e-3 relative) double L.
  tr.update([feasible(11)]);
  tr.update([feasible(12)]);
  assert.equal(tr.length, 0.4);
  tr.update([feasible(13)]);
  assert.equal(tr.length, 0.8);
  for (let k = 0; k < 9; k++) tr.update([feasible(14 + k)]);
  assert.equal(tr.length, 1.6, 'capped at L_max');
});

test('improvements below 1e-3 relative do not count as successes', () => {
  const tr = region();
  tr.update([feasible(100)]);
  assert.equal(tr.update([feasible(100.05)]), false);
  assert.equal(tr.update([feasible(100.2)]), true);
});

test('seven consecutive shrinks from 0.8 trigger a restart', () => {
  const tr = region();
  tr.update([feasible(5)]);
  let halvings = 0;
  while (!tr.restartTriggered) {
    const before = tr.length;
    tr.update([feasible(0)]);
    if (tr.length < before) halvings++;
    assert.ok(halvings <= 7, 'halvings <= 7');
  }
  assert.equal(halvings, 7);
  assert.equal(tr.length, 0.00625);
});

test('faithful restart reproduces the NaN lock-out; default restart does not', () => {
  const faithful = region('faithful');
  faithful.update([{ objective: 5, constraints: [0] }]);
  faithful.reset();
  assert.ok(Number.isNaN(faithful.bestConstraints[0]), 'zero constraint times infinity is NaN');
  for (let k = 0; k < 5; k++) assert.equal(faithful.update([feasible(100 + k)]), false);
  // The infeasible branch cannot succeed either (raw sum < NaN is false).
  assert.equal(faithful.update([{ objective: 1, constraints: [3] }]), false);

  const def = region('default');
  def.update([{ objective: 5, constraints: [0] }]);
  def.reset();
  assert.equal(def.update([feasible(1)]), true);
});

test('infeasible branch: raw sums (faithful) and positive-part violations (default) disagree', () => {
  // Incumbent c = [2, -10]: raw sum -8, violation 2. Candidate c = [1, 0]: raw sum 1, violation 1.
  const incumbent = { objective: 0, constraints: [2, -10] };
  const candidate = { objective: 0, constraints: [1, 0] };
  const def = region('default', 2);
  def.update([incumbent]);
  assert.equal(def.update([candidate]), true, 'violation 1 < 2 is progress');
  const faithful = region('faithful', 2);
  faithful.update([incumbent]);
  assert.equal(faithful.update([candidate]), false, 'raw sum 1 > -8 is not');
});

test('incumbent infeasibility: any(c > 0) by default, all(c > 0) in the faithful rule', () => {
  const incumbent = { objective: 0, constraints: [2, -1] };
  const def = region('default', 2);
  def.setIncumbent(incumbent.objective, incumbent.constraints);
  assert.equal(def.update([{ objective: -50, constraints: [-1, -1] }]), true);
  const faithful = region('faithful', 2);
  faithful.setIncumbent(incumbent.objective, incumbent.constraints);
  assert.equal(faithful.update([{ objective: -50, constraints: [-1, -1] }]), false);
});

test('a chunk of failed evaluations is a failure', () => {
  const tr = region();
  tr.update([feasible(1)]);
  assert.equal(tr.update([{ objective: null, constraints: null }]), false);
  assert.equal(tr.failureCount, 1);
});

test('point order: feasible beats infeasible, then objective, then violation', () => {
  assert.ok(isBetter({ objective: -100, constraints: [0] }, { objective: 100, constraints: [0.1] }), 'isBetter({ objective: -100, constraints: [0] }, { objective: 100, constraints: [0.1] })');
  assert.ok(isBetter({ objective: 2, constraints: [-1] }, { objective: 1, constraints: [-1] }), 'isBetter({ objective: 2, constraints: [-1] }, { objective: 1, constraints: [-1] })');
  assert.ok(isBetter({ objective: -5, constraints: [0.5, -3] }, { objective: 5, constraints: [0.2, 0.4] }), 'isBetter({ objective: -5, constraints: [0.5, -3] }, { objective: 5, constraints: [0.2, 0.4] })');
  assert.ok(!isBetter({ objective: null, constraints: null }, { objective: 1, constraints: [1] }), '!isBetter({ objective: null, constraints: null }, { objective: 1, constraints: [1] })');
  assert.ok(isBetter({ objective: 1, constraints: [1] }, null), 'isBetter({ objective: 1, constraints: [1] }, null)');
});

test('unmeasured objectives (Q15): ranked as infeasible by violation, never above a feasible measured point', () => {
  const unmeasured = (...c: number[]) => ({ objective: null, constraints: c });
  // A feasible point with a measured objective beats any unmeasured one, even one with feasible constraints.
  assert.ok(isBetter({ objective: -100, constraints: [0] }, unmeasured(-1)));
  assert.ok(!isBetter(unmeasured(-1), { objective: -100, constraints: [0] }));
  // Among infeasible points, the violation decides, measured or not; failed points rank last.
  assert.ok(isBetter(unmeasured(0.1), { objective: 5, constraints: [0.3] }));
  assert.ok(isBetter(unmeasured(0.1), { objective: null, constraints: null }));
  assert.ok(!isBetter({ objective: null, constraints: null }, unmeasured(5)));
  assert.ok(isBetter(unmeasured(0.2), null));

  // A chunk of unmeasured points is an infeasible chunk: a success only when it lowers the violation.
  const tr = region();
  assert.equal(tr.update([unmeasured(0.5)]), true, 'first violation from +inf');
  assert.equal(tr.best, -Infinity, 'no objective taken from an unmeasured point');
  assert.deepEqual(tr.bestConstraints, [0.5]);
  assert.equal(tr.update([unmeasured(0.7)]), false);
  assert.equal(tr.update([unmeasured(0.2)]), true);
  assert.equal(tr.update([feasible(0.3), unmeasured(-1)]), true, 'the first feasible measured point replaces it');
  assert.equal(tr.best, 0.3);
  assert.equal(tr.update([unmeasured(-5), unmeasured(0.1)]), false, 'unmeasured points never improve a feasible incumbent');
  assert.equal(tr.best, 0.3);
});
