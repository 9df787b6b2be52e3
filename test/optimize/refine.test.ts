import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { GaussianProcess } from '../../src/optimize/gp/gp.js';
import type { PathwiseSamples } from '../../src/optimize/gp/paths.js';
import { refinePick } from '../../src/optimize/scbo/refine.js';
import { scboSettings } from '../../src/optimize/scbo/settings.js';
import { Scbo } from '../../src/optimize/scbo/scbo.js';
import { SearchSpace } from '../../src/space/space.js';
import { benchmarkProblems } from '../../src/problems/synthetic.js';
import type { Proposal } from '../../src/optimize/types.js';

function fittedGp(seed: number, n = 30, d = 4) {
  const rng = new Rng(seed);
  const X = new Float64Array(n * d).map(() => rng.random());
  const y = new Float64Array(n).map((_, i) => Math.sin(3 * X[i * d]) + 4 * X[i * d + 1] ** 2 + 10);
  return { gp: GaussianProcess.fit(X, n, d, y, { rng }), rng, d };
}

test('sample paths reproduce the sampled values, have exact gradients and draw the same random numbers', () => {
  const { gp, rng, d } = fittedGp(3);
  const m = 40;
  const q = 3;
  const xs = new Float64Array(m * d).map(() => rng.random());
  const r1 = new Rng(9);
  const r2 = new Rng(9);
  const values = gp.sampleJoint(xs, m, q, r1, { method: 'pathwise', features: 1024 });
  const { values: v2, paths } = gp.samplePaths(xs, m, q, r2, { method: 'pathwise', features: 1024 });
  assert.deepEqual(Array.from(v2), Array.from(values));
  assert.equal(r1.random(), r2.random(), 'samplePaths consumes the same stream as sampleJoint');
  assert.ok(paths);
  const tol = 1e-5 * gp.standardization.std;
  for (let s = 0; s < q; s++) {
    for (let i = 0; i < m; i++) {
      const got = paths.evaluate(s, xs.subarray(i * d, (i + 1) * d));
      assert.ok(Math.abs(got - values[s * m + i]) <= tol, `path ${s} at ${i}: ${got} vs ${values[s * m + i]}`);
    }
  }
  const x = xs.slice(0, d);
  const g = new Float64Array(d);
  paths.evaluate(2, x, g);
  for (let k = 0; k < d; k++) {
    const h = 1e-6;
    const a = x.slice();
    const b = x.slice();
    a[k] += h;
    b[k] -= h;
    const fd = (paths.evaluate(2, a) - paths.evaluate(2, b)) / (2 * h);
    assert.ok(Math.abs(fd - g[k]) <= 1e-5 * Math.max(1, Math.abs(fd)), `gradient ${k}: ${g[k]} vs ${fd}`);
  }
  assert.equal(gp.samplePaths(xs, m, q, new Rng(1), { method: 'exact' }).paths, null);
});

test('mean paths are the posterior mean', () => {
  const { gp, rng, d } = fittedGp(4);
  const m = 25;
  const xs = new Float64Array(m * d).map(() => rng.random());
  const mean = gp.predict(xs, m).mean;
  const paths = gp.meanPaths(2);
  for (let i = 0; i < m; i++) {
    const x = xs.subarray(i * d, (i + 1) * d);
    assert.ok(Math.abs(paths.evaluate(0, x) - mean[i]) < 1e-9);
    assert.ok(Math.abs(paths.evaluate(1, x) - mean[i]) < 1e-9);
  }
});

/** A stand-in for sample paths: the same function for every sample, with its gradient. */
function fakePaths(f: (x: Float64Array, g: Float64Array) => number, scale = 1): PathwiseSamples {
  return {
    scale,
    evaluate(_s: number, x: Float64Array, grad: Float64Array | null = null) {
      const g = grad ?? new Float64Array(x.length);
      return f(x, g);
    },
  } as unknown as PathwiseSamples;
}

const box = (d: number) => ({ lower: new Float64Array(d), upper: new Float64Array(d).fill(1) });

test('a feasible pick moves to the constrained maximum of its sample and stays feasible', () => {
  // max −‖x − (0.9, 0.9)‖² subject to x0 + x1 ≤ 1: the optimum is (0.5, 0.5) on the constraint.
  const objective = fakePaths((x, g) => {
    g[0] = -2 * (x[0] - 0.9);
    g[1] = -2 * (x[1] - 0.9);
    return -((x[0] - 0.9) ** 2) - (x[1] - 0.9) ** 2;
  });
  const constraint = fakePaths((x, g) => {
    g[0] = 1;
    g[1] = 1;
    return x[0] + x[1] - 1;
  });
  const x0 = Float64Array.of(0.1, 0.2);
  // The tutorial preset's budget (10 iterations per penalty stage) gets close; 20 converge.
  const short = refinePick({ objective, constraints: [constraint], ...box(2), iterations: 10 }, 0, x0);
  assert.ok(short.improved && short.x[0] + short.x[1] - 1 <= 0 && Math.hypot(short.x[0] - 0.5, short.x[1] - 0.5) < 0.05);
  const r = refinePick({ objective, constraints: [constraint], ...box(2), iterations: 20 }, 0, x0);
  assert.ok(r.improved);
  assert.ok(r.x[0] + r.x[1] - 1 <= 0, `infeasible: ${Array.from(r.x)}`);
  assert.ok(Math.abs(r.x[0] - 0.5) < 1e-3 && Math.abs(r.x[1] - 0.5) < 1e-3, `not at the optimum: ${Array.from(r.x)}`);
  assert.deepEqual(Array.from(x0), [0.1, 0.2], 'the start is not modified');
});

test('the refined point stays in the box, and a pick at the optimum is kept', () => {
  const objective = fakePaths((x, g) => {
    g[0] = 1;
    g[1] = -1;
    return x[0] - x[1];
  });
  const lower = Float64Array.of(0.2, 0.3);
  const upper = Float64Array.of(0.4, 0.6);
  const r = refinePick({ objective, constraints: [], lower, upper, iterations: 5 }, 0, Float64Array.of(0.3, 0.4));
  assert.deepEqual(Array.from(r.x), [0.4, 0.3]);
  const kept = refinePick({ objective, constraints: [], lower, upper, iterations: 5 }, 0, Float64Array.of(0.4, 0.3));
  assert.equal(kept.improved, false);
});

test('without a feasible pick, refinement lowers the sampled violation', () => {
  // c1 = 0.7 − x0 and c2 = 0.6 − x1: feasible only where x0 ≥ 0.7 and x1 ≥ 0.6.
  const c1 = fakePaths((x, g) => {
    g[0] = -1;
    g[1] = 0;
    return 0.7 - x[0];
  });
  const c2 = fakePaths((x, g) => {
    g[0] = 0;
    g[1] = -1;
    return 0.6 - x[1];
  });
  const objective = fakePaths((x, g) => {
    g[0] = -1;
    g[1] = -1;
    return -x[0] - x[1];
  });
  const r = refinePick({ objective, constraints: [c1, c2], ...box(2), iterations: 10 }, 0, Float64Array.of(0.1, 0.1));
  assert.ok(r.improved);
  const violation = Math.max(0.7 - r.x[0], 0) + Math.max(0.6 - r.x[1], 0);
  assert.ok(violation < 1e-3, `violation ${violation} at ${Array.from(r.x)}`);
});

test('the tutorial preset refines its picks and searches feasibility by the posterior mean; others do not', () => {
  const base = { batchSize: 4, initialSize: 10 };
  assert.equal(scboSettings('tutorial', base).refineIterations, 10);
  assert.equal(scboSettings('tutorial', base).feasibilitySearch, 'mean');
  assert.equal(scboSettings('default', base).refineIterations, 0);
  assert.equal(scboSettings('default', base).feasibilitySearch, 'thompson');
  assert.equal(scboSettings('paper', base).refineIterations, 0);
  assert.throws(() => scboSettings('default', { ...base, refineIterations: -1 }), /refineIterations/);
});

const ackley = benchmarkProblems.ackley10c;
const ackleySpace = SearchSpace.from(ackley.space, 'ackley10c');

function run(opt: Scbo, budget: number): Proposal[] {
  const all: Proposal[] = [];
  while (all.length < budget) {
    const batch = opt.ask(4);
    all.push(...batch);
    opt.tell(
      batch.map((p) => {
        const r = ackley.evaluate(p.params);
        return { id: p.id, u: p.u, objective: -r.objective, constraints: r.constraints ?? [] };
      }),
    );
  }
  return all;
}

test('refinement changes the picks only where it applies: exact sampling is untouched', () => {
  const opts = { seed: 5, batchSize: 4, initialSize: 10, constraintCount: 2, preset: 'tutorial' as const, feasibilitySearch: 'thompson' as const };
  const plain = run(new Scbo(ackleySpace, { ...opts, refineIterations: 0, sampler: 'exact', candidates: 200 }), 18);
  const exact = run(new Scbo(ackleySpace, { ...opts, refineIterations: 10, sampler: 'exact', candidates: 200 }), 18);
  assert.deepEqual(exact.map((p) => Array.from(p.u)), plain.map((p) => Array.from(p.u)));
  const a = run(new Scbo(ackleySpace, { ...opts, refineIterations: 0 }), 18);
  const b = run(new Scbo(ackleySpace, { ...opts, refineIterations: 10 }), 18);
  assert.deepEqual(b.slice(0, 10).map((p) => Array.from(p.u)), a.slice(0, 10).map((p) => Array.from(p.u)), 'same design');
  assert.notDeepEqual(b.slice(10, 14).map((p) => Array.from(p.u)), a.slice(10, 14).map((p) => Array.from(p.u)), 'refined first batch');
});

test('on constrained Ackley the tutorial preset finds a feasible point sooner than BoTorch selection (6 seeds)', () => {
  const firstFeasible = (opts: Record<string, unknown>) => {
    const out: number[] = [];
    for (let seed = 1; seed <= 6; seed++) {
      const opt = new Scbo(ackleySpace, { seed, batchSize: 4, initialSize: 10, constraintCount: 2, preset: 'tutorial', ...opts });
      const ps = run(opt, 60);
      const i = ps.findIndex((p) => ackley.evaluate(p.params).constraints!.every((c) => c <= 0));
      out.push(i < 0 ? 100 : i + 1);
    }
    return out.reduce((a, b) => a + b, 0) / out.length;
  };
  const ours = firstFeasible({});
  const botorch = firstFeasible({ refineIterations: 0, feasibilitySearch: 'thompson' });
  assert.ok(ours < botorch, `mean first feasible evaluation ${ours} (ours) vs ${botorch} (BoTorch selection)`);
});
