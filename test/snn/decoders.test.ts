/**
 * Decoders on small hand-made spike records (spec snn-models.md A6).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AllActivityDecoder,
  LabelAssignment,
  LogisticRegressionDecoder,
  NgramDecoder,
  ProportionWeightingDecoder,
  SvmDecoder,
  argmaxLowest,
  createDecoder,
  firingSets,
  type SampleSpikes,
} from '../../src/snn/decoders/index.js';
import { Rng } from '../../src/util/rng.js';

const counts = (...c: number[]): SampleSpikes => ({ counts: c });
const events = (t: number[], neuron: number[], n = 8): SampleSpikes => {
  const c = new Array<number>(n).fill(0);
  for (const j of neuron) c[j]++;
  return { counts: c, events: { t, neuron } };
};

const chunk1 = [counts(2, 0, 1, 0), counts(4, 0, 0, 0), counts(0, 3, 1, 0), counts(0, 0, 2, 0)];
const labels1 = [0, 0, 1, 2];

describe('label assignment', () => {
  it('averages counts per class, normalises rows, assigns the argmax (never-firing neurons → class 0)', () => {
    const a = new LabelAssignment(4, 3);
    assert.deepEqual([...a.assignments], [-1, -1, -1, -1]);
    a.update(chunk1, labels1);
    assert.deepEqual([...a.rates], [3, 0, 0, 0, 3, 0, 0.5, 1, 2, 0, 0, 0]);
    const p = [...a.proportions];
    assert.deepEqual(p.slice(0, 6), [1, 0, 0, 0, 1, 0]);
    assert.ok(Math.abs(p[6] - 1 / 7) < 1e-12 && Math.abs(p[7] - 2 / 7) < 1e-12 && Math.abs(p[8] - 4 / 7) < 1e-12);
    assert.deepEqual(p.slice(9), [0, 0, 0]);
    assert.deepEqual([...a.assignments], [0, 1, 2, 0]);
  });

  it('accumulates with alpha = 1; classes absent from a chunk keep their rates', () => {
    const a = new LabelAssignment(4, 3);
    a.update(chunk1, labels1);
    a.update([counts(0, 0, 7, 0)], [1]);
    assert.deepEqual([...a.rates], [3, 0, 0, 0, 3, 0, 0.5, 8, 2, 0, 0, 0]);
    assert.deepEqual([...a.assignments], [0, 1, 1, 0]);
  });
});

describe('all-activity and proportion-weighting decoders', () => {
  it('predict class 0 for everything before the first update', () => {
    for (const d of [new AllActivityDecoder(4, 3), new ProportionWeightingDecoder(4, 3)]) assert.equal(d.predict(counts(0, 5, 5, 0)), 0);
  });

  it('score classes by the (proportion-weighted) mean count of their neurons, ties to the lowest class', () => {
    const all = new AllActivityDecoder(4, 3);
    const vote = new ProportionWeightingDecoder(4, 3);
    all.update(chunk1, labels1);
    vote.update(chunk1, labels1);
    // counts [1,1,1,0]: all → c0 (1+0)/2, c1 1, c2 1: tie → 1. vote → c0 0.5, c1 1, c2 4/7 → 1.
    assert.equal(all.predict(counts(1, 1, 1, 0)), 1);
    assert.equal(vote.predict(counts(1, 1, 1, 0)), 1);
    // counts [2,0,1,0]: all → c0 1, c2 1: tie → 0; vote → c0 (1·2)/2 = 1, c2 4/7 → 0.
    assert.equal(all.predict(counts(2, 0, 1, 0)), 0);
    assert.equal(vote.predict(counts(0, 0, 3, 0)), 2);
    assert.equal(all.predict(counts(0, 0, 0, 0)), 0);
    // vote differs from all when proportions matter: neuron 2 (class 2, proportion 4/7) vs neuron 1 (class 1, 1).
    assert.equal(all.predict(counts(0, 1, 1, 0)), 1);
    assert.equal(vote.predict(counts(0, 1, 2, 0)), 2);
    assert.equal(vote.predict(counts(0, 2, 3, 0)), 1);
  });

  it('argmaxLowest breaks ties toward the lowest index', () => {
    assert.equal(argmaxLowest([0, 0, 0]), 0);
    assert.equal(argmaxLowest([1, 3, 3]), 1);
  });
});

describe('n-gram decoder', () => {
  it('trains on consecutive firing sets (Cartesian products) and predicts from the flat firing order', () => {
    const d = new NgramDecoder(2, 8, 3);
    const a = events([1, 1, 3, 5], [2, 5, 1, 2]); // sets [2,5] [1] [2]
    assert.deepEqual(firingSets(a), [[2, 5], [1], [2]]);
    d.update([a, events([0, 2], [1, 2])], [0, 1]);
    assert.deepEqual([...d.scores.get(d.key([2, 1]))!], [1, 0, 0]);
    assert.deepEqual([...d.scores.get(d.key([5, 1]))!], [1, 0, 0]);
    assert.deepEqual([...d.scores.get(d.key([1, 2]))!], [1, 1, 0]);
    assert.equal(d.scores.size, 3, 'no tuple from within one step');
    assert.equal(d.predict(events([0, 1, 2], [5, 1, 2])), 0); // (5,1)+(1,2) = [2,1,0]
    assert.equal(d.predict(events([0, 4], [1, 2])), 0); // (1,2) = [1,1,0]: tie → 0
    // Prediction windows run over the flat list, so two neurons of the same step form a tuple there.
    assert.equal(d.predict(events([3, 3], [2, 1])), 0);
    assert.equal(d.predict(events([3, 4], [6, 7])), 0, 'unknown tuples score nothing');
    d.update([events([0, 1], [6, 7])], [2]);
    assert.equal(d.predict(events([3, 4], [6, 7])), 2);
  });

  it('3-grams take every triple of the product of three consecutive sets', () => {
    const d = new NgramDecoder(3, 8, 2);
    d.update([events([0, 0, 1, 2, 2], [1, 2, 3, 4, 5])], [1]);
    assert.equal(d.scores.size, 4); // {1,2}×{3}×{4,5}
    assert.deepEqual([...d.scores.get(d.key([2, 3, 5]))!], [0, 1]);
  });

  it('needs events', () => {
    assert.throws(() => new NgramDecoder(2, 4, 2).predict(counts(1, 0, 0, 0)), /firing order/);
  });
});

/** Separable sparse counts: class c fires neurons 3c and 3c+1. */
function blobs(n: number, classes: number, rng: Rng): { chunk: SampleSpikes[]; labels: number[] } {
  const chunk: SampleSpikes[] = [];
  const labels: number[] = [];
  for (let k = 0; k < n; k++) {
    const c = k % classes;
    const x = new Array<number>(3 * classes).fill(0);
    x[3 * c] = 2 + rng.int(4);
    x[3 * c + 1] = rng.int(3);
    if (rng.random() < 0.3) x[rng.int(3 * classes)] += 1;
    chunk.push({ counts: x });
    labels.push(c);
  }
  return { chunk, labels };
}

describe('logistic regression decoder', () => {
  it('predicts −1 before a fit and skips single-class chunks', () => {
    const d = new LogisticRegressionDecoder(3);
    assert.equal(d.predict(counts(1, 0, 0)), -1);
    d.update([counts(1, 0, 0), counts(2, 0, 0)], [4, 4]);
    assert.equal(d.predict(counts(1, 0, 0)), -1);
  });

  it('binary fit solves scikit-learn’s objective: x = ±1 gives w = 2σ(−w) ≈ 0.6754, b = 0', () => {
    const d = new LogisticRegressionDecoder(1);
    d.update([counts(1), counts(-1)], [7, 3]);
    const z1 = d.decision(counts(1))[0];
    const z0 = d.decision(counts(0))[0];
    assert.ok(Math.abs(z0) < 1e-4, `intercept ${z0}`);
    const w = z1 - z0;
    assert.ok(Math.abs(w - 2 / (1 + Math.exp(w))) < 1e-4, `w = ${w}`);
    assert.ok(Math.abs(w - 0.6754) < 2e-3);
    assert.equal(d.predict(counts(1)), 7);
    assert.equal(d.predict(counts(-1)), 3);
  });

  it('multinomial fit separates classes; refits from scratch on each chunk', () => {
    const rng = new Rng(3);
    const d = new LogisticRegressionDecoder(12);
    const { chunk, labels } = blobs(120, 4, rng);
    d.update(chunk, labels);
    assert.deepEqual(d.classes, [0, 1, 2, 3]);
    const test = blobs(80, 4, rng);
    const acc = test.chunk.filter((s, k) => d.predict(s) === test.labels[k]).length / 80;
    assert.ok(acc > 0.95, `accuracy ${acc}`);
    // A new chunk with classes 0 and 1 only: the model forgets classes 2 and 3.
    const two = blobs(40, 2, rng);
    d.update(two.chunk, two.labels);
    assert.deepEqual(d.classes, [0, 1]);
  });
});

describe('SVM decoder', () => {
  it('linear soft margin on two points: α at C, rho = (ub + lb)/2, decisions ±0.5', () => {
    const d = new SvmDecoder(1, { kernel: 'linear' });
    d.update([counts(1), counts(0)], [0, 1]);
    assert.deepEqual([...d.decisions(counts(1))], [0.5]);
    assert.deepEqual([...d.decisions(counts(0))], [-0.5]);
    assert.equal(d.predict(counts(1)), 0);
    assert.equal(d.predict(counts(0)), 1);
  });

  it("RBF with gamma = 'scale' (1/(n_features·Var X)) separates blobs one-vs-one", () => {
    const rng = new Rng(4);
    const d = createDecoder('svm', 12, 4) as SvmDecoder;
    assert.equal(d.predict(counts(1)), -1);
    const { chunk, labels } = blobs(200, 4, rng);
    d.update(chunk, labels);
    let s = 0;
    let s2 = 0;
    for (const x of chunk) for (const v of x.counts as number[]) (s += v), (s2 += v * v);
    const m = 200 * 12;
    assert.ok(Math.abs(d.gamma - 1 / (12 * (s2 / m - (s / m) ** 2))) < 1e-12);
    const test = blobs(100, 4, rng);
    const acc = test.chunk.filter((x, k) => d.predict(x) === test.labels[k]).length / 100;
    assert.ok(acc > 0.95, `accuracy ${acc}`);
  });

  it('satisfies the KKT conditions of the dual (tolerance 1e-3) on overlapping classes', () => {
    const rng = new Rng(5);
    const chunk: SampleSpikes[] = [];
    const labels: number[] = [];
    for (let k = 0; k < 90; k++) {
      const c = k % 3;
      chunk.push({ counts: [rng.int(4) + c, rng.int(4) + (2 - c), rng.int(3)] });
      labels.push(c);
    }
    const C = 1;
    const d = new SvmDecoder(3, { kernel: 'rbf', gamma: 0.5, C });
    d.update(chunk, labels);
    const duals = d.pairDuals();
    assert.equal(duals.length, 3);
    const K = (x: SampleSpikes, z: SampleSpikes) => Math.exp(-0.5 * Array.from(x.counts).reduce((s, v, i) => s + (v - z.counts[i]) ** 2, 0));
    let free = 0;
    let bounded = 0;
    for (const p of duals) {
      let ya = 0;
      for (let t = 0; t < p.alpha.length; t++) ya += p.y[t] * p.alpha[t];
      assert.ok(Math.abs(ya) < 1e-9, 'yᵀα = 0');
      for (let t = 0; t < p.alpha.length; t++) {
        const x = chunk[p.indices[t]];
        let fx = -p.rho;
        for (let s = 0; s < p.alpha.length; s++) fx += p.alpha[s] * p.y[s] * K(chunk[p.indices[s]], x);
        const m = p.y[t] * fx;
        const a = p.alpha[t];
        assert.ok(a >= 0 && a <= C);
        if (a === 0) assert.ok(m >= 1 - 2e-3, `α = 0 needs y·f ≥ 1, got ${m}`);
        else if (a === C) (bounded++, assert.ok(m <= 1 + 2e-3, `α = C needs y·f ≤ 1, got ${m}`));
        else (free++, assert.ok(Math.abs(m - 1) < 2e-3, `free α needs y·f = 1, got ${m}`));
      }
    }
    assert.ok(free > 0 && bounded > 0, 'both kinds of support vectors occur');
  });
});
